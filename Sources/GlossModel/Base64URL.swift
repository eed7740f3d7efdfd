/// Base64url without padding (RFC 4648 §5), the form of gloss's opaque cursors and ETags.
///
/// Written byte by byte: Foundation's base64 with three `replacingOccurrences` passes to make it
/// URL-safe was 2.6 % of a list request's CPU (docs/performance.md, session 9).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The text of `bytes`, without `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        switch input.count - index {
        case 1:
            let n = UInt32(input[index]) << 16
            output += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)]]
        case 2:
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of `text`, or nil when it is not base64url: a character outside the URL-safe
    /// alphabet, or a length no encoding has. Trailing `=` padding is accepted.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var digits: [UInt8] = []
        digits.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let value = value(of: byte) else { return nil }
            digits.append(value)
        }
        guard digits.count % 4 != 1, padding <= 2, padding == 0 || (digits.count + padding) % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(digits.count * 3 / 4)
        var index = 0
        while index + 4 <= digits.count {
            let n = UInt32(digits[index]) << 18 | UInt32(digits[index + 1]) << 12 | UInt32(digits[index + 2]) << 6 | UInt32(digits[index + 3])
            output += [UInt8(n >> 16), UInt8(n >> 8 & 255), UInt8(n & 255)]
            index += 4
        }
        switch digits.count - index {
        case 2:
            output.append(UInt8((UInt32(digits[index]) << 18 | UInt32(digits[index + 1]) << 12) >> 16))
        case 3:
            let n = UInt32(digits[index]) << 18 | UInt32(digits[index + 1]) << 12 | UInt32(digits[index + 2]) << 6
            output += [UInt8(n >> 16), UInt8(n >> 8 & 255)]
        default:
            break
        }
        return output
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

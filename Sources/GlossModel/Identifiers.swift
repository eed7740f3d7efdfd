import Crypto
import Foundation

/// A typed UUID: `ID<Article>` and `ID<Note>` cannot be mixed up.
///
/// Written as lowercase hyphenated text everywhere (JSON, SQLite, the command line).
public struct ID<Entity>: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The lowercase hyphenated text form; IDs are read and written as text far more often than
    /// as bytes, so the text is what is kept.
    public let description: String

    public init(_ uuid: UUID) {
        self.description = uuid.lowercaseText
    }

    /// Parses a full UUID in either case; nil for anything else.
    public init?(_ text: String) {
        guard let canonical = canonicalUUIDText(text) else { return nil }
        self.description = canonical
    }

    public init?(_ text: Substring) { self.init(String(text)) }

    public var uuid: UUID { UUID(hexText: description) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }

    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// The lowercase form of a UUID's text (8-4-4-4-12 hex digits), or nil if it is not one; the
/// text itself when it is lowercase already.
func canonicalUUIDText(_ text: String) -> String? {
    guard let uuid = UUID(hexText: text) else { return nil }
    return text.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }) ? uuid.lowercaseText : text
}

extension ID: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let canonical = canonicalUUIDText(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a UUID."))
        }
        self.description = canonical
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension ID {
    /// A new time-ordered UUID (version 7, RFC 9562): 48 bits of milliseconds, then random bits.
    public static func timeOrdered(milliseconds: UInt64 = HybridClock.systemMilliseconds()) -> Self {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
        var generator = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return Self(UUID(bytes: bytes))
    }

    /// A name-based UUID (version 8, RFC 9562) made of the first 16 bytes of a SHA-256 digest.
    public static func nameBased(sha256 digest: [UInt8]) -> Self {
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return Self(UUID(bytes: bytes))
    }

    /// The name-based UUID of a text (SHA-256 of its UTF-8 bytes): the same name, the same ID.
    public static func nameBased(_ name: String) -> Self {
        nameBased(sha256: Array(SHA256.hash(data: Data(name.utf8))))
    }
}

extension UUID {
    init(bytes b: [UInt8]) {
        self.init(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// Parses 8-4-4-4-12 hex digits in either case; nil for anything else (Foundation's
    /// `UUID(uuidString:)` also lets spaces, signs and `0x` through). Foundation's parser goes
    /// through `sscanf`: 5 % of decoding a pushed change on the server, and its `uuidString`
    /// another 3 % (docs/performance.md).
    public init?(hexText text: String) {
        var text = text
        guard text.utf8.count == 36 else { return nil }
        let parsed: uuid_t? = text.withUTF8 { utf8 in
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let complete = withUnsafeMutableBytes(of: &value) { out -> Bool in
                var i = 0
                for n in 0..<16 {
                    if i == 8 || i == 13 || i == 18 || i == 23 {
                        guard utf8[i] == UInt8(ascii: "-") else { return false }
                        i += 1
                    }
                    guard let high = hexValue(utf8[i]), let low = hexValue(utf8[i + 1]) else { return false }
                    out[n] = high << 4 | low
                    i += 2
                }
                return true
            }
            return complete ? value : nil
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    /// The lowercase hyphenated text (`uuidString.lowercased()`, without Foundation's formatting
    /// and a second string).
    public var lowercaseText: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                digits.withUTF8Buffer { hex in
                    var i = 0
                    for n in 0..<16 {
                        if n == 4 || n == 6 || n == 8 || n == 10 { out[i] = UInt8(ascii: "-"); i += 1 }
                        out[i] = hex[Int(bytes[n] >> 4)]
                        out[i + 1] = hex[Int(bytes[n] & 0x0F)]
                        i += 2
                    }
                }
                return 36
            }
        }
    }
}

/// SHA-256 of a string's UTF-8 bytes, as lowercase hex.
public func sha256Hex(_ text: String) -> String {
    var text = text
    let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    // Two digits a byte written into one buffer: a string per byte, joined, took longer than the
    // hash of a token (every authenticated request hashes one).
    let digits: StaticString = "0123456789abcdef"
    return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { buffer in
        digits.withUTF8Buffer { hex in
            var index = 0
            for byte in digest {
                buffer[index] = hex[Int(byte >> 4)]
                buffer[index + 1] = hex[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }
}

/// The bytes of a lowercase hex string (two digits a byte); nil when it is not hex.
func bytes(ofHex hex: String) -> [UInt8]? {
    var result: [UInt8] = []
    result.reserveCapacity(hex.utf8.count / 2)
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next() {
        guard let low = iterator.next(), let h = hexValue(high), let l = hexValue(low) else { return nil }
        result.append(h << 4 | l)
    }
    return result
}

/// The value of one hex digit, either case (UUIDs, clocks and stamps are parsed with it).
func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}

import Foundation

/// A moment in UTC with millisecond precision, written as RFC 3339 (`2026-11-23T08:15:02.118Z`).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(_ date: Date) { self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    public static func < (a: Self, b: Self) -> Bool { a.milliseconds < b.milliseconds }

    /// RFC 3339 in UTC, always with three fractional digits, so string order is time order.
    public var description: String {
        // Years 0–9999 (every clock this program meets) are written into 24 bytes directly:
        // formatting through `gmtime_r` and interpolation was 6 % of a push's transaction.
        let days = milliseconds.floorDiv(86_400_000)
        let civil = Self.civil(days: days)
        guard (0...9999).contains(civil.year) else { return slowDescription }
        let inDay = Int(milliseconds - days * 86_400_000)
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ value: Int, _ width: Int, at offset: Int, then separator: UInt8) {
                var rest = value
                for i in stride(from: offset + width - 1, through: offset, by: -1) {
                    out[i] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                }
                out[offset + width] = separator
            }
            put(civil.year, 4, at: 0, then: UInt8(ascii: "-"))
            put(civil.month, 2, at: 5, then: UInt8(ascii: "-"))
            put(civil.day, 2, at: 8, then: UInt8(ascii: "T"))
            put(inDay / 3_600_000, 2, at: 11, then: UInt8(ascii: ":"))
            put(inDay / 60_000 % 60, 2, at: 14, then: UInt8(ascii: ":"))
            put(inDay / 1000 % 60, 2, at: 17, then: UInt8(ascii: "."))
            put(inDay % 1000, 3, at: 20, then: UInt8(ascii: "Z"))
            return 24
        }
    }

    /// Year, month and day of a count of days since 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The same text through `gmtime_r`, for years outside 0–9999.
    var slowDescription: String {
        var seconds = time_t(milliseconds.floorDiv(1000))
        let millis = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(millis, 3))Z"
    }

    /// Parses RFC 3339 (`2026-11-23T08:15:02Z`, with or without fractions, any offset) or a plain
    /// date (`2026-11-23`, midnight UTC). Nil for anything else.
    public init?(_ text: String) {
        if let fast = Self.parseCanonical(text) { self = fast; return }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) { self.init(date); return }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: trimmed) { self.init(date); return }
        formatter.formatOptions = [.withFullDate]
        if trimmed.count == 10, let date = formatter.date(from: trimmed) { self.init(date); return }
        return nil
    }
}

extension Timestamp {
    /// The canonical form `YYYY-MM-DDTHH:MM:SS.mmmZ`, parsed without a formatter: lists read
    /// hundreds of thousands of these.
    static func parseCanonical(_ text: String) -> Timestamp? {
        let utf8 = text.utf8
        guard utf8.count == 24 else { return nil }
        return utf8.withContiguousStorageIfAvailable { b -> Timestamp? in
            func digits(_ from: Int, _ count: Int) -> Int? {
                var value = 0
                for i in from..<(from + count) {
                    let d = Int(b[i]) - 48
                    guard d >= 0 && d <= 9 else { return nil }
                    value = value * 10 + d
                }
                return value
            }
            guard b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 46, b[23] == 90,
                  let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
                  let minute = digits(14, 2), let second = digits(17, 2), let millis = digits(20, 3),
                  (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
            // Days from civil (Howard Hinnant's algorithm).
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let mp = (month + 9) % 12
            let doy = (153 * mp + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
            return Timestamp(milliseconds: seconds * 1000 + Int64(millis))
        } ?? nil
    }
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Timestamp(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not an RFC 3339 date."))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

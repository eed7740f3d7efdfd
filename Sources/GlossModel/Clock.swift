import Foundation

/// A hybrid logical clock timestamp: 48 bits of milliseconds since 1970, then a 16-bit counter.
///
/// Timestamps order changes across devices (Kulkarni et al. 2014). On the wire and in the
/// journal a timestamp is 16 lowercase hex digits, so its string order is its numeric order
/// and JavaScript clients never see an integer past 2^53.
public struct HLC: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(milliseconds: UInt64, counter: UInt16) {
        self.rawValue = (milliseconds << 16) | UInt64(counter)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static let zero = HLC(rawValue: 0)

    public static func < (a: HLC, b: HLC) -> Bool { a.rawValue < b.rawValue }

    /// 16 lowercase hex digits, written in place (every stamp and journal row formats one).
    public var description: String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            Self.writeHex(rawValue, into: buffer)
            return 16
        }
    }

    /// Writes `value` as 16 lowercase hex digits into the first 16 bytes of `buffer`.
    static func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        var value = value
        for index in stride(from: 15, through: 0, by: -1) {
            let digit = UInt8(truncatingIfNeeded: value & 0xF)
            buffer[index] = digit < 10 ? 0x30 + digit : 0x57 + digit
            value >>= 4
        }
    }

    /// Parses the 16-hex-digit form (either case); nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == 16 else { return nil }
        var value: UInt64 = 0
        for byte in text.utf8 {
            guard let digit = hexValue(byte) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        self.rawValue = value
    }
}

extension HLC: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = HLC(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "A clock is 16 hex digits, not \"\(text)\".")
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The order of every write: a clock timestamp, then the writing device to break ties.
///
/// Two stamps are equal only for the same write, since one device never issues a timestamp twice.
/// Its text form is `HLC@device`.
public struct Stamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let clock: HLC
    public let device: DeviceID

    public init(clock: HLC, device: DeviceID) {
        self.clock = clock
        self.device = device
    }

    public static func < (a: Stamp, b: Stamp) -> Bool {
        a.clock != b.clock ? a.clock < b.clock : a.device.rawValue < b.device.rawValue
    }

    public var description: String { clock.description + "@" + device.rawValue }

    /// Parses `CLOCK@DEVICE` (16 hex digits, `@`, a device ID), byte by byte: every record and
    /// change carries several stamps, and a search for `@` among `Character`s was 7 % of
    /// decoding a pulled page (docs/performance.md).
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        var index = utf8.startIndex
        var clock: UInt64 = 0
        for _ in 0..<16 {
            guard index != utf8.endIndex, let digit = hexValue(utf8[index]) else { return nil }
            clock = clock << 4 | UInt64(digit)
            index = utf8.index(after: index)
        }
        guard index != utf8.endIndex, utf8[index] == UInt8(ascii: "@") else { return nil }
        index = utf8.index(after: index)
        guard index != utf8.endIndex else { return nil }
        self.init(clock: HLC(rawValue: clock), device: DeviceID(rawValue: String(text[index...])))
    }
}

extension Stamp: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Stamp(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "A stamp is CLOCK@DEVICE, not \"\(text)\".")
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The identity of one library on one machine. Lowercase, no `@`.
public struct DeviceID: Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    /// A new random device identity.
    public static func random() -> DeviceID {
        DeviceID(rawValue: UUID().lowercaseText)
    }
}

/// The clock of one device, following the send and receive rules of Kulkarni et al. 2014.
///
/// `now()` is for local events; `receive(_:)` merges a timestamp seen from elsewhere so that
/// anything this device writes afterwards orders after it.
public struct HybridClock: Sendable {
    public private(set) var last: HLC
    /// The largest distance, in milliseconds, that `receive` accepts a remote timestamp ahead of
    /// the physical clock. Past it the remote timestamp is clamped, so a device whose clock runs
    /// hours ahead cannot make every later edit lose forever.
    public var maximumDrift: UInt64
    private let physical: @Sendable () -> UInt64

    public init(
        last: HLC = .zero,
        maximumDrift: UInt64 = 5 * 60 * 1000,
        physical: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds
    ) {
        self.last = last
        self.maximumDrift = maximumDrift
        self.physical = physical
    }

    @Sendable public static func systemMilliseconds() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }

    /// The send rule: a timestamp for a local event, later than every timestamp seen so far.
    public mutating func now() -> HLC {
        let wall = physical()
        if wall > last.milliseconds {
            last = HLC(milliseconds: wall, counter: 0)
        } else {
            last = Self.increment(last)
        }
        return last
    }

    /// The receive rule: merge a remote timestamp, and return the result.
    ///
    /// A remote timestamp more than `maximumDrift` ahead of the physical clock is treated as if it
    /// were exactly that far ahead; the returned value says what this clock now holds.
    ///
    /// `bounded: false` skips that bound, for timestamps an authority already bounded (a library
    /// receiving what the sync server hands out: the server clamps every change it accepts to its
    /// own clock + the drift it allows, so a device whose clock runs behind must still move past
    /// them, or its next edits would order before what it has already seen and lose to it).
    @discardableResult
    public mutating func receive(_ remote: HLC, bounded isBounded: Bool = true) -> HLC {
        let wall = physical()
        let bounded = isBounded ? min(remote, HLC(milliseconds: wall + maximumDrift, counter: UInt16.max)) : remote
        let l = max(last.milliseconds, bounded.milliseconds, wall)
        if l == last.milliseconds && l == bounded.milliseconds {
            last = Self.increment(HLC(milliseconds: l, counter: max(last.counter, bounded.counter)))
        } else if l == last.milliseconds {
            last = Self.increment(last)
        } else if l == bounded.milliseconds {
            last = Self.increment(bounded)
        } else {
            last = HLC(milliseconds: l, counter: 0)
        }
        return last
    }

    /// Whether a remote timestamp lies further in the future than this clock accepts.
    public func isTooFarAhead(_ remote: HLC) -> Bool {
        remote.milliseconds > physical() + maximumDrift
    }

    /// Counter + 1; a full counter moves on to the next millisecond instead of wrapping.
    private static func increment(_ clock: HLC) -> HLC {
        clock.counter == UInt16.max
            ? HLC(milliseconds: clock.milliseconds + 1, counter: 0)
            : HLC(rawValue: clock.rawValue + 1)
    }
}

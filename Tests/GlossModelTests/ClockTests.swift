import Foundation
import GlossTestSupport
import Testing
@testable import GlossModel

/// A physical clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64
    init(_ value: UInt64) { self.value = value }
    var now: UInt64 { lock.withLock { value } }
    func set(_ v: UInt64) { lock.withLock { value = v } }
    var source: @Sendable () -> UInt64 { { self.now } }
}

@Suite struct ClockTests {
    @Test func localEventsAreStrictlyIncreasingWithinOneMillisecond() {
        let wall = ManualClock(1_000)
        var clock = HybridClock(physical: wall.source)
        let a = clock.now(), b = clock.now(), c = clock.now()
        #expect(a < b && b < c)
        #expect(a.milliseconds == 1_000 && c.milliseconds == 1_000)
        #expect(c.counter == 2)
        wall.set(1_005)
        let d = clock.now()
        #expect(d.milliseconds == 1_005 && d.counter == 0)
    }

    @Test func aClockThatGoesBackwardsStillMovesForward() {
        let wall = ManualClock(10_000)
        var clock = HybridClock(physical: wall.source)
        let before = clock.now()
        wall.set(2_000)
        let after = clock.now()
        #expect(after > before)
    }

    @Test func receivingALaterTimestampOrdersLaterEventsAfterIt() {
        let wall = ManualClock(1_000)
        var clock = HybridClock(physical: wall.source)
        _ = clock.now()
        let remote = HLC(milliseconds: 1_200, counter: 7)
        let merged = clock.receive(remote)
        #expect(merged > remote)
        #expect(clock.now() > remote)
    }

    @Test func aRemoteClockHoursAheadIsBoundedByTheDriftLimit() {
        let wall = ManualClock(1_000_000)
        var clock = HybridClock(maximumDrift: 60_000, physical: wall.source)
        let threeHoursAhead = HLC(milliseconds: 1_000_000 + 3 * 3_600_000, counter: 0)
        #expect(clock.isTooFarAhead(threeHoursAhead))
        let merged = clock.receive(threeHoursAhead)
        #expect(merged.milliseconds <= 1_000_000 + 60_000 + 1)
    }

    @Test func aFullCounterMovesToTheNextMillisecond() {
        let wall = ManualClock(5)
        var clock = HybridClock(last: HLC(milliseconds: 5, counter: UInt16.max), physical: wall.source)
        let next = clock.now()
        #expect(next == HLC(milliseconds: 6, counter: 0))
    }

    @Test func textFormsRoundTripAndSortLikeTheirValues() throws {
        let small = HLC(milliseconds: 1, counter: 2), large = HLC(milliseconds: 0xFFFF_FFFF_FFFF, counter: 1)
        #expect(small.description.count == 16 && large.description.count == 16)
        #expect(small.description < large.description)
        #expect(HLC(small.description) == small)
        #expect(HLC("xyz") == nil)
        let stamp = Stamp(clock: large, device: DeviceID(rawValue: "dev-a"))
        #expect(Stamp(stamp.description) == stamp)
        // Equal clocks are ordered by device.
        #expect(Stamp(clock: small, device: DeviceID(rawValue: "a")) < Stamp(clock: small, device: DeviceID(rawValue: "b")))
    }

    /// The byte-by-byte parsers accept exactly what the earlier ones (a search for `@` and
    /// `UInt64(_:radix:)`) did, except a sign before the digits, which no gloss ever wrote.
    @Test func stampsAndClocksParseAsTheEarlierParsersDid() {
        func oldHLC(_ text: Substring) -> HLC? {
            guard text.utf8.count == 16, let value = UInt64(text, radix: 16) else { return nil }
            return HLC(rawValue: value)
        }
        func oldStamp(_ text: String) -> Stamp? {
            guard let at = text.firstIndex(of: "@"), let clock = oldHLC(text[..<at]) else { return nil }
            let device = String(text[text.index(after: at)...])
            return device.isEmpty ? nil : Stamp(clock: clock, device: DeviceID(rawValue: device))
        }
        var random = SeededGenerator(seed: 16)
        let alphabet = Array("0123456789abcdefABCDEFgxz@+- é\u{1F600}")
        var accepted = 0
        for _ in 0..<5_000 {
            var text = Array(Stamp(clock: HLC(rawValue: random.next()), device: DeviceID(rawValue: "dev-\(random.next() % 100)")).description)
            for _ in 0..<Int(random.next() % 3) {
                let position = Int(random.next() % UInt64(text.count + 1))
                switch random.next() % 3 {
                case 0 where position < text.count: text.remove(at: position)
                case 1: text.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                default: if position < text.count { text[position] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
                }
            }
            let string = String(text)
            let clockPart = string.split(separator: "@", maxSplits: 1).first ?? ""
            if clockPart.first == "+" || clockPart.first == "-" { continue }
            #expect(Stamp(string) == oldStamp(string), "\(string)")
            #expect(HLC(clockPart) == oldHLC(clockPart), "\(clockPart)")
            if Stamp(string) != nil { accepted += 1 }
        }
        #expect(accepted > 1_000)  // the mutations left many stamps valid: both paths were compared
        #expect(HLC("+00000000000000f") == nil && Stamp("+00000000000000f@dev") == nil)
    }
}

@Suite struct IdentifierTests {
    @Test func timeOrderedIDsAreVersion7AndSortByTime() {
        let early = ID<Note>.timeOrdered(milliseconds: 1_700_000_000_000)
        let late = ID<Note>.timeOrdered(milliseconds: 1_700_000_000_001)
        #expect(early < late)
        let text = early.description
        #expect(text == text.lowercased())
        #expect(Array(text)[14] == "7")
        #expect("89ab".contains(Array(text)[19]))
    }

    @Test func theSameTextGivesTheSameArticleIDOnEveryMachine() {
        let hash = Normalization.contentHash("Some article text.")
        #expect(Article.id(contentHash: hash) == Article.id(contentHash: hash))
        #expect(Article.id(contentHash: hash) != Article.id(contentHash: Normalization.contentHash("Other text.")))
        #expect(Array(Article.id(contentHash: hash).description)[14] == "8")
    }

    /// Content hashes and token hashes are stored: they must stay SHA-256 in lowercase hex, or
    /// every article ID derived from one and every issued token would change (FIPS 180-2 vectors).
    @Test func hashesAreSHA256InLowercaseHex() {
        #expect(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex("é") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c", "the text's UTF-8 bytes are hashed")
    }

    @Test func timestampsAreRFC3339UTCWithMilliseconds() throws {
        let t = Timestamp(milliseconds: 1_763_856_000_123)
        #expect(t.description == "2025-11-23T00:00:00.123Z")
        #expect(Timestamp(t.description) == t)
        #expect(Timestamp("2025-11-23") == Timestamp(milliseconds: 1_763_856_000_000))
        #expect(Timestamp("2025-11-23T01:00:00+01:00") == Timestamp(milliseconds: 1_763_856_000_000))
        #expect(Timestamp("yesterday") == nil)
        // The fast path for the canonical form agrees with the formatter, across centuries.
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let ms = Int64(rng.next() % 8_000_000_000_000)
            let value = Timestamp(milliseconds: ms)
            #expect(Timestamp.parseCanonical(value.description) == value)
        }
        #expect(Timestamp.parseCanonical("2026-13-01T00:00:00.000Z") == nil)
        #expect(Timestamp.parseCanonical("2026-11-23T00:00:00.000+") == nil)
    }

    /// Timestamps are written without `gmtime_r` for years 0–9999: the text must be the one
    /// `gmtime_r` gives, before 1970 and across leap days and centuries too.
    @Test func timestampsAreWrittenAsGmtimeWritesThem() {
        var rng = SeededGenerator(seed: 7)
        let edges: [Int64] = [0, -1, 999, -86_400_000, 951_782_400_000, 951_868_799_999, 4_107_542_399_999, -62_167_219_200_000, 253_402_300_799_999]
        let random = (0..<5000).map { _ in Int64(bitPattern: rng.next() % 316_000_000_000_000) - 62_167_219_200_000 }
        for ms in edges + random {
            let t = Timestamp(milliseconds: ms)
            #expect(t.description == t.slowDescription, "\(ms)")
        }
        #expect(Timestamp(milliseconds: 951_782_400_000).description == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -1).description == "1969-12-31T23:59:59.999Z")
    }

    /// UUIDs are read and written without Foundation's `sscanf` and formatter: the same UUID as
    /// `UUID(uuidString:)` for every 8-4-4-4-12 hex text in either case, and nil for anything
    /// else (Foundation's `sscanf` lets spaces, `0x` and signs through; IDs never allowed them).
    @Test func uuidTextIsReadAndWrittenAsFoundationDoes() {
        var rng = SeededGenerator(seed: 11)
        let alphabet = Array("0123456789abcdefABCDEF-gG xz{}+")
        var valid = 0
        for _ in 0..<5000 {
            let uuid = UUID()
            #expect(uuid.lowercaseText == uuid.uuidString.lowercased())
            var text = Array(rng.next() % 2 == 0 ? uuid.uuidString : uuid.uuidString.lowercased())
            // Most cases get up to three characters replaced, some a character dropped or added.
            for _ in 0..<Int(rng.next() % 4) { text[Int(rng.next() % 36)] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if rng.next() % 10 == 0 { text.remove(at: Int(rng.next() % 36)) }
            if rng.next() % 10 == 0 { text.append("0") }
            let string = String(text)
            let parsed = UUID(hexText: string)
            let wellFormed = string.wholeMatch(of: /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/) != nil
            #expect((parsed != nil) == wellFormed, "\(string)")
            #expect(ID<Note>(string)?.description == (wellFormed ? string.lowercased() : nil), "\(string)")
            if let parsed {
                valid += 1
                #expect(parsed == UUID(uuidString: string), "\(string)")
            }
        }
        #expect(valid > 1000 && valid < 4500, "the cases are not a mix of valid and broken texts")
        #expect(UUID(hexText: "") == nil)
        #expect(UUID(hexText: "0190F2C3-7E21-7AB5-8F3D-2A9C4B1E6D70")?.lowercaseText == "0190f2c3-7e21-7ab5-8f3d-2a9c4b1e6d70")
    }
}

@Suite struct CanonicalJSONTests {
    @Test func entitiesEncodeWithSortedKeysAndExplicitNulls() throws {
        let note = Note(id: ID(UUID()), body: "a/b", createdAt: Timestamp(milliseconds: 0), updatedAt: Timestamp(milliseconds: 0))
        let json = try CanonicalJSON.string(note)
        #expect(json.hasPrefix("{\"articleId\":null,\"body\":\"a/b\",\"conflicts\":[],\"createdAt\":\"1970-01-01T00:00:00.000Z\""))
        let decoded = try CanonicalJSON.decode(Note.self, from: Data(json.utf8))
        #expect(decoded == note)
        // Byte-identical on every encoding.
        #expect(try CanonicalJSON.string(decoded) == json)
    }

    @Test func changesRoundTripThroughTheJournalForm() throws {
        let change = Change(
            entity: .note, entityId: UUID(), op: .update, clock: HLC(milliseconds: 9, counter: 1), device: DeviceID(rawValue: "d"),
            fields: ["body": FieldChange(old: .string("a"), new: .string("b"))], tags: ["x": true],
            base: Stamp(clock: HLC(milliseconds: 8, counter: 0), device: DeviceID(rawValue: "d"))
        )
        let data = try CanonicalJSON.encode(change)
        #expect(try CanonicalJSON.decode(Change.self, from: data) == change)
    }
}

import Foundation
import GlossTestSupport
import Testing
@testable import GlossModel

@Suite struct JSONParserTests {
    @Test func itReadsWhatTheEncoderWritesExactlyAsJSONDecoderDoes() throws {
        var rng = SeededGenerator(seed: 7)
        let strings = ["plain", "quote \" and \\ backslash", "line\nbreak\ttab", "é ü 🦊 \u{2028}", "\u{01}\u{1F}", "", "/slash/"]
        for n in 0..<200 {
            func pick() -> String { strings[Int(rng.next() % UInt64(strings.count))] }
            let values: [JSONValue] = [.string(pick()), .int(Int64(bitPattern: rng.next()) >> 12), .double(Double(rng.next() % 1000) / 7), .bool(n % 2 == 0), .null,
                                       .array([.string(pick()), .int(-3)]), .object(["k": .string(pick()), "a": .null])]
            let change = Change(
                entity: [.article, .highlight, .note][n % 3], entityId: UUID(), op: .update,
                clock: HLC(rawValue: rng.next() >> 1), device: DeviceID(rawValue: "dev-\(n)"), at: Timestamp(milliseconds: Int64(rng.next() % 4_000_000_000_000)),
                fields: Dictionary(uniqueKeysWithValues: values.enumerated().map { ("f\($0.offset)\(pick())", FieldChange(old: values[($0.offset + 1) % values.count], new: $0.element)) }),
                tags: [pick(): true, "t\(n)": false], base: n % 2 == 0 ? nil : Stamp(clock: HLC(rawValue: 5), device: DeviceID(rawValue: "b")),
                resolves: n % 3 == 0 ? [Stamp(clock: HLC(rawValue: 9), device: DeviceID(rawValue: "c"))] : []
            )
            let data = try CanonicalJSON.encode(change)
            let viaDecoder = try JSONDecoder().decode(Change.self, from: data)
            let viaParser = try #require(Change(json: try JSONParser.parse(data)))
            #expect(viaParser == viaDecoder)
            let record = EntityRecord(
                kind: .note, id: UUID(), fields: ["body": .string(pick()), "n": .int(Int64(n))],
                stamps: ["body": change.stamp], tags: [pick(): TagState(present: n % 2 == 0, stamp: change.stamp)],
                conflicts: n % 4 == 0 ? [ConflictVersion(body: pick(), stamp: change.stamp)] : [],
                createdAt: change.at, updatedAt: change.at
            )
            let recordData = try CanonicalJSON.encode(record)
            #expect(EntityRecord(json: try JSONParser.parse(recordData)) == (try JSONDecoder().decode(EntityRecord.self, from: recordData)))
        }
    }

    @Test func invalidJSONIsRefused() {
        for text in ["", "{", "[1,]", "{\"a\":1,}", "01", "\"unterminated", "\"bad \\x escape\"", "tru", "[1 2]", "{\"a\" 1}",
                     "\"\\ud800\"", "1e999", "{} extra", "\"raw\u{01}control\""] {
            #expect(throws: JSONParser.Failure.self, "\(text)") { try JSONParser.parse(text) }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data([0x22, 0xFF, 0x22])) }
        // Bytes that are not UTF-8 are refused however the string is read (with and without
        // escapes): a lone continuation byte, a truncated sequence of the length its replacement
        // would have, an overlong form, a surrogate written in UTF-8.
        for bad: [UInt8] in [[0x80], [0xF0, 0x9F, 0x98], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x61, 0xE2, 0x82]] {
            #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data([0x22] + bad + [0x22])) }
            #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data([0x22, 0x5C, 0x6E] + bad + [0x22])) }
        }
        #expect((try? JSONParser.parse(Data([0x22, 0xF0, 0x9F, 0xA6, 0x8A, 0x5C, 0x6E, 0xC3, 0xA9, 0x22]))) == .string("🦊\né"))
        #expect((try? JSONParser.parse(" {\"a\": [1, -2.5e3, true, null, \"\\u00e9\\ud83e\\udd8a\"]} ")) ==
                .object(["a": .array([.int(1), .double(-2500), .bool(true), .null, .string("é🦊")])]))
    }

    /// A pushed batch's changes are stepped over, then parsed one by one (on several cores): the
    /// ranges must be the ones a full parse finds, and a document is only as valid as its parts.
    @Test func deferredElementsHaveTheRangesAFullParseFinds() throws {
        let text = #"{"device": "d", "changes" : [ {"a": "]}\"{[", "b": [1, {"c": null}]} ,"x\\",{"e":"é 🦊"}, 12 ,[[]] ], "z": true}"#
        let data = Data(text.utf8)
        let (full, spans) = try JSONParser.parse(data, spansOf: "changes")
        let (shallow, deferred) = try JSONParser.parse(data, deferring: "changes")
        #expect(deferred == spans)
        #expect(deferred.count == 5)
        guard case .object(let members) = full, case .array(let items)? = members["changes"] else { Issue.record("not an object"); return }
        #expect(try deferred.map { try JSONParser.parse(Data(data[$0])) } == items)
        #expect(shallow == .object(members.merging(["changes": .array([])]) { $1 }))
        // The member twice: refused by both, so the caller's fallback decides what it means.
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data(#"{"changes":[1],"changes":[2]}"#.utf8), deferring: "changes") }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data(#"{"changes":[1],"changes":[2]}"#.utf8), spansOf: "changes") }
        // Broken around or inside the deferred elements: refused here, or by the element's own parse.
        for broken in [#"{"changes":[{"a":1}}]}"#, #"{"changes":[{"a":"x}]}"#, #"{"changes":[1 2]}"#, #"{"changes":[{"a":[}]}"#, #"{"changes":[,]}"#] {
            let parts = try? JSONParser.parse(Data(broken.utf8), deferring: "changes")
            let whole = parts.map { parts in parts.spans.allSatisfy { (try? JSONParser.parse(Data(Data(broken.utf8)[$0]))) != nil } } ?? false
            #expect(!whole, "\(broken)")
            #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(broken) }
        }
    }

    /// A pulled page defers two members at once: each one's ranges are those of a full parse,
    /// whichever comes first, and an absent member has none.
    @Test func severalMembersDeferAtOnceWithTheRangesOfAFullParse() throws {
        let text = #"{"records": [{"r": 1}, [2, {"s": "]"}]], "cursor": "c", "changes": [ "x" , {"a": [1]} ,3], "hasMore": false}"#
        let data = Data(text.utf8)
        let (shallow, deferred) = try JSONParser.parse(data, deferring: ["changes", "records"])
        let (_, changeSpans) = try JSONParser.parse(data, spansOf: "changes")
        let (full, recordSpans) = try JSONParser.parse(data, spansOf: "records")
        #expect(deferred["changes"] == changeSpans && deferred["records"] == recordSpans)
        #expect(deferred["changes"]?.count == 3 && deferred["records"]?.count == 2)
        guard case .object(let members) = full else { Issue.record("not an object"); return }
        #expect(shallow == .object(members.merging(["changes": .array([]), "records": .array([])]) { $1 }))
        #expect(try JSONParser.parse(Data(#"{"changes":[1]}"#.utf8), deferring: ["changes", "records"]).spans["records"] == nil)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data(#"{"records":[1],"changes":[],"records":[2]}"#.utf8), deferring: ["changes", "records"]) }
    }

    @Test func aChangeMissingAFieldIsNotReadAndTheDecoderExplainsWhy() throws {
        let data = Data(#"{"id":"01a20600-0000-7000-8000-000000000001","entity":"note"}"#.utf8)
        #expect(Change(json: try JSONParser.parse(data)) == nil)
        #expect(throws: DecodingError.self) { try Change.decode(data) }
    }
}

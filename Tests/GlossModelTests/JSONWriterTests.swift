import Foundation
import Testing
@testable import GlossModel

/// The fast writer must produce the canonical encoder's bytes exactly.
@Suite struct JSONWriterTests {
    let tricky = "quote \" backslash \\ slash / newline \n tab \t control \u{01} \u{1F} nbsp \u{00A0} emoji 🦊 line-sep \u{2028} é"

    func written<T: CanonicalJSONWritable>(_ value: T) -> Data {
        var writer = JSONWriter()
        value.write(to: &writer)
        return Data(writer.bytes)
    }

    @Test func highlightsMatchTheEncoder() throws {
        let text = ArticleText("Before " + tricky + " after")
        var highlight = Highlight(
            id: .timeOrdered(), articleId: Article.id(contentHash: sha256Hex("x")), selector: TextSelector(text: text, start: 3, end: 40),
            tags: ["a/b", "z"], createdAt: Timestamp(milliseconds: 1), updatedAt: Timestamp(milliseconds: 2)
        )
        #expect(written(highlight) == (try CanonicalJSON.encode(highlight)))
        for score in [0.875, 1.0, 0.1 + 0.2, 1e-7] {
            highlight.anchorScore = score
            highlight.anchor = .fuzzy
            #expect(written(highlight) == (try CanonicalJSON.encode(highlight)), "anchorScore \(score)")
        }
    }

    @Test func notesAndArticlesMatchTheEncoder() throws {
        let note = Note(
            id: .timeOrdered(), body: tricky, articleId: nil, highlightId: .timeOrdered(), tags: [],
            conflicts: [ConflictVersion(body: "other \"one\"", stamp: Stamp(clock: HLC(milliseconds: 5, counter: 1), device: DeviceID(rawValue: "d")))],
            createdAt: Timestamp(milliseconds: 3), updatedAt: Timestamp(milliseconds: 4), deleted: true
        )
        #expect(written(note) == (try CanonicalJSON.encode(note)))
        let article = Article(
            id: Article.id(contentHash: sha256Hex(tricky)), title: tricky, url: "https://example.org/a?b=c", author: nil,
            publishedAt: Timestamp(milliseconds: 9), text: tricky, contentHash: sha256Hex(tricky), tags: ["x"],
            createdAt: Timestamp(milliseconds: 5), updatedAt: Timestamp(milliseconds: 6)
        )
        #expect(written(article) == (try CanonicalJSON.encode(article)))
    }
}

@Suite struct SyncJSONWriterTests {
    let device = DeviceID(rawValue: "dev-é")

    @Test func changesMatchTheEncoder() throws {
        let change = Change(
            entity: .highlight, entityId: UUID(), op: .update, clock: HLC(milliseconds: 77, counter: 3), device: device,
            at: Timestamp(milliseconds: 123_456),
            fields: ["color": FieldChange(old: .string("yellow"), new: .string("b\"lue")), "start": FieldChange(old: .int(3), new: .int(-4)),
                     "anchorScore": FieldChange(old: .null, new: .double(0.625)), "deleted": FieldChange(old: .bool(true), new: .bool(false)),
                     "Zed": FieldChange(new: .array([.string("x"), .object(["b": .null, "a": .int(1)])]))],
            tags: ["zeta": true, "alpha": false, "Ärger": true, "a/b": true],
            base: Stamp(clock: HLC(milliseconds: 70, counter: 0), device: device),
            resolves: [Stamp(clock: HLC(milliseconds: 1, counter: 1), device: device)]
        )
        #expect(JSONWriter.encode(change) == (try CanonicalJSON.encode(change)))
        let plain = Change(entity: .note, entityId: UUID(), op: .create, clock: .zero, device: device)
        #expect(JSONWriter.encode(plain) == (try CanonicalJSON.encode(plain)))
    }

    @Test func recordsMatchTheEncoder() throws {
        let stamp = Stamp(clock: HLC(milliseconds: 9, counter: 9), device: device)
        let record = EntityRecord(
            kind: .note, id: UUID(), fields: ["body": .string("line\nbreak"), "articleId": .null, "deleted": .bool(false)],
            stamps: ["body": stamp, "articleId": stamp, "deleted": stamp],
            tags: ["b": TagState(present: true, stamp: stamp), "a": TagState(present: false, stamp: stamp)],
            conflicts: [ConflictVersion(body: "lost \\ one", stamp: stamp)],
            createdAt: Timestamp(milliseconds: 1), updatedAt: Timestamp(milliseconds: 2)
        )
        #expect(JSONWriter.encode(record) == (try CanonicalJSON.encode(record)))
    }

    /// A pull page splices stored JSON with `raw`: as text, as bytes or as any sequence of bytes,
    /// the same output, commas included.
    @Test func rawValuesAreSplicedWhole() {
        let parts = ["{\"a\":\"é 🦊\"}", "[1,2]", "\"line\\nbreak\""]
        var text = JSONWriter(), bytes = JSONWriter(), sequence = JSONWriter()
        text.beginArray(); bytes.beginArray(); sequence.beginArray()
        for part in parts {
            text.raw(part)
            bytes.raw(Array(part.utf8))
            sequence.raw(part.utf8)
        }
        text.endArray(); bytes.endArray(); sequence.endArray()
        let expected = Array(("[" + parts.joined(separator: ",") + "]").utf8)
        #expect(text.bytes == expected && bytes.bytes == expected && sequence.bytes == expected)
    }
}

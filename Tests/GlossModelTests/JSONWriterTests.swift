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

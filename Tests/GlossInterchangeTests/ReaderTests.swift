import Foundation
import Testing
import GlossModel
import GlossStore
@testable import GlossInterchange

@Suite struct ReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    func fixture(_ name: String) throws -> Data { try Data(contentsOf: Self.fixtures.appendingPathComponent(name)) }

    @Test func hypothesisSearchAnswer() throws {
        let library = try Library(inMemoryWithDevice: nil)
        let articles = try Seeds.add(to: library)
        let data = try fixture("hypothesis-search.json")
        #expect(try AnnotationFile.read(data).0 == .hypothesis)
        let report = try library.importFile(data)
        // The highlight (with its note), the reply, the page note, and a placeholder highlight.
        #expect(report.highlights == 2 && report.notes == 3 && report.placeholders == 1)
        #expect(report.exact == 1)
        let seed = articles[1]
        let highlight = try #require(try library.highlights(of: seed.id).first)
        #expect(highlight.exact == "China and Latin America may try to forge")
        #expect(ArticleText(seed.text).slice(highlight.start..<highlight.end) == highlight.exact)
        #expect(highlight.tags == ["latam", "trade policy"])
        #expect(highlight.createdAt == Timestamp("2025-02-03T10:15:30.123Z"))
        #expect(highlight.updatedAt == Timestamp("2025-02-04T08:00:00.000Z"))
        let notes = try library.notes(highlight: highlight.id).map(\.body)
        #expect(notes == ["Worth comparing with the 2016 visit — see “Belt and Road”.", "Agreed; the port at Chancay is the example."])
        let pageNotes = try library.notes(article: seed.id).filter { $0.highlightId == nil }
        #expect(pageNotes.map(\.body) == ["A page note on the whole article."] && pageNotes[0].tags == ["to-read"])
        let placeholder = try #require(try library.articles().first { $0.article.isPlaceholder }).article
        #expect(placeholder.url == "https://example.net/not-in-the-library" && placeholder.title == "Somewhere else")
        #expect(placeholder.text.contains("a passage from an article gloss has never seen"))
        // The same answer again adds nothing.
        let journal = try library.log().count
        let again = try library.importFile(data)
        #expect(again.highlights == 0 && again.notes == 0 && again.placeholders == 0 && again.unchanged == 5)
        #expect(try library.log().count == journal)
    }

    @Test func w3cSingleAnnotationAndArrayFromOtherTools() throws {
        let library = try Library(inMemoryWithDevice: nil)
        let seed = try Seeds.add(to: library)[1]
        let single = try library.importFile(try fixture("w3c-single.jsonld"))
        #expect(single.highlights == 1 && single.notes == 1 && single.exact == 1)
        let array = try library.importFile(try fixture("w3c-array.jsonld"))
        #expect(array.highlights == 1 && array.notes == 1)
        let quotes = try library.highlights(of: seed.id).map(\.exact)
        #expect(quotes.contains("Geopolitics") && quotes.contains("China and Latin America may try to forge an even deeper relationship"))
        let tagged = try #require(try library.highlights(of: seed.id).first { $0.tags == ["quotes"] })
        #expect(try library.notes(highlight: tagged.id).first?.body.hasPrefix("The “train") == true)
        #expect(try library.notes(article: seed.id).contains { $0.body == "A note on the whole page." && $0.highlightId == nil })
    }

    @Test func aQuoteThatNoLongerMatchesIsKeptAsAnOrphanOrAFuzzyAnchor() throws {
        let library = try Library(inMemoryWithDevice: nil)
        try Seeds.add(to: library)
        let json = """
            [{"type": "Annotation", "id": "urn:x:1", "target": {"source": "https://example.org/seed-1", "selector":
              {"type": "TextQuoteSelector", "exact": "China and Latin Amerika might try to forge"}}},
             {"type": "Annotation", "id": "urn:x:2", "target": {"source": "https://example.org/seed-1", "selector":
              {"type": "TextQuoteSelector", "exact": "zebra quantum marmalade lighthouse bicycle"}}}]
            """
        let report = try library.importFile(Data(json.utf8))
        #expect(report.fuzzy == 1 && report.orphaned == 1)
        let orphan = try #require(try library.annotations().compactMap(\.highlightValue).first { $0.anchor == .orphaned })
        #expect(orphan.exact == "zebra quantum marmalade lighthouse bicycle")
    }

    @Test(arguments: [
        ("{\n  \"rows\": [\n    {\"id\": 1,,}\n  ]\n}", "Line 3, column"),
        ("{\"format\": \"gloss\", \"version\": 99}", "$.version"),
        ("{\"rows\": [{\"id\": \"a\", \"text\": \"x\"}]}", "$.rows[0]: names no document"),
        ("{\"type\": \"Annotation\", \"body\": {\"type\": \"TextualBody\", \"value\": \"x\"}}", "$: lacks \"target\""),
        ("[{\"type\": \"Annotation\", \"target\": {\"source\": \"https://x\", \"selector\": {\"type\": \"TextQuoteSelector\", \"exact\": 5}}}]", "$[0].target.selector.exact"),
        ("{\"format\": \"gloss\", \"version\": 1, \"highlights\": [{\"id\": \"nope\"}]}", "$.highlights[0]"),
        ("Highlight,Title\n\"never closed,T\n", "Line 2"),
        ("Highlight,Title,Note\nquote,T,n,extra\n", "Line 2"),
        ("just some words", "neither JSON"),
        ("{\"hello\": 1}", "neither a gloss export"),
    ])
    func aMalformedFileIsRefusedWithWhereItsFirstProblemIsAndChangesNothing(input: String, expected: String) throws {
        let library = try Library(inMemoryWithDevice: nil)
        try Seeds.add(to: library)
        let journal = try library.log().count
        do {
            try library.importFile(Data(input.utf8))
            Issue.record("accepted: \(input)")
        } catch let error as ImportError {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(!error.description.contains("\n"), "one sentence")
        }
        #expect(try library.log().count == journal)
    }

    @Test func aHighlightOnAnArticleNeitherInTheFileNorInTheLibraryLeavesTheLibraryUnchanged() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        let full = try a.export(.json, folder: folder)
        var object = try #require(try JSONSerialization.jsonObject(with: full) as? [String: Any])
        object["articles"] = []
        let b = try Library(inMemoryWithDevice: nil)
        #expect(throws: LibraryError.self) { try b.importFile(try JSONSerialization.data(withJSONObject: object)) }
        #expect(try b.log().isEmpty && b.annotations().isEmpty)
    }

    @Test func lenientDatesFromOtherTools() {
        #expect(LenientTime.parse("2025-02-03T10:15:30.123456+00:00") == Timestamp("2025-02-03T10:15:30.123Z"))
        #expect(LenientTime.parse("2020-07-21 14:29:00") == Timestamp("2020-07-21T14:29:00Z"))
        #expect(LenientTime.parse("2020-07-21 14:29") == Timestamp("2020-07-21T14:29:00Z"))
        #expect(LenientTime.parse("July 21") == nil)
    }
}

/// Inputs the fuzz suites found (Tests/GlossFuzzTests), kept so the bugs stay fixed.
@Suite struct ImportFuzzRegressionTests {
    /// GLOSS_FUZZ_SEED=777, iteration 2354: a broken date whose text ran into an article's
    /// paragraphs made a refusal of many lines (the decoder quotes the bad value whole).
    @Test func aRefusalQuotingABadValueStaysOneLine() throws {
        let article = #"{"author":null,"contentHash":"x","createdAt":"2026-11-23T08:59:35.9lations with China\n\nImportantly, more text","deleted":false,"id":"00000000-0000-8000-8000-000000000000","publishedAt":null,"tags":[],"text":"t","title":"T","updatedAt":"2026-11-23T08:59:35.900Z","url":null}"#
        let file = #"{"articles":[\#(article)],"format":"gloss","version":1}"#
        do {
            _ = try AnnotationFile.read(Data(file.utf8))
            Issue.record("accepted")
        } catch let error as ImportError {
            #expect(error.description.hasPrefix("$.articles[0]"))
            #expect(!error.description.contains("\n") && error.description.count <= 300)
        }
    }
}

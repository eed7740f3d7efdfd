import Foundation
import Testing
import GlossInterchange
import GlossModel
@testable import GlossServer
import GlossStore
import GlossSync
import Hummingbird
import HummingbirdTesting

/// `GET /v1/export`: the whole library from the server in the formats `gloss export` writes.
@Suite struct ExportAPITests {
    /// A library with what an export must get right: two articles (one with accents and curly
    /// quotes), colours and tags, notes on a highlight, on an article and standalone, a deleted
    /// note, and a deleted highlight that a live note still sits on.
    static func annotatedLibrary() throws -> Library {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
        let first = try library.importArticle(text: ResourceAPITests.text, title: "The margin", url: "https://example.org/margin", author: nil).article
        let second = try library.importArticle(
            text: "Café culture in “Zürich” — naïve readers meet 中国 scholars. The café is where notes begin.", title: "Cafés", url: nil, author: "Ana"
        ).article
        func highlight(_ article: Article, _ quote: String, color: String = "yellow", tags: [String] = []) throws -> Highlight {
            let text = ArticleText(article.text)
            let selector = try QuoteFinder(text: text).find(quote).get()
            return try library.addHighlight(article: article.id, selector: selector, color: color, tags: tags)
        }
        let readers = try highlight(first, "Readers who annotate", tags: ["memory"])
        _ = try library.addNote(body: "True for me — «toujours»", highlight: readers.id, tags: ["idea"])
        let zurich = try highlight(second, "“Zürich”", color: "green", tags: ["ü-tag"])
        _ = try library.addNote(body: "Ωμέγα on the whole article", article: second.id)
        _ = try library.addNote(body: "A standalone thought\nwith two lines", tags: ["idea"])
        let gone = try library.addNote(body: "deleted note", article: first.id)
        try library.setDeleted(EntityRef(kind: .note, id: gone.id.description), true)
        let tombstone = try highlight(second, "naïve readers")
        _ = try library.addNote(body: "still here on a deleted highlight", highlight: tombstone.id)
        try library.setDeleted(EntityRef(kind: .highlight, id: tombstone.id.description), true)
        _ = zurich
        return library
    }

    /// ``annotatedLibrary()`` synced into the fixture's server.
    static func syncedLibrary(_ fixture: ServerFixture) async throws -> Library {
        let library = try annotatedLibrary()
        let user = try #require(try await fixture.store.authenticate(token: fixture.token))
        _ = try await SyncClient(replica: library, transport: DirectTransport(store: fixture.store, user: user)).sync()
        return library
    }

    /// What `gloss export` writes for this library, as text.
    static func localExport(_ library: Library, _ write: (Library, ExportSink) throws -> Void) throws -> String {
        var bytes: [UInt8] = []
        let sink = ExportSink { bytes += $0 }
        try write(library, sink)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func theServersExportIsTheSyncedLibrarysExportByteForByte() async throws {
        try await ResourceAPITests.withAPI { api, fixture in
            let library = try await Self.syncedLibrary(fixture)

            let json = try await api.call(.get, "/v1/export?format=json")
            #expect(json.status == 200)
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            #expect(json.headers[.contentDisposition] == "attachment; filename=\"gloss-library.json\"")
            #expect(json.text == (try Self.localExport(library) { try GlossJSON.export($0, scope: ExportScope(), to: $1) }))
            // Deleted note left out; the deleted highlight kept (a live note points to it).
            #expect(!json.text.contains("deleted note"))
            #expect(json.text.contains("naïve readers"))

            let all = try await api.call(.get, "/v1/export?format=json&includeDeleted=true")
            #expect(all.text == (try Self.localExport(library) { try GlossJSON.export($0, scope: ExportScope(includeDeleted: true), to: $1) }))
            #expect(all.text.contains("deleted note"))

            let w3c = try await api.call(.get, "/v1/export?format=w3c")
            #expect(w3c.headers[.contentType]?.hasPrefix("application/ld+json") == true)
            #expect(w3c.text == (try Self.localExport(library) { try W3C.export($0, scope: ExportScope(), to: $1) }))

            let csv = try await api.call(.get, "/v1/export?format=csv")
            #expect(csv.text == (try Self.localExport(library) { try ReadwiseCSV.export($0, scope: ExportScope(), to: $1) }))

            // The server's export imports back: a new library from it exports the same bytes.
            let copy = try Library(inMemoryWithDevice: DeviceID(rawValue: "desktop"))
            guard case .gloss(let contents) = try AnnotationFile.read(Data(all.text.utf8)).1 else {
                Issue.record("the server's JSON export is not read as a gloss export")
                return
            }
            _ = try copy.restore(articles: contents.articles, highlights: contents.highlights, notes: contents.notes)
            #expect(try Self.localExport(copy) { try GlossJSON.export($0, scope: ExportScope(includeDeleted: true), to: $1) } == all.text)
        }
    }

    @Test func markdownIsOneDocumentWithEveryArticleItsHighlightsAndNotes() async throws {
        try await ResourceAPITests.withAPI { api, fixture in
            _ = try await Self.syncedLibrary(fixture)
            let markdown = try await api.call(.get, "/v1/export?format=markdown")
            #expect(markdown.status == 200)
            #expect(markdown.headers[.contentType] == "text/markdown; charset=utf-8")
            let text = markdown.text
            let order = ["# The margin", "> Readers who annotate", "True for me — «toujours»", "---", "# Cafés", "> “Zürich”",
                         "Tags: #ü-tag", "## Notes", "Ωμέγα on the whole article", "# Notes", "A standalone thought\nwith two lines"]
            var from = text.startIndex
            for piece in order {
                let found = try #require(text.range(of: piece, range: from..<text.endIndex), "\(piece) missing or out of order")
                from = found.upperBound
            }
            #expect(!text.contains("deleted note"))
            #expect(text.contains("<!-- gloss article "))
        }
    }

    @Test func aMissingOrUnknownFormatIsA400AndATokenIsNeeded() async throws {
        try await ResourceAPITests.withAPI { api, _ in
            #expect(try await api.call(.get, "/v1/export").status == 400)
            let unknown = try await api.call(.get, "/v1/export?format=pdf")
            #expect(unknown.status == 400)
            #expect(unknown.json["message"] as? String == "Unknown format \"pdf\"; choose json, w3c, markdown, csv.")
            #expect(try await api.call(.get, "/v1/export?format=json&includeDeleted=maybe").status == 400)
            #expect(try await api.call(.get, "/v1/export?format=json", token: "not-a-token").status == 401)
            // An empty library exports as an empty one.
            let empty = try await api.call(.get, "/v1/export?format=json")
            #expect(empty.text == "{\"articles\":[],\"format\":\"gloss\",\"highlights\":[],\"notes\":[],\"version\":1}\n")
        }
    }
}

/// The hand-over between the thread that reads an export and the answer.
@Suite struct ExportPipeTests {
    @Test func theReaderWaitsForASlowClientAndStopsWhenTheClientGoesAway() async throws {
        let pipe = ExportPipe(capacity: 2)
        let sentCount = Counter()
        let reader = Thread {
            do {
                for _ in 0..<100 {
                    try pipe.send([0x41])
                    sentCount.add()
                }
                pipe.finish(nil)
            } catch {
                pipe.finish(error)
                sentCount.stopped()
            }
        }
        reader.start()
        // Nobody reads yet: the reader hands on two pieces and waits (still two a while later).
        try await Self.waitUntil { sentCount.value == 2 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(sentCount.value == 2)
        // The client reads three pieces; the reader goes on as far as the room allows.
        var iterator = pipe.pieces.makeAsyncIterator()
        for _ in 0..<3 {
            #expect(try await iterator.next() == [0x41])
            pipe.sent()
        }
        try await Self.waitUntil { sentCount.value == 5 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(sentCount.value == 5)
        // The client goes away: the waiting reader stops instead of hanging on.
        pipe.cancel()
        try await Self.waitUntil { sentCount.isStopped }
        #expect(sentCount.value == 5)
    }

    /// Waits (up to 10 s, for a busy machine) until `condition` holds; records an issue if it never does.
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("waited 10 s in vain")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func exportSlotsComeBackWhenTheirAnswersAreGone() {
        let slots = ExportSlots(limit: 2)
        var first = slots.take()
        let second = slots.take()
        #expect(first != nil && second != nil)
        #expect(slots.take() == nil)
        first = nil
        #expect(first == nil)
        #expect(slots.take() != nil)
        withExtendedLifetime(second) {}
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0, halted = false
        func add() { lock.withLock { count += 1 } }
        func stopped() { lock.withLock { halted = true } }
        var value: Int { lock.withLock { count } }
        var isStopped: Bool { lock.withLock { halted } }
    }
}

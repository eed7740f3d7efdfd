import Foundation
import GRDB
import Testing
@testable import GlossModel
@testable import GlossStore

/// A long pull into a small library drops its query indexes and skips the full-text index, then
/// builds both once. These check that a library is right at every step of that: after the pull
/// ends, while it runs, when it is cut off, and with local edits in between.
@Suite struct DeferredUpkeepTests {
    /// A library with articles, highlights, notes on both, tags, edits and a deletion: 3 articles,
    /// 24 highlights, 32 notes.
    static func sourceLibrary() throws -> Library {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "source"))
        for n in 0..<3 {
            let text = "Article \(n) about lighthouses, granite and tides. It says more about barometers in chapter \(n)."
            let article = try library.importArticle(text: text, title: "Keeper \(n)", tags: ["sea"]).article
            for h in 0..<8 {
                let start = h * 3
                let highlight = try library.addHighlight(article: article.id, selector: TextSelector(text: ArticleText(article.text), start: start, end: start + 9))
                _ = try library.addNote(body: "Marmalade note \(n).\(h)", article: article.id, highlight: highlight.id, tags: h % 2 == 0 ? ["todo"] : [])
                if h == 3 { try library.setDeleted(EntityRef(kind: .highlight, id: highlight.id.description), true) }
            }
            let note = try library.addNote(body: "Porridge standalone \(n)")
            _ = try library.editNote(note.id, body: "Kippers standalone \(n)")
        }
        return library
    }

    /// The source's journal in clock order, in pages of `size` with the records they touch, as a server sends them.
    static func pages(of source: Library, size: Int) throws -> [(changes: [Change], records: [EntityRecord])] {
        let changes = try source.log().sorted { $0.clock < $1.clock }
        let records = Dictionary(uniqueKeysWithValues: try source.allRecords().map { ($0.idString, $0) })
        return stride(from: 0, to: changes.count, by: size).map { start in
            let slice = Array(changes[start..<min(changes.count, start + size)])
            return (slice, Set(slice.map(\.entityIdString)).compactMap { records[$0] })
        }
    }

    static func indexes(_ library: Library) throws -> [String] {
        try library.database.read { db in try String.fetchAll(db, sql: "SELECT name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name") }
    }

    static func searches(_ library: Library) throws -> [[String]] {
        try ["marmalade", "kippers", "granite", "keeper", "barometers"].map { try library.search($0, limit: 100).map(\.id).sorted() }
    }

    @Test func aLongPullWithUpkeepDeferredEndsWithTheLibraryThatUpkeepPageByPageMakes() throws {
        let source = try Self.sourceLibrary()
        let pages = try Self.pages(of: source, size: 7)
        let deferred = try Library(inMemoryWithDevice: DeviceID(rawValue: "b1")), kept = try Library(inMemoryWithDevice: DeviceID(rawValue: "b2"))
        let fresh = try Self.indexes(kept)

        #expect(try deferred.deferUpkeepForLongPull())
        #expect(try deferred.upkeepIsDeferred)
        let during = try Self.indexes(deferred)
        // The query indexes are gone; the unique ones (which keep the data right) and the one queries name stay.
        #expect(during.count < fresh.count)
        #expect(during.allSatisfy(fresh.contains))
        #expect(during.contains { $0.hasPrefix("journal_unpushed:") } && during.contains { $0.hasPrefix("sqlite_autoindex_notes_1:") })
        #expect(during.contains { $0.hasPrefix("notes_conflicted:") })
        for (n, page) in pages.enumerated() {
            try deferred.applyPulled(changes: page.changes, records: page.records, cursor: "c\(n)")
            try kept.applyPulled(changes: page.changes, records: page.records, cursor: "c\(n)")
        }
        // Queries answer rightly without the indexes, only more slowly.
        #expect(try CanonicalJSON.encode(deferred.annotations()) == CanonicalJSON.encode(kept.annotations()))
        try deferred.finishDeferredUpkeep()

        #expect(try !deferred.upkeepIsDeferred)
        #expect(try Self.indexes(deferred) == fresh)
        try SearchIndexTests.expectIndexesMatchTheRows(deferred)
        #expect(try CanonicalJSON.encode(deferred.allRecords()) == CanonicalJSON.encode(kept.allRecords()))
        #expect(try CanonicalJSON.encode(deferred.log()) == CanonicalJSON.encode(kept.log()))
        #expect(try Self.searches(deferred) == Self.searches(kept))
        #expect(try Self.searches(deferred).allSatisfy { !$0.isEmpty })
        // The notes' first bodies were edited away: an index rebuilt from the rows has none of them.
        #expect(try deferred.search("porridge").isEmpty)
    }

    @Test func aPullCutOffWhileDeferredLeavesARightLibraryThatOpeningFinishes() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("library.sqlite")
        let source = try Self.sourceLibrary()
        let pages = try Self.pages(of: source, size: 7)
        let half = pages.count / 2
        do {
            let library = try Library(path: path)
            #expect(try library.deferUpkeepForLongPull())
            for (n, page) in pages.prefix(half).enumerated() { try library.applyPulled(changes: page.changes, records: page.records, cursor: "c\(n)") }
            // Cut off here: no finish. A search in the meantime builds the index first, so it misses nothing.
            let expected = Set(try library.allRecords().filter { $0.kind == .note && !$0.deleted && $0.string("body")?.contains("Marmalade") == true }.map(\.idString))
            #expect(!expected.isEmpty)
            #expect(Set(try library.search("marmalade", limit: 100).map(\.id)) == expected)
            #expect(try !library.upkeepIsDeferred)
            // Deferred again, and cut off again.
            #expect(try library.deferUpkeepForLongPull())
            try library.applyPulled(changes: pages[half].changes, records: pages[half].records, cursor: "c\(half)")
        }
        let reopened = try Library(path: path)
        #expect(try !reopened.upkeepIsDeferred)
        #expect(try Self.indexes(reopened) == Self.indexes(try Library(inMemoryWithDevice: nil)))
        try SearchIndexTests.expectIndexesMatchTheRows(reopened)
        for (n, page) in pages.enumerated().dropFirst(half + 1) { try reopened.applyPulled(changes: page.changes, records: page.records, cursor: "c\(n)") }
        #expect(try CanonicalJSON.encode(reopened.allRecords()) == CanonicalJSON.encode(source.allRecords()))
        #expect(try Self.searches(reopened) == Self.searches(source))
    }

    @Test func localEditsMadeWhileUpkeepIsDeferredAreFoundAfterwards() throws {
        let source = try Self.sourceLibrary()
        let pages = try Self.pages(of: source, size: 10)
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "b"))
        #expect(try library.deferUpkeepForLongPull())
        try library.applyPulled(changes: pages[0].changes, records: pages[0].records, cursor: "c0")
        // Another command writes meanwhile: a new note, and an edit of a pulled article's title.
        let note = try library.addNote(body: "Semaphore flags from the deck", tags: ["later"])
        let article = try #require(try library.articles().first?.article)
        _ = try library.editArticle(article.id, title: "Harbour")
        for (n, page) in pages.enumerated().dropFirst() { try library.applyPulled(changes: page.changes, records: page.records, cursor: "c\(n)") }
        try library.finishDeferredUpkeep()
        try SearchIndexTests.expectIndexesMatchTheRows(library)
        #expect(try library.search("semaphore").map(\.id) == [note.id.description])
        #expect(try library.search("harbour").map(\.id) == [article.id.description])
        #expect(try library.allRecords().first { $0.idString == note.id.description }?.tags["later"]?.present == true)
    }

    @Test func aLibraryOfTwoThousandEntitiesKeepsItsUpkeep() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "big"))
        try library.write { t in
            for n in 0..<Library.deferringLibraryLimit {
                try t.apply(t.makeChange(.note, ID<Note>.timeOrdered().uuid, .create, fields: [
                    "body": FieldChange(new: .string("note \(n)")), "articleId": FieldChange(new: .null), "highlightId": FieldChange(new: .null),
                ]))
            }
        }
        let before = try Self.indexes(library)
        #expect(try !library.deferUpkeepForLongPull())
        #expect(try !library.upkeepIsDeferred)
        #expect(try Self.indexes(library) == before)
    }
}

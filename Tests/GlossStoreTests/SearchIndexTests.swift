import Foundation
import GRDB
import Testing
@testable import GlossModel
@testable import GlossStore

/// The full-text index is written by the code that writes the rows (RecordStore), not by triggers; these
/// check that it stays exactly the index of the rows, whatever writes them.
@Suite struct SearchIndexTests {
    /// FTS5's own check that each external-content index matches its table (`rank = 1`: compare
    /// with the content); it throws SQLITE_CORRUPT_VTAB when a row was indexed twice, left stale,
    /// or never indexed.
    static func expectIndexesMatchTheRows(_ library: Library, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for table in ["articles_fts", "highlights_fts", "notes_fts"] {
            #expect(throws: Never.self, "\(table)", sourceLocation: sourceLocation) {
                try library.database.write { db in try db.execute(sql: "INSERT INTO \(table)(\(table), rank) VALUES ('integrity-check', 1)") }
            }
        }
    }

    @Test func theIndexFollowsEveryKindOfWrite() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "desk"))
        let article = try library.importArticle(text: "The lighthouse keeper wrote about tides and granite.", title: "Keeper").article
        let selector = try QuoteFinder(text: ArticleText(article.text)).find("tides and granite").get()
        let highlight = try library.addHighlight(article: article.id, selector: selector)
        let note = try library.addNote(body: "Marmalade and barometers", article: article.id, highlight: highlight.id)
        try Self.expectIndexesMatchTheRows(library)
        #expect(try library.search("marmalade").map(\.id) == [note.id.description])

        _ = try library.editNote(note.id, body: "Porridge and barometers")
        _ = try library.editArticle(article.id, title: "Harbour")
        _ = try library.editHighlight(highlight.id, color: "blue")  // not indexed text: the index is left alone
        try library.setTags(EntityRef(kind: .note, id: note.id.description), ["sea"], present: true)
        try Self.expectIndexesMatchTheRows(library)
        #expect(try library.search("marmalade").isEmpty)
        #expect(try library.search("porridge").map(\.id) == [note.id.description])
        #expect(try library.search("harbour").map(\.id) == [article.id.description])
        #expect(try library.search("keeper").map(\.id) == [article.id.description])  // still in its text

        // A note created and edited in one transaction: indexed once, under its last text.
        let twice = ID<Note>.timeOrdered()
        try library.write { t in
            try t.apply(t.makeChange(.note, twice.uuid, .create, fields: ["body": FieldChange(new: .string("Albatross first")), "articleId": FieldChange(new: .null), "highlightId": FieldChange(new: .null)]))
            try t.apply(t.makeChange(.note, twice.uuid, .update, fields: ["body": FieldChange(old: .string("Albatross first"), new: .string("Cormorant second"))]))
        }
        try Self.expectIndexesMatchTheRows(library)
        #expect(try library.search("albatross").isEmpty)
        #expect(try library.search("cormorant").map(\.id) == [twice.description])

        try library.setDeleted(EntityRef(kind: .note, id: note.id.description), true)
        try library.setDeleted(EntityRef(kind: .note, id: note.id.description), false)
        try Self.expectIndexesMatchTheRows(library)

        // Records from a sync (another machine's edit of the same note, and a new note).
        let other = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
        try other.applyPulled(changes: try library.log(), records: try library.allRecords(), cursor: "c1")
        _ = try other.editNote(note.id, body: "Kippers and barometers")
        let fresh = try other.addNote(body: "Semaphore flags", article: article.id)
        let sent = try other.unpushedChanges(limit: 100)
        try library.applyPulled(changes: sent, records: try other.allRecords().filter { [note.id.description, fresh.id.description].contains($0.idString) }, cursor: "c2")
        try Self.expectIndexesMatchTheRows(library)
        #expect(try library.search("porridge").isEmpty)
        #expect(try library.search("kippers").map(\.id) == [note.id.description])
        #expect(try library.search("semaphore").map(\.id) == [fresh.id.description])
    }

    /// A library whose index the triggers of migration 0001 wrote opens with 0002 (triggers
    /// gone): what the old gloss indexed is found, and later edits keep the index exact (a
    /// trigger left behind would index each edit twice and fail the check).
    @Test func aLibraryIndexedByTheOldTriggersKeepsAnExactIndex() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("library.sqlite")
        let note: Note
        do {
            let library = try Library(path: path)
            note = try library.addNote(body: "Written before the upgrade")
        }
        // Make it the library an older gloss left: 0001's triggers, no 0002, and an edit the
        // triggers indexed.
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../schema/library/0001_library.sql").standardized
        let sql = try String(contentsOf: schema, encoding: .utf8)
        let triggers = sql[sql.range(of: "CREATE TRIGGER articles_fts_insert")!.lowerBound...]
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '0002_search_rows_in_code'")
            try db.execute(sql: String(triggers))
            try db.execute(sql: "UPDATE notes SET body = 'Edited by the older gloss' WHERE id = ?", arguments: [note.id.description])
        }
        try queue.close()

        let library = try Library(path: path)
        #expect(try library.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'") } == 0)
        try Self.expectIndexesMatchTheRows(library)
        #expect(try library.search("older").map(\.id) == [note.id.description])
        _ = try library.editNote(note.id, body: "Edited by the newer gloss, indexed once")
        _ = try library.addNote(body: "Another newer note")
        try Self.expectIndexesMatchTheRows(library)
        #expect(try library.search("older").isEmpty)
        #expect(try library.search("newer").count == 2)
    }
}

import Foundation
import GRDB
import Testing
@testable import GlossModel
@testable import GlossStore

/// A full disk (SQLite's `max_page_count` stands in for it: SQLite answers SQLITE_FULL the same
/// way): one clear sentence, and nothing already stored is lost.
@Suite struct FullDiskTests {
    @Test func aFullDiskRefusesTheChangeInOneSentenceAndKeepsEverythingStored() throws {
        let folder = try TemporaryFolder()
        let library = try Library(path: folder.path("library.sqlite"))
        var stored: [ID<Note>] = []
        for n in 0..<20 { stored.append(try library.addNote(body: "note \(n) stored before the disk filled").id) }
        let pages = try library.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        try library.write { t in try t.db.execute(sql: "PRAGMA max_page_count = \(pages + 8)") }
        var refusal: LibraryError? = nil
        for n in 0..<500 {
            do {
                stored.append(try library.addNote(body: "note \(n) " + String(repeating: "filling the disk ", count: 200)).id)
            } catch let error as LibraryError {
                refusal = error
                break
            }
        }
        let error = try #require(refusal, "the disk never filled")
        #expect(error == .full(folder.path("library.sqlite")))
        #expect(error.description.contains("full") && !error.description.contains("\n"))
        // Everything stored before is there, each with its journal entry; the file is whole.
        for id in stored { #expect(try library.note(id) != nil) }
        #expect(try library.log().count == stored.count)
        #expect(try library.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        // With space again, writing works.
        try library.write { t in try t.db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        #expect(try library.addNote(body: "after freeing space").body == "after freeing space")
    }
}

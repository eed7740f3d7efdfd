import Foundation
import GRDB

/// A long pull into a new library without keeping its secondary indexes and full-text index up
/// to date page by page.
///
/// A first sync into an empty library spends most of its time on upkeep: the `*_by_article`
/// indexes take each pulled page's rows all over their width, and every page's commit writes a
/// new full-text segment. Loading the rows alone and then building the indexes once is 2.4 times
/// faster in SQLite (docs/performance.md, session 9). The rows themselves, with their unique and
/// foreign keys, are written exactly as always; what is deferred cannot make an answer wrong:
///
/// - an index without `UNIQUE` only makes queries faster: they are dropped, their definitions are
///   saved in `meta` in the same transaction, and put back by ``finishDeferredUpkeep()``;
/// - the full-text tables are not written while the `meta` entry exists, and are then rebuilt
///   from the rows; ``search(_:limit:open:close:)`` finishes the upkeep before it searches.
///
/// So a library is correct at every commit, also after a pull cut off midway: opening it again
/// finishes the upkeep (``Library/init(path:physicalClock:)``), as does the next sync's end.
extension Library {
    /// The `meta` entry holding the definitions of the dropped indexes while upkeep is deferred.
    static let deferredUpkeepKey = "upkeep.deferred"

    /// The most entities a library may hold for a long pull to defer its upkeep. Rebuilding costs
    /// about 10 µs a row of the whole library, deferring saves about 45 µs a pulled change
    /// (measured), and a long pull brings more than a page of 500: below this size, deferring
    /// wins however little follows. A library holding more (a large one catching up) keeps its
    /// upkeep, so what a sync costs follows what it pulls, not the size of the library.
    static let deferringLibraryLimit = 2_000

    /// Indexes that queries name (`INDEXED BY`): never dropped.
    static let namedIndexes: Set<String> = ["journal_unpushed", "notes_conflicted"]

    /// Stops keeping the secondary indexes and the full-text index up to date until
    /// ``finishDeferredUpkeep()``, if the library holds fewer than 2,000 entities; returns whether
    /// upkeep is deferred now. For a pull with more than one page to come.
    @discardableResult
    public func deferUpkeepForLongPull() throws -> Bool {
        try write(.recoverable) { t in
            if try t.setting(Self.deferredUpkeepKey) != nil { return true }
            // Counted only up to the limit: a large library pays for 2,000 rows, not for all of them.
            let counts = ["articles", "highlights", "notes"].map { "(SELECT count(*) FROM (SELECT 1 FROM \($0) LIMIT \(Self.deferringLibraryLimit)))" }
            let entities = try Int.fetchOne(t.db, sql: "SELECT " + counts.joined(separator: " + ")) ?? 0
            guard entities < Self.deferringLibraryLimit else { return false }
            let indexes = try Row.fetchAll(t.db, sql: """
                SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                AND tbl_name IN ('articles', 'highlights', 'notes', 'tags', 'journal') ORDER BY name
                """).map { DeferredIndex(name: $0["name"], sql: $0["sql"]) }
                .filter { !Self.namedIndexes.contains($0.name) && !$0.sql.uppercased().hasPrefix("CREATE UNIQUE") }
            try t.setSetting(Self.deferredUpkeepKey, String(decoding: try JSONEncoder().encode(indexes), as: UTF8.self))
            for index in indexes { try t.db.execute(sql: "DROP INDEX \(index.name.quotedDatabaseIdentifier)") }
            return true
        }
    }

    /// Whether a long pull deferred the upkeep and it is not finished yet.
    public var upkeepIsDeferred: Bool {
        get throws { try setting(Self.deferredUpkeepKey) != nil }
    }

    /// Puts back the indexes a long pull dropped, as they were, and rebuilds the full-text index
    /// from the rows, in one transaction; does nothing when nothing is deferred. About a second
    /// for 100,000 annotations.
    public func finishDeferredUpkeep() throws {
        guard try upkeepIsDeferred else { return }
        try write(.recoverable) { t in
            guard let saved = try t.setting(Self.deferredUpkeepKey) else { return }
            let indexes = try JSONDecoder().decode([DeferredIndex].self, from: Data(saved.utf8))
            for index in indexes {
                let exists = try Bool.fetchOne(t.db, sql: "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [index.name]) ?? false
                if !exists { try t.db.execute(sql: index.sql) }
            }
            for table in ["articles", "highlights", "notes"] {
                try t.db.execute(sql: "INSERT INTO \(table)_fts(\(table)_fts) VALUES ('rebuild')")
            }
            try t.setSetting(Self.deferredUpkeepKey, nil)
        }
    }

    /// An index dropped for a long pull: its name and the statement that made it.
    struct DeferredIndex: Codable {
        var name: String
        var sql: String
    }
}

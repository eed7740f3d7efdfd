import Foundation
import GRDB
import GlossModel

extension Library {
    /// Journal entries not yet acknowledged by a server, oldest first.
    public func unpushedChanges(limit: Int) throws -> [Change] {
        try unpushedChanges(limit: limit, after: nil)
    }

    /// Unpushed journal entries that come after the entry `after` (oldest first), so the next
    /// batch can be read while the one before it is still on its way to the server.
    public func unpushedChanges(limit: Int, after: ID<Change>?) throws -> [Change] {
        try unpushedJournal(limit: limit, after: after).map { try Change.decode(Data($0.json)) }
    }

    /// Unpushed journal entries after `after` (oldest first) as their IDs and stored canonical
    /// JSON, for a push that sends them as they are.
    public func unpushedJournal(limit: Int, after: ID<Change>?) throws -> [(id: ID<Change>, json: [UInt8])] {
        try read { db in
            let rows: [Row]
            if let after {
                rows = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT id, change FROM journal INDEXED BY journal_unpushed
                    WHERE pushed = 0 AND seq > (SELECT seq FROM journal WHERE id = ?) ORDER BY seq LIMIT ?
                    """), arguments: [after.description, limit])
            } else {
                rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, change FROM journal INDEXED BY journal_unpushed WHERE pushed = 0 ORDER BY seq LIMIT ?"),
                                        arguments: [limit])
            }
            return try rows.map { row in
                guard let id = ID<Change>(row[0] as String) else { throw LibraryError.invalid("The journal holds an entry whose ID \(row[0] as String) is not a UUID; the library is damaged.") }
                return (id, row.dataNoCopy(atIndex: 1).map(Array.init) ?? [])
            }
        }
    }

    /// Marks journal entries as acknowledged by the server.
    public func markPushed(_ ids: [ID<Change>]) throws {
        try write(.recoverable) { t in
            let statement = try t.db.cachedStatement(sql: "UPDATE journal SET pushed = 1 WHERE id = ?")
            for id in ids { try statement.execute(arguments: [id.description]) }
        }
    }

    /// Applies changes and entity records from a server, and saves `cursor`, in one transaction.
    ///
    /// The server's record of an entity replaces the local one; local changes to it that the
    /// server has not acknowledged yet are merged on top again (they reach the server on the next
    /// push, where the same merge runs). Remote changes join the journal as already pushed.
    /// `changeJSON`, when given, holds each change's canonical JSON as it arrived (one per
    /// change, in order), which the journal keeps instead of encoding the change again.
    public func applyPulled(changes: [Change], records: [EntityRecord], cursor: String, cursorKey: String = "sync.cursor", changeJSON: [[UInt8]]? = nil) throws {
        let received = changeJSON?.count == changes.count ? changeJSON : nil
        // Articles before their highlights before their notes (the rows' foreign keys), by ID.
        func rank(_ kind: EntityKind) -> Int {
            switch kind {
            case .article: 0
            case .highlight: 1
            case .note: 2
            }
        }
        let ordered = records.sorted(by: { (rank($0.kind), $0.idString) < (rank($1.kind), $1.idString) })
        // The rows' values are worked out before the transaction, on all cores for a full page,
        // so the writer only runs the statements (it is what a long pull waits for).
        let entries = Parallel.map(Array(changes.indices), minimum: Self.parallelPrepareMinimum) { n in
            WriteTransaction.journalEntry(changes[n], pushed: true, json: received.map { String(decoding: $0[n], as: UTF8.self) })
        }
        let rows = Parallel.map(ordered, minimum: Self.parallelPrepareMinimum) { RecordStore.prepare($0) }
        // Not synced to disk before returning: the server keeps the page, and a power cut that
        // takes it back takes its cursor back with it, so the next pull fetches it again.
        try write(.recoverable) { t in
            try t.db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            for (change, entry) in zip(changes, entries) {
                t.receive(change.clock)
                try t.journal(entry)
            }
            // Entities with local changes the server has not acknowledged (usually none).
            // (No DISTINCT: it would walk the whole journal_by_entity index instead of the small
            // partial index of unpushed entries, and make every pull cost the size of the library.)
            let pendingEntities = Set(try String.fetchAll(t.db, sql: "SELECT entity_id FROM journal INDEXED BY journal_unpushed WHERE pushed = 0"))
            for (record, row) in zip(ordered, rows) {
                guard pendingEntities.contains(record.idString) else {
                    try RecordStore.save(row, in: t.db, search: &t.search)
                    continue
                }
                var merged = record
                let pending = try String.fetchAll(
                    t.db, sql: "SELECT change FROM journal WHERE entity_id = ? AND pushed = 0 ORDER BY seq", arguments: [record.idString]
                )
                for json in pending {
                    let change = try Change.decode(Data(json.utf8))
                    if let next = Merge.apply(change, to: merged).record { merged = next }
                }
                try RecordStore.save(merged, in: t.db, search: &t.search)
            }
            try t.setSetting(cursorKey, cursor)
        }
    }

    /// Pulled pages at least this long prepare their rows on all cores.
    static let parallelPrepareMinimum = 128

    /// Every entity's record, ordered by kind and ID: what two converged replicas agree on.
    public func allRecords() throws -> [EntityRecord] {
        try read { db in
            var records: [EntityRecord] = []
            for kind in EntityKind.allCases {
                for id in try String.fetchAll(db, sql: "SELECT id FROM \(RecordStore.table(kind)) ORDER BY id") {
                    if let record = try RecordStore.load(kind, id: id, in: db) { records.append(record) }
                }
            }
            return records
        }
    }
}

import Foundation
import GRDB
import GlossModel
import GlossSQLite
import GlossSync

/// One user's library inside a write transaction of ``SQLiteServerStore``: reads what a batch
/// needs, lets ``LibraryBatch`` apply it through the merge function, and writes its rows.
/// Pushes and the HTTP API's edits both go through ``apply(_:device:db:)``.
struct LibraryState {
    let user: UserID
    var batch: LibraryBatch
    /// Whether the links (`entity_links`) were up to date when this transaction began.
    private let linksWereCurrent: Bool

    /// Whether this transaction brings the links of what it writes up to date as it commits: while
    /// they were up to date before it and it writes few rows. A large push leaves them behind for
    /// the next read by article or highlight to catch up in one pass
    /// (``SQLiteServerStore/catchUpLinks(_:user:)``); writing them in it would rewrite their index
    /// leaves all over the library's articles at every commit (docs/performance.md, session 21).
    var keepsLinks: Bool { linksWereCurrent && batch.writes.count <= Self.linkedWritesLimit }

    /// The most rows a transaction writes links for as it goes (the API's edits, incremental syncs).
    static let linkedWritesLimit = 200

    init(_ db: Database, user: UserID, maximumDrift: UInt64, physicalClock: @escaping @Sendable () -> UInt64) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT version, clock, links_version FROM libraries WHERE user_id = ?", arguments: [user.rawValue]) else {
            throw ServerError.invalid("The user has no library.")
        }
        self.user = user
        batch = LibraryBatch(version: row["version"], clock: row["clock"], maximumDrift: maximumDrift, physicalClock: physicalClock)
        linksWereCurrent = (row["links_version"] as Int64) == batch.current
    }

    var version: Int64 { batch.version }
    var clock: HybridClock {
        get { batch.clock }
        set { batch.clock = newValue }
    }

    /// Applies each change through the merge function and journals it; a change already applied
    /// (same ID) or not well formed is reported, not applied.
    mutating func apply(_ changes: [Change], device: DeviceID, changeJSON: [String]? = nil, db: Database) throws -> [PushResult] {
        // What the batch needs from the database, in two queries rather than two per change:
        // the change IDs the server already has, and the records of the entities it touches.
        let known = try Self.fetch(db, "SELECT id FROM changes WHERE user_id = ? AND id IN", user: user, changes.map(\.id.description))
            .reduce(into: Set<String>()) { $0.insert($1.0) }
        let stored = try Self.fetch(db, "SELECT id, record FROM entities INDEXED BY entities_id WHERE user_id = ? AND id IN", user: user, Array(Set(changes.map(\.entityIdString))))
            .reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        let already = batch.writes.count
        let results = try batch.apply(changes, device: device, known: known, stored: stored, changeJSON: changeJSON)
        // Bound through SQLite's C interface (`Statement.run`), not `StatementArguments`: in a
        // large push the two statements' work outside SQLite went from 10.5 % of the writer's
        // time to 6.1 % (docs/performance.md, session 22).
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO entities(user_id, id, kind, record, version, deleted, article_id, highlight_id, updated_at, listed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(user_id, kind, id) DO UPDATE SET record = excluded.record, version = excluded.version, deleted = excluded.deleted,
                article_id = excluded.article_id, highlight_id = excluded.highlight_id, updated_at = excluded.updated_at, listed = excluded.listed
            """)
        let journal = try db.cachedStatement(
            sql: "INSERT INTO changes(user_id, id, version, seq, entity_id, device, outcome, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        let userValue = user.rawValue.databaseValue
        for write in batch.writes[already...] {
            let merged = write.record
            try upsert.run([
                userValue, merged.idString.databaseValue, merged.kind.rawValue.databaseValue, write.recordJSON.databaseValue,
                write.version.databaseValue, merged.deleted.databaseValue, merged.string("articleId").databaseValue,
                merged.string("highlightId").databaseValue, merged.updatedAt.description.databaseValue, write.listedJSON.databaseValue,
            ])
            try journal.run([
                userValue, write.change.id.description.databaseValue, write.version.databaseValue, write.seq.databaseValue,
                write.change.entityIdString.databaseValue, write.change.device.rawValue.databaseValue,
                write.outcome.rawValue.databaseValue, write.changeJSON.databaseValue,
            ])
        }
        return results
    }

    /// Rows `(id, second column or "")` of `sql` (ending in `IN`) for the given IDs of one user.
    private static func fetch(_ db: Database, _ sql: String, user: UserID, _ ids: [String]) throws -> [(String, String)] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: "\(sql) (\(marks))", arguments: StatementArguments([user.rawValue] + ids)).map { row in
            (row[0] as String, row.count > 1 ? (row[1] as String) : "")
        }
    }

    /// The current record of an entity of this library, or nil.
    func record(_ id: String, db: Database) throws -> EntityRecord? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT record FROM entities WHERE user_id = ? AND id = ?"), arguments: [user.rawValue, id])
            .map { try EntityRecord.decode(Data($0.utf8)) }
    }

    /// Saves the version and clock, and notes the device as seen and its push as committed;
    /// returns the device's committed pushes, this one included.
    @discardableResult
    func save(_ db: Database, device: DeviceID) throws -> Int64 {
        try db.execute(sql: "UPDATE libraries SET version = ?, clock = ? WHERE user_id = ?",
                       arguments: [version, batch.clock.last.description, user.rawValue])
        // The links of this transaction's rows: the catch-up a read would do, over these rows only.
        if keepsLinks { try SQLiteServerStore.catchUpLinks(db, user: user) }
        return try Int64.fetchOne(db, sql: """
            INSERT INTO devices(user_id, device, last_seen, pushes) VALUES (?, ?, ?, 1)
            ON CONFLICT(user_id, device) DO UPDATE SET last_seen = excluded.last_seen, pushes = devices.pushes + 1
            RETURNING pushes
            """, arguments: [user.rawValue, device.rawValue, Timestamp.now().description]) ?? 0
    }

    /// Refuses a batch sent ahead (``PushRequest/afterPush``) unless the device's committed pushes
    /// are what it names: the batch ahead of it is committed, and nothing else came in between.
    func checkOrder(_ db: Database, device: DeviceID, afterPush: Int64?) throws {
        guard let afterPush else { return }
        let committed = try Int64.fetchOne(db, sql: "SELECT pushes FROM devices WHERE user_id = ? AND device = ?",
                                           arguments: [user.rawValue, device.rawValue]) ?? 0
        guard committed == afterPush else { throw PushOutOfOrder(expected: afterPush, committed: committed) }
    }
}

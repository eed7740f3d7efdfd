import Foundation
import GRDB
import GRDBSQLite
import GlossModel
import GlossSync

/// The server's store in one SQLite file (WAL, through GRDB): the embedded default of `gloss serve`.
public final class SQLiteServerStore: ServerStore {
    let pool: DatabasePool
    /// Connections of its own for the token check and list pages (``DirectReads``).
    let direct: DirectReads
    /// Returns the large pushes' page cache to the system when they pause.
    let trim = MemoryTrim()
    /// Catches up the links large pushes left behind when they pause.
    let linkUpkeep: LinkUpkeep
    /// How far ahead of the server's clock a pushed change's clock may be before it is clamped.
    public let maximumDrift: UInt64
    let physicalClock: @Sendable () -> UInt64

    /// How hard each commit waits for the disk: `full` (the default) syncs the write-ahead log
    /// on every commit, so an acknowledged push survives a power cut; `normal` syncs it only at
    /// checkpoints, faster, and after a power cut (not a crash) the last pushes may be gone,
    /// though the database stays whole. Clients re-push what they did not get acknowledged.
    public enum Durability: String, Sendable, CaseIterable {
        case full, normal
    }

    /// Pushes of at least this many changes get a larger page cache for their transaction.
    static let largePush = 200
    /// The writer's page cache during a large push (SQLite's default is 2,000 KiB).
    static let largePushCacheKiB = 32 * 1024

    /// `linksCatchUpAfter`: how long pushes must pause before the links they left behind are
    /// caught up in the background (nil: only by the next read by article or highlight).
    public init(
        path: String, maximumDrift: UInt64 = 5 * 60 * 1000, durability: Durability = .full,
        physicalClock: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds,
        linksCatchUpAfter: Duration? = .seconds(1)
    ) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(15)
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        // 16 KiB pages (for a new database; an existing one keeps its size until it is rebuilt):
        // `entities` and `changes` are WITHOUT ROWID tables, whose rows spill into an overflow
        // page past about a quarter of a page. With 4 KiB pages every highlight's and note's row
        // (1.2–1.9 kB: record and list JSON) took an extra page: the database was twice its data.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize); PRAGMA synchronous = \(synchronous)")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        self.pool = pool
        linkUpkeep = LinkUpkeep(pause: linksCatchUpAfter.map { QuietPeriod($0) }) { user in
            try await pool.write { db in try Self.catchUpLinks(db, user: user) }
        }
        direct = DirectReads(path: path)
        // GRDB turns WAL on after `prepareDatabase` and sets the writer to `synchronous = NORMAL`
        // as it does; the chosen durability is set again on the writer once WAL is on.
        // Checkpoints every 40 MB of WAL instead of SQLite's 1,000 pages: the pages every push
        // touches (the ends of the feed and version indexes) are copied back once per checkpoint,
        // not once per push or two (docs/performance.md: a push's commit went from 36 to 24 ms).
        try pool.writeWithoutTransaction { db in
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            try db.execute(sql: "PRAGMA synchronous = \(synchronous); PRAGMA wal_autocheckpoint = \(40 << 20 / max(512, pageSize))")
        }
        self.maximumDrift = maximumDrift
        self.physicalClock = physicalClock
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(migrator.migrations)
        guard unknown.isEmpty else {
            throw ServerError.invalid("The server database \(path) was written by a newer gloss (\(unknown.sorted().joined(separator: ", "))); upgrade gloss.")
        }
        try Self.migrate(pool, with: migrator, applied: applied)
    }

    /// Applies the migrations not applied yet. Another server opening the same file at the same
    /// time may apply some between GRDB reading which are applied and taking the write lock;
    /// the migration that then fails (a table or column that exists already) was rolled back, so
    /// it is tried again from what is applied now, as long as the other server is getting on.
    /// A migration that fails while nobody else applies any is an error.
    private static func migrate(_ pool: DatabasePool, with migrator: DatabaseMigrator, applied: Set<String>) throws {
        var applied = applied
        while true {
            do {
                return try migrator.migrate(pool)
            } catch {
                let now = try pool.read { db in try migrator.appliedIdentifiers(db) }
                guard now.count > applied.count else { throw error }
                applied = now
            }
        }
    }

    public func addUser(name: String) async throws -> (user: UserID, token: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.contains(where: \.isWhitespace) else {
            throw ServerError.invalid("A user name is 1 to 100 characters without spaces.")
        }
        let token = Tokens.generate()
        let id = try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [trimmed]) == true {
                throw ServerError.userExists(trimmed)
            }
            let id = try Self.nextAccountKey(db)
            let now = Timestamp.now().description
            try db.execute(sql: "INSERT INTO users(id, name, created_at) VALUES (?, ?, ?)", arguments: [id.rawValue, trimmed, now])
            try db.execute(sql: "INSERT INTO libraries(user_id) VALUES (?)", arguments: [id.rawValue])
            try db.execute(sql: "INSERT INTO tokens(hash, user_id, created_at) VALUES (?, ?, ?)", arguments: [Tokens.hash(token), id.rawValue, now])
            return id
        }
        return (id, token)
    }

    /// The key of the next account: its number, one more than the highest so far. Every row and
    /// index entry of a library starts with its key, so a key of a few digits instead of a
    /// 36-character UUID keeps those entries about 35 bytes narrower: a push writes 18 % less
    /// (docs/performance.md, sessions 19 and 20). Accounts made before keep their UUIDs, which are
    /// never all digits, so the two never collide. Two servers sharing the file cannot both commit
    /// one number: SQLite admits one writer at a time, and `users.id` is the primary key.
    static func nextAccountKey(_ db: Database) throws -> UserID {
        let highest = try Int64.fetchOne(db, sql: """
            SELECT max(CAST(id AS INTEGER)) FROM users WHERE id GLOB '[1-9]*' AND id NOT GLOB '*[^0-9]*'
            """) ?? 0
        return UserID(rawValue: String(highest + 1))
    }

    public func issueToken(name: String) async throws -> String {
        let token = Tokens.generate()
        try await pool.write { db in
            guard let user = try String.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [name]) else {
                throw ServerError.unknownUser(name)
            }
            try db.execute(sql: "INSERT INTO tokens(hash, user_id, created_at) VALUES (?, ?, ?)",
                           arguments: [Tokens.hash(token), user, Timestamp.now().description])
        }
        return token
    }

    public func revokeToken(_ token: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL",
                           arguments: [Timestamp.now().description, Tokens.hash(token)])
            if db.changesCount == 0 { throw ServerError.unknownToken }
        }
    }

    public func authenticate(token: String) async throws -> UserID? {
        let hash = Tokens.hash(token)
        return try direct.read { connection in
            var user: UserID?
            try connection.query("SELECT hash, user_id FROM tokens WHERE hash = ? AND revoked_at IS NULL", [hash.databaseValue]) { row in
                if let stored = DirectConnection.text(row, 0), let id = DirectConnection.text(row, 1), Tokens.constantTimeEqual(stored, hash) {
                    user = UserID(rawValue: id)
                }
                return false
            }
            return user
        }
    }

    public func push(user: UserID, _ request: PushRequest) async throws -> PushResponse {
        guard request.changes.count <= PushRequest.maximumChanges else { throw ServerError.tooManyChanges(request.changes.count) }
        let maximumDrift = maximumDrift, physicalClock = physicalClock
        let large = request.changes.count >= Self.largePush
        return try await pool.writeWithoutTransaction { db in
            // A large push dirties more pages than SQLite's default 2 MiB cache holds (a batch of
            // 1,000 changes touches leaves all over the indexes by article), which it spilled into
            // the log mid-transaction and read back: a fifth of the writer's time. The cache grows
            // for the transaction and shrinks after it, and ``MemoryTrim`` gives the memory back to the
            // system when pushes pause (docs/performance.md, sessions 9 and 12).
            if large { try db.execute(sql: "PRAGMA cache_size = -\(Self.largePushCacheKiB)") }
            defer {
                if large {
                    try? db.execute(sql: "PRAGMA cache_size = -2000")
                    trim.largeWriteEnded()
                }
            }
            var response: PushResponse?
            var leftLinksBehind = false
            try db.inTransaction {
                var library = try LibraryState(db, user: user, maximumDrift: maximumDrift, physicalClock: physicalClock)
                try library.checkOrder(db, device: request.device, afterPush: request.afterPush)
                let results = try library.apply(request.changes, device: request.device, changeJSON: request.changeJSON, db: db)
                let pushes = try library.save(db, device: request.device)
                response = PushResponse(version: library.version, results: results, pushes: pushes)
                leftLinksBehind = !library.keepsLinks && !library.batch.writes.isEmpty
                return .commit
            }
            guard let response else { throw ServerError.invalid("The push did not finish.") }
            if leftLinksBehind { linkUpkeep.pushLeftLinksBehind(user) }
            return response
        }
    }

    public func pull(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> PullResponse {
        linkUpkeep.pullServed()
        let page = try await readAside { db in try Self.page(db, user: user, after: cursor, limit: limit) }
        return PullResponse(
            changes: try page.changes.map { try Change.decode(Data($0.utf8)) },
            records: try page.records.map { try EntityRecord.decode(Data($0.utf8)) },
            cursor: page.cursor.description, hasMore: page.hasMore
        )
    }

    /// One page of the change feed as the stored canonical JSON: the changes after `cursor` and
    /// the current records of the entities they touch.
    static func page(_ db: Database, user: UserID, after cursor: SyncCursor, limit: Int)
        throws -> (changes: [String], records: [String], cursor: SyncCursor, hasMore: Bool)
    {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT version, seq, entity_id, change FROM changes WHERE user_id = ? AND (version, seq) > (?, ?) ORDER BY version, seq LIMIT ?",
            arguments: [user.rawValue, cursor.version, cursor.seq, limit + 1]
        )
        let page = rows.prefix(limit)
        var seen = Set<String>()
        let ids = page.map { $0["entity_id"] as String }.filter { seen.insert($0).inserted }
        var records: [String] = []
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[chunk..<min(ids.count, chunk + 500)])
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            records += try String.fetchAll(db, sql: "SELECT record FROM entities INDEXED BY entities_id WHERE user_id = ? AND id IN (\(marks)) ORDER BY id",
                                           arguments: StatementArguments([user.rawValue] + slice))
        }
        let last = page.last.map { SyncCursor(version: $0["version"], seq: $0["seq"]) } ?? cursor
        return (page.map { $0["change"] as String }, records, last, rows.count > limit)
    }
}

extension SQLiteServerStore {
    public func records(user: UserID) async throws -> [EntityRecord] {
        try await readAside { db in
            let decoder = JSONDecoder()
            return try String.fetchAll(
                db, sql: "SELECT record FROM entities WHERE user_id = ? ORDER BY kind, id",
                arguments: [user.rawValue]
            ).map { try decoder.decode(EntityRecord.self, from: Data($0.utf8)) }
        }
    }
}

extension SQLiteServerStore {
    /// A pull page spliced from the stored canonical JSON, without decoding it.
    public func pullJSON(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> Data {
        linkUpkeep.pullServed()
        let page = try await readAside { db in try Self.page(db, user: user, after: cursor, limit: limit) }
        return PullResponse.encode(changes: page.changes, records: page.records, cursor: page.cursor.description, hasMore: page.hasMore)
    }
}

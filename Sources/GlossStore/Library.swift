import Foundation
import GRDB
import GlossModel

/// The local library: one SQLite file (the system libsqlite3, through GRDB) holding articles,
/// highlights, notes, tags and the journal of every change.
///
/// Every mutation goes through ``write(_:)``: it applies changes through the shared merge
/// function and writes each row with its journal entry in one `BEGIN IMMEDIATE` transaction.
/// WAL mode with `synchronous=FULL` (an unpushed edit exists nowhere else) and a busy timeout,
/// so two `gloss` processes can write the same library at once.
public final class Library: Sendable {
    let database: DatabaseQueue
    /// This library's device identity, created on first open.
    public let device: DeviceID
    public let path: String
    let clockSource: @Sendable () -> UInt64

    /// Opens (creating it if needed) the library at `path`, migrating it forward.
    ///
    /// - Throws: ``LibraryError`` for a missing folder, a file that is not SQLite, a library
    ///   written by a newer gloss, or one that cannot be written.
    public init(path: String, physicalClock: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LibraryError.directoryMissing(folder)
        }
        if FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.isWritableFile(atPath: path) else { throw LibraryError.notWritable(path) }
        } else if !FileManager.default.isWritableFile(atPath: folder) {
            throw LibraryError.notWritable(path)
        }
        self.path = path
        self.clockSource = physicalClock
        do {
            database = try DatabaseQueue(path: path, configuration: Self.configuration(wal: true))
            // GRDB turns WAL on after `prepareDatabase` and sets `synchronous = NORMAL` as it
            // does, so FULL is set again here, on the one connection, once WAL is on.
            // The log is copied back into the file every 16 MiB instead of SQLite's 1,000 pages
            // (4 MB): a pulled page of 500 changes writes 3-3.5 MB of log, and the `*_by_article`
            // indexes spread each page over their whole width, so consecutive pages rewrite many
            // of the same leaves and a checkpoint after nearly every page copied them again and
            // again (a pull of 100,000 annotations: 7.0-7.7 s -> 6.4-6.7 s, docs/performance.md).
            // Closing the library copies what is left.
            try database.writeWithoutTransaction { db in
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = \(Self.checkpointBytes / max(512, pageSize))")
            }
            device = try Self.prepare(database, path: path)
            // A pull cut off while it deferred the upkeep of indexes (Library+DeferredUpkeep).
            try finishDeferredUpkeep()
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// How much write-ahead log a library gathers before it is copied into the file.
    static let checkpointBytes = 16 << 20

    /// A library in memory, for tests.
    public init(inMemoryWithDevice device: DeviceID? = nil, physicalClock: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds) throws {
        path = ":memory:"
        clockSource = physicalClock
        database = try DatabaseQueue(configuration: Self.configuration(wal: false))
        self.device = try Self.prepare(database, path: path, device: device)
    }

    static func configuration(wal: Bool) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(15)
        if wal { config.journalMode = .wal }
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return config
    }

    static func prepare(_ database: DatabaseQueue, path: String, device: DeviceID? = nil) throws -> DeviceID {
        let migrator = Self.migrator
        // The common case, an up-to-date library, needs only a read.
        let (applied, existingDevice) = try database.read { db -> (Set<String>, String?) in
            let applied = try migrator.appliedIdentifiers(db)
            let device = try db.tableExists("meta")
                ? try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device'") : nil
            return (applied, device)
        }
        let unknown = applied.subtracting(migrator.migrations).sorted()
        guard unknown.isEmpty else { throw LibraryError.newerLibrary(path: path, unknownMigrations: unknown) }
        if applied.count == migrator.migrations.count, let existingDevice { return DeviceID(rawValue: existingDevice) }
        try migrator.migrate(database)
        return try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device'") == nil {
                    try db.execute(
                        sql: "INSERT INTO meta(key, value) VALUES ('device', ?)",
                        arguments: [(device ?? DeviceID.random()).rawValue]
                    )
                }
                return .commit
            }
            return DeviceID(rawValue: try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device'") ?? "")
        }
    }

    /// The embedded migrations of `schema/library`, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }

    /// Names of the migrations this binary knows, in order.
    public static var knownMigrations: [String] { embeddedMigrations.map(\.name) }

    static func translate(_ error: DatabaseError, path: String) -> Error {
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: LibraryError.notALibrary(path)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM: LibraryError.notWritable(path)
        case .SQLITE_FULL: LibraryError.full(path)
        default: error
        }
    }

    /// Runs a read in a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError { throw Self.translate(error, path: path) }
    }

    /// How a write transaction reaches the disk.
    public enum Durability: Sendable {
        /// Synced before the write returns (`synchronous = FULL`): what exists nowhere else, a
        /// local edit, survives a power cut.
        case synced
        /// Written to the log but synced only with a later synced commit or at the next
        /// checkpoint (`synchronous = NORMAL`): for what a server holds and sends again (a pulled
        /// page with its cursor, a mark that a push was acknowledged). A power cut may take such
        /// commits back, all of them after a point and in order, so the library is as it was
        /// before them and the next sync does them again. A crash of the process loses nothing.
        case recoverable
    }

    /// Runs one write transaction (`BEGIN IMMEDIATE`): the clock tick, every row and every
    /// journal entry commit together or not at all.
    public func write<T>(_ durability: Durability = .synced, _ body: (WriteTransaction) throws -> T) throws -> T {
        do {
            return try database.writeWithoutTransaction { db in
                if durability == .recoverable { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                let outcome = Result { () throws -> T in
                    var result: T? = nil
                    try db.inTransaction(.immediate) {
                        let transaction = try WriteTransaction(db: db, device: device, physicalClock: clockSource)
                        result = try body(transaction)
                        try transaction.finish()
                        return .commit
                    }
                    guard let result else { throw LibraryError.invalid("The write did not finish.") }
                    return result
                }
                // Back to FULL whatever happened: the connection's next write may be a local edit.
                if durability == .recoverable { try db.execute(sql: "PRAGMA synchronous = FULL") }
                return try outcome.get()
            }
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// Copies the write-ahead log into the library file and empties it, as closing the last
    /// connection does.
    public func checkpoint() throws {
        do {
            try database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// The value stored under `key` in the library's settings (remote URL, cursor, ...).
    public func setting(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, _ value: String?) throws {
        try write { t in try t.setSetting(key, value) }
    }
}

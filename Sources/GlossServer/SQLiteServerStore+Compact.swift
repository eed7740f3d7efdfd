import Foundation
import GRDB

extension SQLiteServerStore {
    /// The page size a new server database gets, and that `compact` rebuilds an older one with.
    public static let pageSize = 16_384

    /// What `compact` found and left: page size and file size before and after.
    public struct Compaction: Sendable, Equatable {
        public var pageSizeBefore: Int
        public var pageSizeAfter: Int
        public var bytesBefore: Int64
        public var bytesAfter: Int64
    }

    /// Rebuilds the server database at `path` with ``pageSize`` pages (`VACUUM`), for databases
    /// created by a gloss before 2026-11-23 (4 KiB pages, where each highlight's and note's row
    /// took an overflow page). Needs every other connection closed (the servers stopped): it
    /// leaves WAL mode for the rebuild, which SQLite refuses while another process has the file
    /// open, and then nothing is changed. The rebuild is one transaction: a crash leaves the old
    /// database. Needs free space for a copy of the database.
    public static func compact(path: String) throws -> Compaction {
        guard FileManager.default.fileExists(atPath: path) else { throw ServerError.invalid("There is no server database at \(path).") }
        let before = Self.fileSize(path)
        var config = Configuration()
        config.busyMode = .timeout(2)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw ServerError.invalid("\(path) cannot be opened as a server database: \(error).")
        }
        return try queue.writeWithoutTransaction { db in
            guard try db.tableExists("entities"), try db.tableExists("changes") else {
                throw ServerError.invalid("\(path) is not a gloss server database.")
            }
            let pageBefore = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let inUse = ServerError.invalid("\(path) is in use; stop the gloss servers on it and run compact again (nothing was changed).")
            guard (try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")) == "delete" else { throw inUse }
            do {
                try db.execute(sql: "PRAGMA page_size = \(pageSize)")
                try db.execute(sql: "VACUUM")
            } catch let error as DatabaseError {
                _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                switch error.resultCode {
                case .SQLITE_FULL: throw ServerError.invalid("The disk is too full to rebuild \(path) (it needs room for a copy); nothing was changed.")
                case .SQLITE_BUSY, .SQLITE_LOCKED: throw inUse
                default: throw error
                }
            }
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            let pageAfter = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return Compaction(pageSizeBefore: pageBefore, pageSizeAfter: pageAfter, bytesBefore: before, bytesAfter: Self.fileSize(path))
        }
    }

    /// The database's page size (4,096 for databases created before 2026-11-23).
    public func pageSize() async throws -> Int {
        try readNow { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0 }
    }

    private static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}

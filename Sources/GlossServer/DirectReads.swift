import GRDB
import GRDBSQLite
import GlossSQLite
import Synchronization

/// Read-only SQLite connections of the server's own, for the two reads every API request makes:
/// the token check and a list page. Each is one statement, so it reads one consistent snapshot
/// by itself, and runs on the calling thread, like ``SQLiteServerStore/readNow(_:)``.
///
/// Through GRDB each of these reads also took a reader from its pool (a semaphore and a lock),
/// ran on the reader's queue (`DispatchQueue.sync`), and ran `PRAGMA schema_version` first, a
/// statement and a read transaction of its own, to notice schema changes: together about a fifth
/// of a list request's CPU (docs/performance.md, session 13). Here a connection is taken from a
/// list under a lock and its prepared statements are reused; SQLite re-prepares a statement by
/// itself when the schema changes. Everything else still reads and writes through GRDB.
final class DirectReads: Sendable {
    private let path: String
    private let idle = Mutex<[DirectConnection]>([])
    /// Connections kept open between reads; more are opened when more threads read at once.
    static let keptIdle = 8

    init(path: String) {
        self.path = path
    }

    /// Runs `body` on an idle connection (opened if none is), then gives it back.
    func read<T>(_ body: (DirectConnection) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? DirectConnection(path: path)
        defer {
            idle.withLock { connections in
                if connections.count < Self.keptIdle { connections.append(connection) }
            }
        }
        return try body(connection)
    }
}

/// One read-only connection. Used by one thread at a time: ``DirectReads`` hands it out under
/// its lock and takes it back after the read.
final class DirectConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// Prepared statements kept a connection (the lists' filters make a few dozen kinds of query).
    private static let keptStatements = 64

    init(path: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close_v2(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        sqlite3_busy_timeout(handle, 15_000)
        self.handle = handle
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs `sql` with `arguments` and calls `row` with the statement on each row, until there
    /// are no more or `row` returns false. The statement's columns are valid only inside `row`.
    func query(_ sql: String, _ arguments: [DatabaseValue], row: (OpaquePointer) throws -> Bool) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let bound = SQLiteBinding.bind(arguments, to: statement)
        guard bound == SQLITE_OK else { throw error(bound) }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            guard try row(statement) else { return }
        }
    }

    /// A text column of the current row; nil when it is NULL.
    static func text(_ row: OpaquePointer, _ column: Int32) -> String? {
        sqlite3_column_text(row, column).map { String(cString: $0) }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        if statements.count >= Self.keptStatements {
            for statement in statements.values { sqlite3_finalize(statement) }
            statements.removeAll()
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        statements[sql] = statement
        return statement
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(handle)))
    }
}

import GRDB
import GRDBSQLite

extension Statement {
    /// Runs this statement (an insert or update: rows it returns are not read) with `values`
    /// bound by position, through SQLite's C interface.
    ///
    /// For the rows a pulled page writes, which are worked out ahead as ``DatabaseValue``s (on
    /// all cores). Binding them through `StatementArguments(_:)` cost the writer more than the
    /// insert itself: its initializer is generic code that Swift does not specialize across
    /// modules, so it ran a key path per value (docs/performance.md, session 22). The library
    /// registers no transaction observers, so nothing misses what GRDB's `execute` would report.
    func run(_ values: [DatabaseValue]) throws {
        let statement = sqliteStatement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        sqlite3_reset(statement)
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let code: Int32
            switch value.storage {
            case .null: code = sqlite3_bind_null(statement, position)
            case .int64(let value): code = sqlite3_bind_int64(statement, position, value)
            case .double(let value): code = sqlite3_bind_double(statement, position, value)
            case .string(let value): code = sqlite3_bind_text(statement, position, value, -1, transient)
            case .blob(let value):
                code = value.withUnsafeBytes { sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), transient) }
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))), sql: sql)
    }
}

/// SQLite copies a bound value at once (`SQLITE_TRANSIENT`), so Swift's temporary C string or
/// byte pointer may end with the call.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

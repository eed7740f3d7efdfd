import GRDB
import GRDBSQLite

extension Statement {
    /// Runs this statement (an insert or update: rows it returns are not read) with `values`
    /// bound by position, through SQLite's C interface.
    ///
    /// For the hot writes, whose rows are worked out as ``DatabaseValue``s: a pulled page's
    /// journal entries, records and tags in the library, a push's changes and entities on the
    /// server. Binding them through `StatementArguments` cost the library's writer more than the
    /// insert itself: its initializer is generic code that Swift does not specialize across
    /// modules, so it ran a key path per value (docs/performance.md, session 22).
    ///
    /// GRDB's `execute` also reports the statement to transaction observers; neither the library
    /// nor the server store registers any, so nothing misses it.
    public func run(_ values: [DatabaseValue]) throws {
        let statement = sqliteStatement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        sqlite3_reset(statement)
        let bound = SQLiteBinding.bind(values, to: statement)
        guard bound == SQLITE_OK else { throw error(bound) }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))), sql: sql)
    }
}

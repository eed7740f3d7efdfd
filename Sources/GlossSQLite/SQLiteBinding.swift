import GRDB
import GRDBSQLite

/// Binding ``DatabaseValue``s to a prepared statement through SQLite's C interface, for the
/// statements gloss runs without GRDB's `StatementArguments` (``GRDB/Statement/run(_:)`` and
/// the server's direct reads).
public enum SQLiteBinding {
    /// Binds `values` to `statement` by position (the first to `?1`). Returns `SQLITE_OK`, or
    /// the code of the first value SQLite refused; the statement must be reset, not stepping.
    public static func bind(_ values: [DatabaseValue], to statement: OpaquePointer) -> Int32 {
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let code: Int32
            switch value.storage {
            case .null: code = sqlite3_bind_null(statement, position)
            case .int64(let value): code = sqlite3_bind_int64(statement, position, value)
            case .double(let value): code = sqlite3_bind_double(statement, position, value)
            case .string(let value): code = bindText(value, to: statement, at: position)
            case .blob(let value):
                code = value.withUnsafeBytes { sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), transient) }
            }
            guard code == SQLITE_OK else { return code }
        }
        return SQLITE_OK
    }

    /// Binds the string's UTF-8 bytes where they are, with their length: passing the `String`
    /// itself as a C string copied it into a new array first (`utf8CString`, a malloc and a
    /// copy per value) and made SQLite count its bytes again, a quarter of the binding's time
    /// in a large push (docs/performance.md, session 22).
    private static func bindText(_ value: String, to statement: OpaquePointer, at position: Int32) -> Int32 {
        var text = value
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                // A null pointer would bind NULL: an empty string is bound as empty text.
                return sqlite3_bind_text(statement, position, "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, position, $0, Int32(bytes.count), transient)
            }
        }
    }

    /// SQLite copies a bound value at once (`SQLITE_TRANSIENT`), so Swift's temporary C string or
    /// byte pointer may end with the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

import Foundation
import GRDB
import Testing
import GlossSQLite

/// `Statement.run` and `SQLiteBinding`: the library's pulled pages and the server's pushes write
/// through them, so a value bound wrong or an error lost would be a row lost or corrupted.
@Suite struct StatementRunTests {
    @Test func runBindsEveryKindOfValueAndReportsAFailedStatement() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t(a TEXT NOT NULL, b INTEGER, c REAL, d BLOB, e TEXT)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t(a, b, c, d, e) VALUES (?, ?, ?, ?, ?)")
            try insert.run(["é \u{1F30A} \"x\"".databaseValue, Int64(-7).databaseValue, 2.5.databaseValue, Data([0, 1, 255]).databaseValue, DatabaseValue.null])
            try insert.run(["second".databaseValue, DatabaseValue.null, DatabaseValue.null, DatabaseValue.null, "e".databaseValue])
            let rows = try Row.fetchAll(db, sql: "SELECT a, b, c, d, e FROM t ORDER BY rowid")
            #expect(rows.count == 2)
            #expect(rows[0]["a"] as String == "é \u{1F30A} \"x\"")
            #expect(rows[0]["b"] as Int64 == -7)
            #expect(rows[0]["c"] as Double == 2.5)
            #expect(rows[0]["d"] as Data == Data([0, 1, 255]))
            #expect((rows[0]["e"] as String?) == nil)
            #expect((rows[1]["b"] as Int64?) == nil && rows[1]["e"] as String == "e")

            let failure = #expect(throws: DatabaseError.self) {
                try insert.run([DatabaseValue.null, DatabaseValue.null, DatabaseValue.null, DatabaseValue.null, DatabaseValue.null])
            }
            #expect(failure?.resultCode == .SQLITE_CONSTRAINT)
            // The statement is reset after a failure and works again.
            try insert.run(["third".databaseValue, DatabaseValue.null, DatabaseValue.null, DatabaseValue.null, DatabaseValue.null])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 3)
        }
    }

    @Test func textIsBoundWholeWhateverItHolds() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t(n INTEGER, a TEXT NOT NULL)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t(n, a) VALUES (?, ?)")
            let long = String(repeating: "abc \u{00E9}\u{1F30A} ", count: 2_000)
            // A bridged-looking substring, a small string, an empty one, one with a NUL inside.
            let texts = ["", "x", "ä", String(long.dropFirst(3)), "before\u{0}after", long]
            for (n, text) in texts.enumerated() { try insert.run([n.databaseValue, text.databaseValue]) }
            let rows = try Row.fetchAll(db, sql: "SELECT CAST(a AS BLOB) AS bytes, typeof(a) AS type FROM t ORDER BY n")
            #expect(rows.map { $0["type"] as String } == Array(repeating: "text", count: texts.count))
            #expect(rows.map { ($0["bytes"] as Data?) ?? Data() } == texts.map { Data($0.utf8) })
        }
    }

    @Test func aValueSQLiteRefusesIsReportedAndNothingIsWritten() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t(a TEXT NOT NULL)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t(a) VALUES (?)")
            // One value more than the statement has parameters: SQLite refuses the second bind.
            let failure = #expect(throws: DatabaseError.self) {
                try insert.run(["one".databaseValue, "two".databaseValue])
            }
            #expect(failure?.resultCode == .SQLITE_RANGE)
            #expect(failure?.sql == "INSERT INTO t(a) VALUES (?)")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 0)
            // Nothing stays bound from the failed call.
            try insert.run(["three".databaseValue])
            #expect(try String.fetchAll(db, sql: "SELECT a FROM t") == ["three"])
        }
    }
}

import Foundation
import GRDB
import GlossModel

extension Library {
    /// The journal, newest first: every change, or those of one entity (and, for an article, of
    /// its highlights and notes too when `including` is set).
    public func log(entity: String? = nil, limit: Int? = nil) throws -> [Change] {
        try read { db in
            var sql = "SELECT change FROM journal"
            var arguments: StatementArguments = []
            if let entity {
                sql += " WHERE entity_id = ?"
                arguments += [entity]
            }
            sql += " ORDER BY seq DESC"
            if let limit { sql += " LIMIT \(max(0, limit))" }
            return try String.fetchAll(db, sql: sql, arguments: arguments).compactMap { json in
                try? Change.decode(Data(json.utf8))
            }
        }
    }

    /// The number of journal entries not yet pushed to a server.
    public func unpushedCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM journal INDEXED BY journal_unpushed WHERE pushed = 0") ?? 0 }
    }
}

import Foundation
import GRDB
import GRDBSQLite
import GlossModel
import GlossSync
import NIOCore

extension SQLiteServerStore {
    public func record(user: UserID, id: String) async throws -> EntityRecord? {
        try readNow { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT record FROM entities WHERE user_id = ? AND id = ?"), arguments: [user.rawValue, id.lowercased()])
                .map { try EntityRecord.decode(Data($0.utf8)) }
        }
    }

    public func listed(user: UserID, _ query: RecordQuery) async throws -> ListedRows {
        // A list by article or highlight walks that link's index (``catchUpLinks(_:user:)``) in ID
        // order and joins each entity's row; the link must still agree with the row. (Named,
        // since without statistics SQLite would walk the kind's whole range of the table instead:
        // measured, 178 ms instead of 2 ms at 100,000 rows.) Other lists walk the kind's range.
        let linked = query.articleId != nil || query.highlightId != nil
        var sql: String
        var arguments: [DatabaseValue] = [user.rawValue.databaseValue, query.kind.rawValue.databaseValue]
        if let article = query.articleId {
            sql = Self.byArticle("e.id, e.listed")
            arguments.append(article.databaseValue)
            if let highlight = query.highlightId {
                sql += " AND e.highlight_id = ?"
                arguments.append(highlight.databaseValue)
            }
        } else if let highlight = query.highlightId {
            sql = """
                SELECT e.id, e.listed FROM entity_links l INDEXED BY entity_links_highlight
                CROSS JOIN entities e ON e.user_id = l.user_id AND e.kind = ?2 AND e.id = l.id
                WHERE l.user_id = ?1 AND l.highlight_id = ?3 AND e.highlight_id = l.highlight_id
                """
            arguments.append(highlight.databaseValue)
        } else {
            sql = "SELECT e.id, e.listed FROM entities e WHERE e.user_id = ?1 AND e.kind = ?2"
        }
        if let after = query.after {
            sql += " AND e.id > ?"
            arguments.append(after.databaseValue)
        }
        if !query.includeDeleted { sql += " AND e.deleted = 0" }
        if let tag = query.tag {
            sql += " AND json_extract(e.record, '$.tags.' || json_quote(?) || '.present') = 1"
            arguments.append(tag.databaseValue)
        }
        if query.standalone { sql += " AND e.article_id IS NULL AND e.highlight_id IS NULL" }
        if query.conflicted { sql += " AND json_array_length(e.record, '$.conflicts') > 0" }
        if let updated = query.updatedAfter {
            sql += " AND e.updated_at > ?"
            arguments.append(updated.description.databaseValue)
        }
        sql += linked ? " ORDER BY l.id LIMIT ?" : " ORDER BY e.id LIMIT ?"
        arguments.append(ListedRows(limit: query.limit).rowsToRead.databaseValue)
        let (sqlText, values) = (sql, arguments)
        func page(_ connection: DirectConnection) throws -> ListedRows {
            var rows = ListedRows(limit: query.limit)
            // Each row's list JSON goes from SQLite's memory straight into the answer's buffer:
            // no string or Data a row (docs/performance.md, session 12).
            try connection.query(sqlText, values) { row in
                guard sqlite3_column_type(row, 1) != SQLITE_NULL, let text = sqlite3_column_text(row, 1) else {
                    // Rows written before the `listed` column existed are rendered here.
                    guard let id = DirectConnection.text(row, 0) else { return true }
                    var record: String?
                    try connection.query("SELECT record FROM entities WHERE user_id = ? AND id = ?", [user.rawValue.databaseValue, id.databaseValue]) { found in
                        record = DirectConnection.text(found, 0)
                        return false
                    }
                    if let record, let entity = try? EntityRecord.decode(Data(record.utf8)), let json = ListedJSON.render(entity) {
                        rows.append(json: json, id: id)
                    }
                    return !rows.hasMore
                }
                let json = UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(row, 1)))
                rows.append(json: json) { DirectConnection.text(row, 0) ?? "" }
                return !rows.hasMore
            }
            return rows
        }
        guard linked else { return try direct.read(page) }
        // The links are checked on the connection that reads the page: one hop when they are
        // current, the usual case; when behind, they are caught up and the page read after.
        if let rows = try direct.read({ connection in try Self.linksAreBehind(connection, user: user) ? nil : try page(connection) }) {
            return rows
        }
        try await pool.write { db in try Self.catchUpLinks(db, user: user) }
        return try direct.read(page)
    }

    public func edit(user: UserID, _ build: @escaping @Sendable (inout ServerEdit) throws -> Void) async throws -> EditResult {
        let maximumDrift = maximumDrift, physicalClock = physicalClock
        return try await pool.write { db in
            var library = try LibraryState(db, user: user, maximumDrift: maximumDrift, physicalClock: physicalClock)
            let state = library
            var edit = ServerEdit(
                lookup: { try state.record($0.lowercased(), db: db) },
                history: { id, stamp in
                    try String.fetchAll(db, sql: "SELECT change FROM changes WHERE user_id = ? AND entity_id = ? AND device = ?",
                                        arguments: [user.rawValue, id, stamp.device.rawValue])
                        .lazy.compactMap { try? Change.decode(Data($0.utf8)) }
                        .first { $0.clock == stamp.clock }?.fields["body"]?.new.stringValue
                },
                clock: library.clock
            )
            try build(&edit)
            library.clock = edit.clock
            let outcomes = try library.apply(edit.changes, device: ServerEdit.device, db: db)
            if !edit.changes.isEmpty { try library.save(db, device: ServerEdit.device) }
            var records: [String: EntityRecord] = [:]
            for id in Set(edit.changes.map(\.entityIdString)).union(edit.read) { records[id] = try library.record(id, db: db) }
            let created = zip(edit.changes, outcomes).filter { $0.op == .create && $1.outcome == .applied }.map(\.0.entityIdString)
            return EditResult(outcomes: outcomes, records: records, created: Set(created))
        }
    }
}

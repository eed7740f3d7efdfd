import Foundation
import GRDB
import GlossModel

extension SQLiteServerStore {
    public func search(user: UserID, _ query: String, limit: Int, marks: (open: String, close: String)) async throws -> [SearchResult] {
        try await pool.write { db in try Self.catchUpSearchIndex(db, user: user) }
        let match = FullTextQuery.match(query)
        do {
            return try await readAside { db in
                try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT d.kind, d.id, d.article_id, d.title, snippet(search_fts, 1, ?, ?, '…', 12) AS snippet, search_fts.rank AS rank
                    FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid
                    WHERE search_fts MATCH ? AND d.user_id = ? ORDER BY search_fts.rank LIMIT ?
                    """), arguments: [marks.open, marks.close, match, user.rawValue, limit]).map { row in
                    SearchResult(type: row["kind"], id: row["id"], articleId: row["article_id"], title: row["title"], snippet: row["snippet"], rank: row["rank"])
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
            throw ServerError.invalid("The search query is not valid FTS5 syntax (\(error.message ?? "syntax error")); plain words always work.")
        }
    }

    /// Indexes what was written since the last search: each entity of a newer version is
    /// replaced in the index (or dropped, when deleted).
    static func catchUpSearchIndex(_ db: Database, user: UserID) throws {
        guard let library = try Row.fetchOne(db, sql: "SELECT version, search_version FROM libraries WHERE user_id = ?", arguments: [user.rawValue]) else { return }
        let (version, indexed): (Int64, Int64) = (library["version"], library["search_version"])
        guard indexed < version else { return }
        var titles: [String: String?] = [:]
        func title(of article: String) throws -> String? {
            if let known = titles[article] { return known }
            let found = try String.fetchOne(db, sql: "SELECT json_extract(listed, '$.title') FROM entities WHERE user_id = ? AND id = ?",
                                            arguments: [user.rawValue, article])
            titles[article] = found
            return found
        }
        let rows = try Row.fetchCursor(db, sql: "SELECT id, kind, record, deleted FROM entities WHERE user_id = ? AND version > ?",
                                       arguments: [user.rawValue, indexed])
        let remove = try db.cachedStatement(sql: "DELETE FROM search_docs WHERE user_id = ? AND id = ?")
        let insert = try db.cachedStatement(sql: "INSERT INTO search_docs(user_id, id, kind, article_id, title, body) VALUES (?, ?, ?, ?, ?, ?)")
        while let row = try rows.next() {
            let id: String = row["id"]
            try remove.execute(arguments: [user.rawValue, id])
            guard row["deleted"] as Int64 == 0, let record = try? EntityRecord.decode(Data((row["record"] as String).utf8)) else { continue }
            switch record.kind {
            case .article:
                let title = record.string("title")
                titles[id] = title
                try insert.execute(arguments: [user.rawValue, id, "article", id, title, record.string("text") ?? ""])
            case .highlight:
                let article = record.string("articleId")
                try insert.execute(arguments: [user.rawValue, id, "highlight", article, try article.flatMap(title(of:)), record.string("exact") ?? ""])
            case .note:
                try insert.execute(arguments: [user.rawValue, id, "note", record.string("articleId"), nil as String?, record.string("body") ?? ""])
            }
        }
        try db.execute(sql: "UPDATE libraries SET search_version = ? WHERE user_id = ?", arguments: [version, user.rawValue])
    }
}

import Foundation
import GRDB
import GlossModel

/// One full-text search hit.
public struct SearchHit: Encodable, Sendable {
    public var type: EntityKind
    public var id: String
    /// The article the hit belongs to (itself for an article), if any.
    public var articleId: String?
    public var title: String?
    /// A short excerpt around the match, the matched words between the markers asked for.
    public var snippet: String
    /// FTS5 bm25 rank: lower is better.
    public var rank: Double
}

extension Library {
    /// Full-text search (FTS5) over article titles and text, highlight quotes and note bodies,
    /// best first. Plain words are searched as they are (all of them must occur); a query using
    /// FTS5 syntax (quotes, `AND`/`OR`/`NOT`, `NEAR`, `*`, parentheses, `col:`) is passed through,
    /// and a syntax error in it is a ``LibraryError/searchSyntax(query:detail:)``.
    public func search(_ query: String, limit: Int = 20, open: String = "[", close: String = "]") throws -> [SearchHit] {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw LibraryError.invalid("Give some words to search for.") }
        let match = Self.ftsQuery(trimmed)
        let sql = """
            SELECT * FROM (
              SELECT 'article' AS type, a.id AS id, a.id AS article_id, a.title AS title,
                     snippet(articles_fts, 1, :open, :close, '…', 12) AS snippet, articles_fts.rank AS rank
                FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid
               WHERE articles_fts MATCH :match AND a.deleted = 0
              UNION ALL
              SELECT 'highlight', h.id, h.article_id, a.title,
                     snippet(highlights_fts, 0, :open, :close, '…', 12), highlights_fts.rank
                FROM highlights_fts JOIN highlights h ON h.seq = highlights_fts.rowid JOIN articles a ON a.id = h.article_id
               WHERE highlights_fts MATCH :match AND h.deleted = 0
              UNION ALL
              SELECT 'note', n.id, n.article_id, NULL,
                     snippet(notes_fts, 0, :open, :close, '…', 12), notes_fts.rank
                FROM notes_fts JOIN notes n ON n.seq = notes_fts.rowid
               WHERE notes_fts MATCH :match AND n.deleted = 0
            ) ORDER BY rank LIMIT :limit
            """
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: ["open": open, "close": close, "match": match, "limit": limit]).map { row in
                    SearchHit(
                        type: EntityKind(rawValue: row["type"]) ?? .article, id: row["id"], articleId: row["article_id"],
                        title: row["title"], snippet: row["snippet"], rank: row["rank"]
                    )
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
            throw LibraryError.searchSyntax(query: query, detail: error.message ?? "syntax error")
        }
    }

    /// Plain words become quoted FTS5 strings (so `trans-pacific` or `China's` just work); a query
    /// that uses FTS5 syntax is kept as written.
    static func ftsQuery(_ query: String) -> String {
        let operators = ["\"", "(", ")", "*", "^", ":", "+"]
        let words = query.split(whereSeparator: \.isWhitespace)
        let usesSyntax = operators.contains { query.contains($0) }
            || words.contains { ["AND", "OR", "NOT"].contains(String($0)) || $0.hasPrefix("NEAR") }
        if usesSyntax { return query }
        return words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}

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

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(id, forKey: .id)
        try c.encode(articleId, forKey: .articleId)
        try c.encode(title, forKey: .title)
        try c.encode(snippet, forKey: .snippet)
        try c.encode(rank, forKey: .rank)
    }

    private enum CodingKeys: String, CodingKey { case type, id, articleId, title, snippet, rank }
}

extension Library {
    /// Full-text search (FTS5) over article titles and text, highlight quotes and note bodies,
    /// best first. Plain words are searched as they are (all of them must occur); a query using
    /// FTS5 syntax (quotes, `AND`/`OR`/`NOT`, `NEAR`, `*`, parentheses, `col:`) is passed through,
    /// and a syntax error in it is a ``LibraryError/searchSyntax(query:detail:)``.
    public func search(_ query: String, limit: Int = 20, open: String = "[", close: String = "]") throws -> [SearchHit] {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw LibraryError.invalid("Give some words to search for.") }
        // A long pull (in this or another process) may be loading rows without their full-text rows.
        try finishDeferredUpkeep()
        let match = FullTextQuery.match(trimmed)
        // Rank first (cheap), then make snippets for the few hits shown (snippet() reads the text).
        let candidates = max(limit * 2, limit + 16)
        let sql = """
            SELECT * FROM (
              SELECT 'article' AS type, a.seq AS seq, a.id AS id, a.id AS article_id, a.title AS title, f.rank AS rank
                FROM (SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH :match ORDER BY rank LIMIT :candidates) f
                JOIN articles a ON a.seq = f.rowid WHERE a.deleted = 0
              UNION ALL
              SELECT 'highlight', h.seq, h.id, h.article_id, a.title, f.rank
                FROM (SELECT rowid, rank FROM highlights_fts WHERE highlights_fts MATCH :match ORDER BY rank LIMIT :candidates) f
                JOIN highlights h ON h.seq = f.rowid JOIN articles a ON a.id = h.article_id WHERE h.deleted = 0
              UNION ALL
              SELECT 'note', n.seq, n.id, n.article_id, NULL, f.rank
                FROM (SELECT rowid, rank FROM notes_fts WHERE notes_fts MATCH :match ORDER BY rank LIMIT :candidates) f
                JOIN notes n ON n.seq = f.rowid WHERE n.deleted = 0
            ) ORDER BY rank LIMIT :limit
            """
        let snippets: [EntityKind: String] = [
            .article: "SELECT snippet(articles_fts, 1, :open, :close, '…', 12) FROM articles_fts WHERE articles_fts MATCH :match AND rowid = :seq",
            .highlight: "SELECT snippet(highlights_fts, 0, :open, :close, '…', 12) FROM highlights_fts WHERE highlights_fts MATCH :match AND rowid = :seq",
            .note: "SELECT snippet(notes_fts, 0, :open, :close, '…', 12) FROM notes_fts WHERE notes_fts MATCH :match AND rowid = :seq",
        ]
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: ["match": match, "candidates": candidates, "limit": limit]).map { row in
                    let type = EntityKind(rawValue: row["type"]) ?? .article
                    let snippet = try String.fetchOne(
                        db, sql: snippets[type] ?? "", arguments: ["open": open, "close": close, "match": match, "seq": row["seq"] as Int64]
                    )
                    return SearchHit(
                        type: type, id: row["id"], articleId: row["article_id"], title: row["title"], snippet: snippet ?? "", rank: row["rank"]
                    )
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
            throw LibraryError.searchSyntax(query: query, detail: error.message ?? "syntax error")
        }
    }
}

import Foundation
import GlossModel
import GlossServer
import PostgresNIO

extension PostgresServerStore {
    /// PostgreSQL's full-text search (the `gloss_search` configuration: words as written,
    /// lowercased, without accents, no stemming) over what each record's `search_title` and `search_body` hold. The query is
    /// read as `websearch_to_tsquery` reads it: words (all must match), "quoted phrases", `or`,
    /// `-word`. The rank is `ts_rank` negated, so lower is better as with SQLite's bm25.
    public func search(user: UserID, _ query: String, limit: Int, marks: (open: String, close: String)) async throws -> [SearchResult] {
        func quoted(_ mark: String) -> String { "\"" + mark.replacingOccurrences(of: "\"", with: "") + "\"" }
        // A body of at most 12 words is the snippet whole (as SQLite's snippet() shows it);
        // a longer one, the best fragment of up to 12 words.
        let whole = "StartSel=\(quoted(marks.open)), StopSel=\(quoted(marks.close)), HighlightAll=true"
        let options = "StartSel=\(quoted(marks.open)), StopSel=\(quoted(marks.close)), MaxWords=12, MinWords=4, ShortWord=0, MaxFragments=1, FragmentDelimiter=\" … \""
        guard query.filter({ $0 == "\"" }).count % 2 == 0 else {
            throw ServerError.invalid("The search query has an unbalanced quote; plain words always work.")
        }
        return try await unavailableOnFailure {
            var results: [SearchResult] = []
            for try await (kind, id, article, title, snippet, rank) in try await self.client.query("""
                WITH q AS (SELECT websearch_to_tsquery('gloss_search', \(query)) AS query)
                SELECT e.kind, e.id, CASE WHEN e.kind = 'article' THEN e.id ELSE e.article_id END,
                       CASE WHEN e.kind = 'article' THEN e.search_title WHEN e.kind = 'highlight' THEN a.search_title END,
                       CASE WHEN cardinality(regexp_split_to_array(btrim(e.search_body), '\\s+')) <= 12
                            THEN ts_headline('gloss_search', e.search_body, q.query, \(whole))
                            ELSE ts_headline('gloss_search', e.search_body, q.query, \(options)) END,
                       -ts_rank(to_tsvector('gloss_search', coalesce(e.search_title, '') || ' ' || coalesce(e.search_body, '')), q.query)::float8 AS rank
                FROM entities e CROSS JOIN q
                LEFT JOIN entities a ON a.user_id = e.user_id AND a.kind = 'article' AND a.id = e.article_id AND e.kind = 'highlight'
                WHERE e.user_id = \(user.rawValue) AND e.search_body IS NOT NULL
                  AND to_tsvector('gloss_search', coalesce(e.search_title, '') || ' ' || coalesce(e.search_body, '')) @@ q.query
                ORDER BY rank, e.id LIMIT \(limit)
                """, logger: self.logger).decode((String, String, String?, String?, String, Double).self) {
                results.append(SearchResult(type: kind, id: id, articleId: article, title: title, snippet: snippet, rank: rank))
            }
            return results
        }
    }
}

import Foundation
import GlossModel
import GlossServer
import PostgresNIO

/// An entity row as the PostgreSQL store keeps it: the merged record, its JSON, the version
/// that wrote it, its list JSON; the filter and search columns are derived from the record.
struct StoredEntity {
    var record: EntityRecord
    var json: String
    var version: Int64
    var listed: String?
}

extension PostgresServerStore {
    /// Inserts or replaces entity rows in one statement (one row per entity: a statement may
    /// not update a row twice). Pushes, API edits and `migrate-store` all write through here.
    func upsertEntities(_ rows: [StoredEntity], user: UserID, _ connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        let search = rows.map { SearchText($0.record) }
        try await connection.query("""
            INSERT INTO entities(user_id, kind, id, record, version, deleted, article_id, highlight_id, created_at, updated_at, listed, search_title, search_body)
            SELECT \(user.rawValue), kind, id, record, version, deleted, NULLIF(article_id, ''), NULLIF(highlight_id, ''), created_at, updated_at,
                   NULLIF(listed, ''), NULLIF(search_title, ''), CASE WHEN deleted THEN NULL ELSE search_body END
            FROM unnest(\(rows.map(\.record.kind.rawValue))::text[], \(rows.map(\.record.idString))::text[], \(rows.map(\.json))::text[],
                        \(rows.map(\.version))::bigint[], \(rows.map(\.record.deleted))::boolean[], \(rows.map { $0.record.string("articleId") ?? "" })::text[],
                        \(rows.map { $0.record.string("highlightId") ?? "" })::text[], \(rows.map { $0.record.createdAt.description })::text[],
                        \(rows.map { $0.record.updatedAt.description })::text[], \(rows.map { $0.listed ?? "" })::text[],
                        \(search.map(\.title))::text[], \(search.map(\.body))::text[])
                 AS t(kind, id, record, version, deleted, article_id, highlight_id, created_at, updated_at, listed, search_title, search_body)
            ON CONFLICT (user_id, kind, id) DO UPDATE SET record = excluded.record, version = excluded.version, deleted = excluded.deleted,
                article_id = excluded.article_id, highlight_id = excluded.highlight_id, created_at = excluded.created_at,
                updated_at = excluded.updated_at, listed = excluded.listed, search_title = excluded.search_title, search_body = excluded.search_body
            """, logger: logger)
    }
}

/// What full-text search indexes of a record: an article's title and text, a highlight's quote,
/// a note's body.
struct SearchText {
    var title: String
    var body: String

    init(_ record: EntityRecord) {
        switch record.kind {
        case .article: (title, body) = (record.string("title") ?? "", record.string("text") ?? "")
        case .highlight: (title, body) = ("", record.string("exact") ?? "")
        case .note: (title, body) = ("", record.string("body") ?? "")
        }
    }
}

import Foundation
import GRDB
import GlossInterchange
import GlossModel
import GlossSync

extension SQLiteServerStore {
    /// Runs `body` over one consistent snapshot of the user's library, on a thread of its own
    /// (the body may block while a slow client reads the answer) and a connection of its own
    /// (so an export never holds one of the readers that requests share).
    public func export(user: UserID, _ body: @escaping @Sendable (any AnnotationSource) throws -> Void) async throws {
        let pool = self.pool
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let snapshot = try pool.makeSnapshot()
                    try snapshot.read { db in try body(ServerAnnotationSource(db: db, user: user.rawValue)) }
                })
            }
        }
    }
}

/// A user's library on the server as the exporters read it: the merged records, turned into
/// articles, highlights and notes, in the local library's order (creation time, then ID), so a
/// server export and a synced library's `gloss export` are the same bytes.
struct ServerAnnotationSource: AnnotationSource {
    let db: Database
    let user: String

    func forEachEntity(
        _ scope: ExportScope, article: (Article) throws -> Void, highlight: (Highlight) throws -> Void, note: (Note) throws -> Void
    ) throws {
        let filter = try self.filter(scope)
        try forEach(.article, Article.init(record:)) { if filter.includes($0) { try article($0) } }
        try forEach(.highlight, Highlight.init(record:)) { if filter.includes($0) { try highlight($0) } }
        try forEach(.note, Note.init(record:)) { if filter.includes($0) { try note($0) } }
    }

    func forEachArticle(_ scope: ExportScope, _ body: (ArticleAnnotations) throws -> Void, standalone: (Note) throws -> Void) throws {
        let filter = try self.filter(scope)
        let onArticle = try db.makeStatement(sql: "SELECT record FROM entities INDEXED BY entities_article WHERE user_id = ? AND kind = ? AND article_id = ?")
        func annotations<T>(_ kind: EntityKind, _ article: String, _ make: (EntityRecord) -> T?) throws -> [T] {
            try String.fetchAll(onArticle, arguments: [user, kind.rawValue, article]).compactMap { try make(EntityRecord.decode(Data($0.utf8))) }
        }
        try forEach(.article, Article.init(record:)) { article in
            let highlights = try annotations(.highlight, article.id.description, Highlight.init(record:)).filter(filter.includes)
                .sorted { ($0.start, $0.end, $0.id.description) < ($1.start, $1.end, $1.id.description) }
            let notes = try annotations(.note, article.id.description, Note.init(record:)).filter(filter.includes)
                .sorted { ($0.createdAt.description, $0.id.description) < ($1.createdAt.description, $1.id.description) }
            guard filter.includes(article, annotated: !highlights.isEmpty || !notes.isEmpty) else { return }
            try body(ArticleAnnotations(article: article, highlights: highlights, notes: notes))
        }
        try forEach(.note, Note.init(record:), standaloneOnly: true) { if filter.includes($0) { try standalone($0) } }
    }

    /// Every record of one kind, oldest first, as an entity; rows stream from SQLite's sorter.
    /// (Sorting only the IDs and reading each record by its key was tried: 5.1 s instead of
    /// 3.6 s for 100,000 annotations, the point reads cost more than the sort.)
    private func forEach<T>(_ kind: EntityKind, _ make: (EntityRecord) -> T?, standaloneOnly: Bool = false, _ visit: (T) throws -> Void) throws {
        let rows = try String.fetchCursor(db, sql: """
            SELECT record FROM entities WHERE user_id = ? AND kind = ?\(standaloneOnly ? " AND article_id IS NULL" : "")
            ORDER BY json_extract(record, '$.createdAt'), id
            """, arguments: [user, kind.rawValue])
        while let json = try rows.next() {
            if let entity = make(try EntityRecord.decode(Data(json.utf8))) { try visit(entity) }
        }
    }

    /// The scope's decisions. The server exports whole libraries (no tag or article scope), so
    /// only the deleted articles and highlights that live annotations point to are read.
    private func filter(_ scope: ExportScope) throws -> ExportFilter {
        precondition(scope.tag == nil && scope.article == nil, "the server exports whole libraries")
        guard !scope.includeDeleted else { return ExportFilter(scope, referencedTombstones: []) }
        let tombstones = try String.fetchAll(db, sql: """
            SELECT id FROM entities WHERE user_id = ?1 AND kind = 'article' AND deleted = 1 AND id IN
              (SELECT article_id FROM entities WHERE user_id = ?1 AND kind IN ('highlight', 'note') AND deleted = 0 AND article_id IS NOT NULL)
            UNION SELECT id FROM entities WHERE user_id = ?1 AND kind = 'highlight' AND deleted = 1 AND id IN
              (SELECT highlight_id FROM entities WHERE user_id = ?1 AND kind = 'note' AND deleted = 0 AND highlight_id IS NOT NULL)
            """, arguments: [user])
        return ExportFilter(scope, referencedTombstones: Set(tombstones))
    }
}

import Foundation
import GRDB
import GlossModel

extension Library {
    /// Visits every entity in scope, kind by kind, each kind oldest first, from one consistent
    /// snapshot; rows stream from SQLite, so memory does not grow with the library.
    public func forEachEntity(
        _ scope: ExportScope, article: (Article) throws -> Void, highlight: (Highlight) throws -> Void, note: (Note) throws -> Void
    ) throws {
        try read { db in
            let filter = try ExportFilter(scope, db)
            let articles = try Row.fetchCursor(db, sql: Self.articleSQL + " ORDER BY a.created_at, a.id")
            while let row = try articles.next() {
                let item = Self.article(row)
                if filter.includes(item) { try article(item) }
            }
            let highlights = try Row.fetchCursor(db, sql: Self.highlightSQL + " ORDER BY h.created_at, h.id")
            while let row = try highlights.next() {
                let item = Self.highlight(row)
                if filter.includes(item) { try highlight(item) }
            }
            let notes = try Row.fetchCursor(db, sql: Self.noteSQL + " ORDER BY n.created_at, n.id")
            while let row = try notes.next() {
                let item = Self.note(row)
                if filter.includes(item) { try note(item) }
            }
        }
    }

    /// Visits the articles in scope (oldest first) with their annotations, then the standalone
    /// notes in scope (oldest first), from one consistent snapshot. Memory holds one article's
    /// annotations at a time.
    public func forEachArticle(
        _ scope: ExportScope, _ body: (ArticleAnnotations) throws -> Void, standalone: (Note) throws -> Void
    ) throws {
        try read { db in
            let filter = try ExportFilter(scope, db)
            let articles = try Row.fetchCursor(db, sql: Self.articleSQL + " ORDER BY a.created_at, a.id")
            let highlightStatement = try db.makeStatement(sql: Self.highlightSQL + " WHERE h.article_id = ? ORDER BY h.start, h.\"end\", h.id")
            let noteStatement = try db.makeStatement(sql: Self.noteSQL + " WHERE n.article_id = ? ORDER BY n.created_at, n.id")
            while let row = try articles.next() {
                let article = Self.article(row)
                let highlights = try Row.fetchAll(highlightStatement, arguments: [article.id.description]).map(Self.highlight).filter(filter.includes)
                let notes = try Row.fetchAll(noteStatement, arguments: [article.id.description]).map(Self.note).filter(filter.includes)
                guard filter.includes(article, annotated: !highlights.isEmpty || !notes.isEmpty) else { continue }
                try body(ArticleAnnotations(article: article, highlights: highlights, notes: notes))
            }
            let notes = try Row.fetchCursor(db, sql: Self.noteSQL + " WHERE n.article_id IS NULL ORDER BY n.created_at, n.id")
            while let row = try notes.next() {
                let note = Self.note(row)
                if filter.includes(note) { try standalone(note) }
            }
        }
    }
}

extension ExportFilter {
    /// Reads the sets a filter needs from the library. With a tag, the sets of tagged IDs are
    /// read once (a tag marks few entities compared with the library).
    init(_ scope: ExportScope, _ db: Database) throws {
        var referencedTombstones: Set<String> = []
        if !scope.includeDeleted {
            referencedTombstones = Set(try String.fetchAll(db, sql: """
                SELECT id FROM articles WHERE deleted = 1 AND (id IN (SELECT article_id FROM highlights WHERE deleted = 0)
                  OR id IN (SELECT article_id FROM notes WHERE deleted = 0 AND article_id IS NOT NULL))
                UNION SELECT id FROM highlights WHERE deleted = 1 AND id IN (SELECT highlight_id FROM notes WHERE deleted = 0 AND highlight_id IS NOT NULL)
                """))
        }
        guard let tag = scope.tag else {
            self.init(scope, referencedTombstones: referencedTombstones)
            return
        }
        let tagged = Set(try String.fetchAll(db, sql: "SELECT entity_id FROM tags WHERE tag = ? AND present = 1", arguments: [tag]))
        let taggedArticles = Set(try String.fetchAll(db, sql: "SELECT id FROM articles WHERE id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)", arguments: [tag]))
        let taggedHighlights = Set(try String.fetchAll(db, sql: "SELECT id FROM highlights WHERE id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)", arguments: [tag]))
        let articlesOfTagged = Set(try String.fetchAll(db, sql: """
            SELECT article_id FROM highlights WHERE id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)
            UNION SELECT article_id FROM notes WHERE article_id IS NOT NULL AND id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)
            """, arguments: [tag, tag]))
        self.init(
            scope, referencedTombstones: referencedTombstones, taggedArticles: taggedArticles, taggedHighlights: taggedHighlights,
            taggedNotes: tagged.subtracting(taggedArticles).subtracting(taggedHighlights), articlesOfTagged: articlesOfTagged
        )
    }
}

import Foundation
import GRDB
import GlossModel

/// Which part of the library an export covers (docs/formats.md).
public struct ExportScope: Sendable {
    /// Only this article and its annotations.
    public var article: ID<Article>?
    /// Only what carries this tag: articles with it (and all their annotations), highlights and
    /// notes with it (and the notes on such highlights); the articles they sit on come along.
    public var tag: String?
    /// Tombstones too (deleted entities), each with `deleted: true`.
    public var includeDeleted: Bool

    public init(article: ID<Article>? = nil, tag: String? = nil, includeDeleted: Bool = false) {
        self.article = article
        self.tag = tag
        self.includeDeleted = includeDeleted
    }
}

/// One article with its highlights in reading order and all its notes (on the article or on one
/// of the highlights), oldest first.
public struct ArticleAnnotations: Sendable {
    public let article: Article
    public let highlights: [Highlight]
    public let notes: [Note]
    private let notesByHighlight: [String: [Note]]

    init(article: Article, highlights: [Highlight], notes: [Note]) {
        self.article = article
        self.highlights = highlights
        self.notes = notes
        notesByHighlight = Dictionary(grouping: notes.filter { $0.highlightId != nil }, by: { $0.highlightId?.description ?? "" })
    }

    /// The notes on one highlight, oldest first.
    public func notes(on highlight: Highlight) -> [Note] { notesByHighlight[highlight.id.description] ?? [] }
    /// Notes on the article itself.
    public var articleNotes: [Note] { notes.filter { $0.highlightId == nil } }
}

extension Library {
    /// Visits every entity in scope, kind by kind, each kind oldest first, from one consistent
    /// snapshot; rows stream from SQLite, so memory does not grow with the library.
    public func forEachEntity(
        _ scope: ExportScope, article: (Article) throws -> Void, highlight: (Highlight) throws -> Void, note: (Note) throws -> Void
    ) throws {
        try read { db in
            let filter = try ScopeFilter(scope, db)
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
            let filter = try ScopeFilter(scope, db)
            let articles = try Row.fetchCursor(db, sql: Self.articleSQL + " ORDER BY a.created_at, a.id")
            let highlightStatement = try db.makeStatement(sql: Self.highlightSQL + " WHERE h.article_id = ? ORDER BY h.start, h.\"end\", h.id")
            let noteStatement = try db.makeStatement(sql: Self.noteSQL + " WHERE n.article_id = ? ORDER BY n.created_at, n.id")
            while let row = try articles.next() {
                let article = Self.article(row)
                let highlights = try Row.fetchAll(highlightStatement, arguments: [article.id.description]).map(Self.highlight).filter(filter.includes)
                let notes = try Row.fetchAll(noteStatement, arguments: [article.id.description]).map(Self.note).filter(filter.includes)
                guard filter.includes(article) || !highlights.isEmpty || !notes.isEmpty else { continue }
                guard filter.includes(article) || !article.deleted else { continue }
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

/// The decisions of ``ExportScope`` for single entities. With a tag, the sets of tagged IDs are
/// read once (a tag marks few entities compared with the library).
private struct ScopeFilter {
    let scope: ExportScope
    var taggedArticles: Set<String> = []
    var taggedHighlights: Set<String> = []
    var taggedNotes: Set<String> = []
    /// Articles that some tagged annotation sits on.
    var articlesOfTagged: Set<String> = []
    /// Deleted articles and highlights that live annotations still point to: exported (marked
    /// deleted) even without `includeDeleted`, so that every reference in the file holds and an
    /// import shows what `gloss list` showed.
    var referencedTombstones: Set<String> = []

    init(_ scope: ExportScope, _ db: Database) throws {
        self.scope = scope
        if !scope.includeDeleted {
            referencedTombstones = Set(try String.fetchAll(db, sql: """
                SELECT id FROM articles WHERE deleted = 1 AND (id IN (SELECT article_id FROM highlights WHERE deleted = 0)
                  OR id IN (SELECT article_id FROM notes WHERE deleted = 0 AND article_id IS NOT NULL))
                UNION SELECT id FROM highlights WHERE deleted = 1 AND id IN (SELECT highlight_id FROM notes WHERE deleted = 0 AND highlight_id IS NOT NULL)
                """))
        }
        guard let tag = scope.tag else { return }
        let tagged = Set(try String.fetchAll(db, sql: "SELECT entity_id FROM tags WHERE tag = ? AND present = 1", arguments: [tag]))
        taggedArticles = Set(try String.fetchAll(db, sql: "SELECT id FROM articles WHERE id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)", arguments: [tag]))
        taggedHighlights = Set(try String.fetchAll(db, sql: "SELECT id FROM highlights WHERE id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)", arguments: [tag]))
        taggedNotes = tagged.subtracting(taggedArticles).subtracting(taggedHighlights)
        articlesOfTagged = Set(try String.fetchAll(db, sql: """
            SELECT article_id FROM highlights WHERE id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)
            UNION SELECT article_id FROM notes WHERE article_id IS NOT NULL AND id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)
            """, arguments: [tag, tag]))
    }

    func includes(_ article: Article) -> Bool {
        guard scope.includeDeleted || !article.deleted || referencedTombstones.contains(article.id.description) else { return false }
        if let only = scope.article, only != article.id { return false }
        guard scope.tag != nil else { return true }
        return taggedArticles.contains(article.id.description) || articlesOfTagged.contains(article.id.description)
    }

    func includes(_ highlight: Highlight) -> Bool {
        guard scope.includeDeleted || !highlight.deleted || referencedTombstones.contains(highlight.id.description) else { return false }
        if let only = scope.article, only != highlight.articleId { return false }
        guard scope.tag != nil else { return true }
        return taggedHighlights.contains(highlight.id.description) || taggedArticles.contains(highlight.articleId.description)
    }

    func includes(_ note: Note) -> Bool {
        guard scope.includeDeleted || !note.deleted else { return false }
        if let only = scope.article, only != note.articleId { return false }
        guard scope.tag != nil else { return true }
        return taggedNotes.contains(note.id.description)
            || note.articleId.map { taggedArticles.contains($0.description) } == true
            || note.highlightId.map { taggedHighlights.contains($0.description) } == true
    }
}

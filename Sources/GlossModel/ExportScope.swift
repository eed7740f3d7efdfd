import Foundation

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

    public init(article: Article, highlights: [Highlight], notes: [Note]) {
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

/// The decisions of ``ExportScope`` for single entities, from sets a store reads once (the local
/// library and the sync server each read them their own way; the rules are these, once).
public struct ExportFilter: Sendable {
    public let scope: ExportScope
    /// Deleted articles and highlights that live annotations still point to: exported (marked
    /// deleted) even without `includeDeleted`, so that every reference in the file holds and an
    /// import shows what `gloss list` showed.
    let referencedTombstones: Set<String>
    let taggedArticles: Set<String>
    let taggedHighlights: Set<String>
    let taggedNotes: Set<String>
    /// Articles that some tagged annotation sits on.
    let articlesOfTagged: Set<String>

    public init(
        _ scope: ExportScope, referencedTombstones: Set<String>, taggedArticles: Set<String> = [], taggedHighlights: Set<String> = [],
        taggedNotes: Set<String> = [], articlesOfTagged: Set<String> = []
    ) {
        self.scope = scope
        self.referencedTombstones = referencedTombstones
        self.taggedArticles = taggedArticles
        self.taggedHighlights = taggedHighlights
        self.taggedNotes = taggedNotes
        self.articlesOfTagged = articlesOfTagged
    }

    public func includes(_ article: Article) -> Bool {
        guard scope.includeDeleted || !article.deleted || referencedTombstones.contains(article.id.description) else { return false }
        if let only = scope.article, only != article.id { return false }
        guard scope.tag != nil else { return true }
        return taggedArticles.contains(article.id.description) || articlesOfTagged.contains(article.id.description)
    }

    /// Whether an article comes with its annotations in scope (`annotated`: some are): when it
    /// is in scope itself, or when annotations in scope sit on it and it is not deleted.
    public func includes(_ article: Article, annotated: Bool) -> Bool {
        includes(article) || (annotated && !article.deleted)
    }

    public func includes(_ highlight: Highlight) -> Bool {
        guard scope.includeDeleted || !highlight.deleted || referencedTombstones.contains(highlight.id.description) else { return false }
        if let only = scope.article, only != highlight.articleId { return false }
        guard scope.tag != nil else { return true }
        return taggedHighlights.contains(highlight.id.description) || taggedArticles.contains(highlight.articleId.description)
    }

    public func includes(_ note: Note) -> Bool {
        guard scope.includeDeleted || !note.deleted else { return false }
        if let only = scope.article, only != note.articleId { return false }
        guard scope.tag != nil else { return true }
        return taggedNotes.contains(note.id.description)
            || note.articleId.map { taggedArticles.contains($0.description) } == true
            || note.highlightId.map { taggedHighlights.contains($0.description) } == true
    }
}

import Foundation
import GRDB
import GlossModel

/// The document an annotation from another tool was made on.
public struct ExternalDocument: Sendable, Hashable {
    public var url: String?
    /// A gloss article named by ID (`urn:gloss:article:ID` in W3C exports).
    public var articleID: ID<Article>?
    public var title: String?
    public var author: String?

    public init(url: String? = nil, articleID: ID<Article>? = nil, title: String? = nil, author: String? = nil) {
        self.url = url
        self.articleID = articleID
        self.title = title
        self.author = author
    }

    /// What identifies a placeholder for this document: its URL, else its title and author.
    var placeholderKey: String? {
        if let url, !url.isEmpty { return "url:" + url }
        if let articleID { return "article:" + articleID.description }
        if let title, !title.isEmpty { return "title:" + title + "\n" + (author ?? "") }
        return nil
    }
}

/// A quote selector from another tool (W3C `TextQuoteSelector`, with the position if known).
public struct ExternalQuote: Sendable, Hashable {
    public var exact: String
    public var prefix: String
    public var suffix: String
    public var start: Int?
    public var end: Int?

    public init(exact: String, prefix: String = "", suffix: String = "", start: Int? = nil, end: Int? = nil) {
        self.exact = exact
        self.prefix = prefix
        self.suffix = suffix
        self.start = start
        self.end = end
    }
}

/// One annotation read from another tool's file: a highlight (with a quote), a note, or both.
public struct ExternalAnnotation: Sendable {
    /// Unique within its source (such as `hypothesis:ID`); the gloss IDs derive from it, so
    /// importing the same file again finds what the first import made.
    public var key: String
    /// Nil for a standalone note.
    public var document: ExternalDocument?
    public var quote: ExternalQuote?
    public var note: String?
    public var tags: [String]
    public var color: String?
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    /// The key of the annotation this one answers (a Hypothesis reply): its note joins that highlight.
    public var replyTo: String?
    /// IDs to keep when the source has gloss's own (a W3C export's `urn:uuid:` annotation IDs);
    /// otherwise the IDs derive from `key`.
    public var highlightID: ID<Highlight>?
    public var noteID: ID<Note>?

    public init(
        key: String, document: ExternalDocument?, quote: ExternalQuote? = nil, note: String? = nil, tags: [String] = [],
        color: String? = nil, createdAt: Timestamp? = nil, updatedAt: Timestamp? = nil, replyTo: String? = nil
    ) {
        self.key = key
        self.document = document
        self.quote = quote
        self.note = note
        self.tags = tags
        self.color = color
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.replyTo = replyTo
    }
}

/// What an import did.
public struct ImportReport: Codable, Sendable, Equatable {
    public var articles = 0
    public var placeholders = 0
    public var highlights = 0
    public var notes = 0
    /// Entities the library already had (a second import of the same file adds nothing).
    public var unchanged = 0
    /// Highlights placed on an article of the library, by how they anchored.
    public var exact = 0
    public var fuzzy = 0
    public var orphaned = 0
    public init() {}
}

extension Article {
    /// The `contentHash` prefix that marks a placeholder article: one made by `gloss import` for
    /// annotations whose document is not in the library. Its text holds their quotes.
    public static let placeholderMark = "placeholder:"

    public var isPlaceholder: Bool { contentHash.hasPrefix(Self.placeholderMark) }

    /// The ID of the placeholder for a document key: the same on every machine and every import.
    static func placeholderID(key: String) -> ID<Article> {
        ID.nameBased("placeholder\n" + key)
    }
}

extension ID {
    /// The ID of an entity imported from another tool, derived from its key there.
    static func imported(_ kind: EntityKind, key: String) -> Self {
        nameBased("import\n\(kind.rawValue)\n" + key)
    }
}

/// Splits quotes in a placeholder's text.
let placeholderSeparator = "\n\n"

extension Library {
    /// Adds annotations from another tool in one transaction (all or nothing).
    ///
    /// Each annotation lands on the article it names (by gloss ID, URL, or title and author);
    /// one whose document is not in the library becomes a highlight of a placeholder article
    /// that carries the quotes, and re-anchors when the document is imported (`gloss add`).
    /// Entities that an earlier import made are left as they are.
    public func importAnnotations(_ annotations: [ExternalAnnotation]) throws -> ImportReport {
        var report = ImportReport()
        try write { t in
            // Parents before replies, so a reply finds the highlight it answers.
            let ordered = annotations.filter { $0.replyTo == nil } + annotations.filter { $0.replyTo != nil }
            var highlightOf: [String: ID<Highlight>] = [:]
            var articleOf: [String: ID<Article>] = [:]
            for item in ordered {
                let at = item.createdAt ?? Timestamp.now()
                var article: ID<Article>? = nil
                var highlight: ID<Highlight>? = nil
                if let parent = item.replyTo, let parentHighlight = highlightOf[parent] {
                    highlight = parentHighlight
                    article = articleOf[parent]
                } else if let document = item.document {
                    article = try t.articleFor(document, at: at, report: &report)
                }
                if let quote = item.quote, let articleID = article {
                    let id = item.highlightID ?? ID<Highlight>.imported(.highlight, key: item.key)
                    if try t.record(.highlight, id.description) != nil {
                        report.unchanged += 1
                    } else {
                        try t.addImportedHighlight(id, quote: quote, on: articleID, item: item, at: at, report: &report)
                        report.highlights += 1
                    }
                    highlight = id
                }
                highlightOf[item.key] = highlight
                articleOf[item.key] = article
                guard let body = item.note, !body.allSatisfy(\.isWhitespace) else { continue }
                let noteID = item.noteID ?? ID<Note>.imported(.note, key: item.key)
                if try t.record(.note, noteID.description) != nil {
                    report.unchanged += 1
                    continue
                }
                let fields: [String: JSONValue] = [
                    "body": .string(body), "articleId": article.map { .string($0.description) } ?? .null,
                    "highlightId": highlight.map { .string($0.description) } ?? .null,
                ]
                // Tags go on the highlight when there is one, else on the note.
                let tags = item.quote == nil ? item.tags : []
                var change = t.makeChange(.note, noteID.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                                          tags: Dictionary(tags.map { ($0, true) }, uniquingKeysWith: { a, _ in a }))
                change.at = at
                try t.apply(change)
                try t.touch(.note, noteID.uuid, at: item.updatedAt, after: at)
                report.notes += 1
            }
        }
        return report
    }
}

extension WriteTransaction {
    /// The article an annotation's document names, or its placeholder (made if missing).
    func articleFor(_ document: ExternalDocument, at: Timestamp, report: inout ImportReport) throws -> ID<Article>? {
        if let id = document.articleID, try record(.article, id.description) != nil { return id }
        if let url = document.url, !url.isEmpty,
           let id = try String.fetchOne(db, sql: """
               SELECT id FROM articles WHERE url = ? AND deleted = 0 ORDER BY content_hash LIKE 'placeholder:%', created_at, id LIMIT 1
               """, arguments: [url]) {
            return ID(id)
        }
        if document.url == nil, let title = document.title, !title.isEmpty,
           let id = try String.fetchOne(db, sql: """
               SELECT id FROM articles WHERE title = ? AND (author IS ? OR ? IS NULL) AND deleted = 0
               ORDER BY content_hash LIKE 'placeholder:%', created_at, id LIMIT 1
               """, arguments: [title, document.author, document.author]) {
            return ID(id)
        }
        guard let key = document.placeholderKey else { return nil }
        let id = Article.placeholderID(key: key)
        if let existing = try record(.article, id.description) {
            if existing.deleted {
                try apply(makeChange(.article, id.uuid, .restore, fields: ["deleted": FieldChange(old: .bool(true), new: .bool(false))]))
            }
            return id
        }
        let fields: [String: JSONValue] = [
            "title": .string(document.title ?? document.url ?? "Imported annotations"),
            "url": document.url.map(JSONValue.string) ?? .null, "author": document.author.map(JSONValue.string) ?? .null,
            "publishedAt": .null, "text": .string(""), "contentHash": .string(Article.placeholderMark + sha256Hex(key)),
        ]
        var change = makeChange(.article, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) })
        change.at = at
        try apply(change)
        report.placeholders += 1
        return id
    }

    /// A highlight from another tool: anchored in a real article's text, or appended to a
    /// placeholder's text with its original context kept for re-anchoring later.
    func addImportedHighlight(_ id: ID<Highlight>, quote: ExternalQuote, on article: ID<Article>, item: ExternalAnnotation,
                              at: Timestamp, report: inout ImportReport) throws {
        guard let articleRecord = try record(.article, article.description) else { throw LibraryError.notFound(article.description) }
        let text = articleRecord.string("text") ?? ""
        let selector: TextSelector
        var anchor = AnchorStatus.exact
        var score: Double? = nil
        if (articleRecord.string("contentHash") ?? "").hasPrefix(Article.placeholderMark) {
            let joined = text.isEmpty ? quote.exact : text + placeholderSeparator + quote.exact
            try apply(makeChange(.article, article.uuid, .update, fields: ["text": FieldChange(old: .string(text), new: .string(joined))]))
            let articleText = ArticleText(joined)
            let end = articleText.count
            let start = end - quote.exact.unicodeScalars.count
            selector = TextSelector(exact: quote.exact, prefix: quote.prefix, suffix: quote.suffix, start: start, end: end,
                                    utf16Start: articleText.utf16Offset(ofScalar: start), utf16End: articleText.utf16Offset(ofScalar: end))
        } else {
            let articleText = ArticleText(text)
            let given = TextSelector(exact: quote.exact, prefix: quote.prefix, suffix: quote.suffix,
                                     start: quote.start ?? 0, end: quote.end ?? 0, utf16Start: 0, utf16End: 0)
            let result = Anchoring.reanchor(given, in: articleText)
            anchor = result.status
            if let found = result.selector {
                selector = found
                if result.status == .fuzzy { score = result.score }
            } else {
                // An orphan keeps the quote it came with, at the start of the article.
                selector = TextSelector(exact: quote.exact, prefix: quote.prefix, suffix: quote.suffix, start: 0, end: 0, utf16Start: 0, utf16End: 0)
                score = result.score
            }
            switch anchor {
            case .exact: report.exact += 1
            case .fuzzy: report.fuzzy += 1
            case .orphaned: report.orphaned += 1
            }
        }
        let fields: [String: JSONValue] = [
            "articleId": .string(article.description), "exact": .string(selector.exact), "prefix": .string(selector.prefix),
            "suffix": .string(selector.suffix), "start": .int(Int64(selector.start)), "end": .int(Int64(selector.end)),
            "utf16Start": .int(Int64(selector.utf16Start)), "utf16End": .int(Int64(selector.utf16End)),
            "color": .string(item.color ?? Highlight.defaultColor), "anchor": .string(anchor.rawValue),
            "anchorScore": score.map(JSONValue.double) ?? .null,
        ]
        var change = makeChange(.highlight, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                                tags: Dictionary(item.tags.map { ($0, true) }, uniquingKeysWith: { a, _ in a }))
        change.at = at
        try apply(change)
        try touch(.highlight, id.uuid, at: item.updatedAt, after: at)
    }

    /// Records a later modification time than the creation (imports keep both dates).
    func touch(_ kind: EntityKind, _ id: UUID, at updated: Timestamp?, after created: Timestamp) throws {
        guard let updated, updated > created else { return }
        var change = makeChange(kind, id, .update)
        change.at = updated
        try apply(change)
    }
}

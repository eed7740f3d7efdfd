import Foundation
import GRDB
import GlossModel

/// What importing one document did.
public struct ArticleImport: Sendable {
    public var article: Article
    /// False when an article with the same text was already in the library.
    public var created: Bool
    /// Highlights moved here from a placeholder article of the same document (`gloss import`).
    public var adopted: Int = 0
}

extension Library {
    /// Imports normalized text as an article, or finds the article that already has this text.
    ///
    /// The ID is derived from the content hash, so the same text imported on two machines is one
    /// article after sync. Re-importing a deleted article restores it.
    public func importArticle(
        text: String, title: String?, url: String? = nil, author: String? = nil, publishedAt: Timestamp? = nil, tags: [String] = []
    ) throws -> ArticleImport {
        guard !text.allSatisfy(\.isWhitespace) else { throw LibraryError.invalid("The article holds no text.") }
        let hash = Normalization.contentHash(text)
        let id = Article.id(contentHash: hash)
        let (created, adopted) = try write { t -> (Bool, Int) in
            if let existing = try t.record(.article, id.description) {
                if existing.deleted {
                    try t.apply(t.makeChange(.article, id.uuid, .restore, fields: ["deleted": FieldChange(old: .bool(true), new: .bool(false))]))
                }
                let newTags = tags.filter { existing.tags[$0]?.present != true }
                if !newTags.isEmpty {
                    try t.apply(t.makeChange(.article, id.uuid, .tag, tags: Dictionary(uniqueKeysWithValues: newTags.map { ($0, true) })))
                }
                return (false, 0)
            }
            let fields: [String: JSONValue] = [
                "title": .string(title ?? "Untitled"), "url": url.map(JSONValue.string) ?? .null,
                "author": author.map(JSONValue.string) ?? .null, "publishedAt": publishedAt.map { .string($0.description) } ?? .null,
                "text": .string(text), "contentHash": .string(hash),
            ]
            try t.apply(t.makeChange(
                .article, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                tags: Dictionary(uniqueKeysWithValues: tags.map { ($0, true) })
            ))
            let adopted = try t.adoptPlaceholders(into: id, text: text, url: url, title: title ?? "Untitled", author: author)
            return (true, adopted)
        }
        guard let article = try article(id) else { throw LibraryError.notFound(id.description) }
        return ArticleImport(article: article, created: created, adopted: adopted)
    }

    /// Changes an article's title, URL or author (nil leaves a field as it is).
    public func editArticle(_ id: ID<Article>, title: String? = nil, url: String? = nil, author: String? = nil) throws -> Article {
        try write { t in
            guard let record = try t.record(.article, id.description) else { throw LibraryError.notFound(id.description) }
            guard !record.deleted else { throw LibraryError.deleted(id.description) }
            var fields: [String: FieldChange] = [:]
            for (name, value) in [("title", title), ("url", url), ("author", author)] {
                guard let value else { continue }
                let new: JSONValue = value.isEmpty && name != "title" ? .null : .string(value)
                if record.fields[name] != new { fields[name] = FieldChange(old: record.fields[name] ?? .null, new: new) }
            }
            if !fields.isEmpty { try t.apply(t.makeChange(.article, id.uuid, .update, fields: fields)) }
        }
        guard let article = try article(id) else { throw LibraryError.notFound(id.description) }
        return article
    }
}

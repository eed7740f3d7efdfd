import Foundation
import GRDB
import GlossModel

extension Library {
    /// Highlights `selector` in an article.
    public func addHighlight(
        article: ID<Article>, selector: TextSelector, color: String = Highlight.defaultColor, tags: [String] = []
    ) throws -> Highlight {
        let id = ID<Highlight>.timeOrdered()
        try write { t in
            guard let record = try t.record(.article, article.description) else { throw LibraryError.notFound(article.description) }
            guard !record.deleted else { throw LibraryError.deleted(article.description) }
            let fields: [String: JSONValue] = [
                "articleId": .string(article.description), "exact": .string(selector.exact), "prefix": .string(selector.prefix),
                "suffix": .string(selector.suffix), "start": .int(Int64(selector.start)), "end": .int(Int64(selector.end)),
                "utf16Start": .int(Int64(selector.utf16Start)), "utf16End": .int(Int64(selector.utf16End)),
                "color": .string(color), "anchor": .string(AnchorStatus.exact.rawValue), "anchorScore": .null,
            ]
            try t.apply(t.makeChange(
                .highlight, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                tags: Dictionary(uniqueKeysWithValues: tags.map { ($0, true) })
            ))
        }
        guard let highlight = try highlight(id) else { throw LibraryError.notFound(id.description) }
        return highlight
    }

    /// Writes a note: on a highlight, on an article, or standalone (both nil).
    public func addNote(body: String, article: ID<Article>? = nil, highlight: ID<Highlight>? = nil, tags: [String] = []) throws -> Note {
        guard !body.allSatisfy(\.isWhitespace) else { throw LibraryError.invalid("A note needs some text.") }
        let id = ID<Note>.timeOrdered()
        try write { t in
            var articleId = article
            if let highlight {
                guard let record = try t.record(.highlight, highlight.description) else { throw LibraryError.notFound(highlight.description) }
                guard !record.deleted else { throw LibraryError.deleted(highlight.description) }
                articleId = record.string("articleId").flatMap { ID($0) }
            } else if let article {
                guard let record = try t.record(.article, article.description) else { throw LibraryError.notFound(article.description) }
                guard !record.deleted else { throw LibraryError.deleted(article.description) }
            }
            let fields: [String: JSONValue] = [
                "body": .string(body), "articleId": articleId.map { .string($0.description) } ?? .null,
                "highlightId": highlight.map { .string($0.description) } ?? .null,
            ]
            try t.apply(t.makeChange(
                .note, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                tags: Dictionary(uniqueKeysWithValues: tags.map { ($0, true) })
            ))
        }
        guard let note = try note(id) else { throw LibraryError.notFound(id.description) }
        return note
    }

    /// Replaces a note's body. The change records the body it started from, so that sync can
    /// merge it with a concurrent edit.
    public func editNote(_ id: ID<Note>, body: String) throws -> Note {
        guard !body.allSatisfy(\.isWhitespace) else { throw LibraryError.invalid("A note needs some text; use `gloss rm` to delete it.") }
        try write { t in
            guard let record = try t.record(.note, id.description) else { throw LibraryError.notFound(id.description) }
            guard !record.deleted else { throw LibraryError.deleted(id.description) }
            let old = record.fields["body"] ?? .null
            guard old != .string(body) else { return }
            try t.apply(t.makeChange(
                .note, id.uuid, .update, fields: ["body": FieldChange(old: old, new: .string(body))], base: record.stamps["body"]
            ))
        }
        guard let note = try note(id) else { throw LibraryError.notFound(id.description) }
        return note
    }

    /// Changes a highlight's colour.
    public func editHighlight(_ id: ID<Highlight>, color: String) throws -> Highlight {
        try write { t in
            guard let record = try t.record(.highlight, id.description) else { throw LibraryError.notFound(id.description) }
            guard !record.deleted else { throw LibraryError.deleted(id.description) }
            let old = record.fields["color"] ?? .null
            guard old != .string(color) else { return }
            try t.apply(t.makeChange(.highlight, id.uuid, .update, fields: ["color": FieldChange(old: old, new: .string(color))]))
        }
        guard let highlight = try highlight(id) else { throw LibraryError.notFound(id.description) }
        return highlight
    }

    /// Adds (`present: true`) or removes tags on any entity.
    public func setTags(_ ref: EntityRef, _ tags: [String], present: Bool) throws {
        try write { t in
            guard let record = try t.record(ref.kind, ref.id) else { throw LibraryError.notFound(ref.id) }
            guard !record.deleted else { throw LibraryError.deleted(ref.id) }
            let changing = tags.filter { (record.tags[$0]?.present ?? false) != present }
            guard !changing.isEmpty else { return }
            try t.apply(t.makeChange(
                ref.kind, record.id, present ? .tag : .untag, tags: Dictionary(changing.map { ($0, present) }, uniquingKeysWith: { a, _ in a })
            ))
        }
    }

    /// Deletes (`deleted: true`, a tombstone) or restores an entity.
    public func setDeleted(_ ref: EntityRef, _ deleted: Bool) throws {
        try write { t in
            guard let record = try t.record(ref.kind, ref.id) else { throw LibraryError.notFound(ref.id) }
            if record.deleted == deleted { throw deleted ? LibraryError.deleted(ref.id) : LibraryError.notDeleted(ref.id) }
            try t.apply(t.makeChange(
                ref.kind, record.id, deleted ? .delete : .restore,
                fields: ["deleted": FieldChange(old: .bool(!deleted), new: .bool(deleted))]
            ))
        }
    }

    /// Resolves a note's conflict versions: the body becomes `body` and every listed version is cleared.
    public func resolveConflicts(_ id: ID<Note>, body: String) throws -> Note {
        try write { t in
            guard let record = try t.record(.note, id.description) else { throw LibraryError.notFound(id.description) }
            guard !record.conflicts.isEmpty else { throw LibraryError.invalid("The note \(id) has no conflicts to resolve.") }
            let old = record.fields["body"] ?? .null
            var fields: [String: FieldChange] = [:]
            if old != .string(body) { fields["body"] = FieldChange(old: old, new: .string(body)) }
            try t.apply(t.makeChange(
                .note, id.uuid, .resolve, fields: fields, base: record.stamps["body"], resolves: record.conflicts.map(\.stamp)
            ))
        }
        guard let note = try note(id) else { throw LibraryError.notFound(id.description) }
        return note
    }
}

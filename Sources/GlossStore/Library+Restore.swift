import Foundation
import GRDB
import GlossModel

extension Library {
    /// Brings back entities from a gloss JSON export, with their IDs, dates, tags, colours and
    /// anchors, in one transaction. Entities the library already has are left as they are, so
    /// importing the same export twice changes nothing the second time.
    ///
    /// Each entity becomes a `create` change dated with its `createdAt` (and an `update` dated
    /// with its `updatedAt`, or a `delete` for a tombstone), so the import syncs like any edit.
    /// A note's unresolved conflict versions come back as conflict versions through the merge
    /// function (with new stamps: the import is a new write; docs/formats.md).
    public func restore(articles: [Article], highlights: [Highlight], notes: [Note]) throws -> ImportReport {
        var report = ImportReport()
        try write { t in
            try t.db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            for article in articles {
                let fields: [String: JSONValue] = [
                    "title": .string(article.title), "url": article.url.map(JSONValue.string) ?? .null,
                    "author": article.author.map(JSONValue.string) ?? .null,
                    "publishedAt": article.publishedAt.map { .string($0.description) } ?? .null,
                    "text": .string(article.text), "contentHash": .string(article.contentHash),
                ]
                if try t.restore(.article, article.id.uuid, fields, article.tags, article.createdAt, article.updatedAt, article.deleted) {
                    if article.isPlaceholder { report.placeholders += 1 } else { report.articles += 1 }
                } else {
                    report.unchanged += 1
                }
            }
            for highlight in highlights {
                let fields: [String: JSONValue] = [
                    "articleId": .string(highlight.articleId.description), "exact": .string(highlight.exact),
                    "prefix": .string(highlight.prefix), "suffix": .string(highlight.suffix),
                    "start": .int(Int64(highlight.start)), "end": .int(Int64(highlight.end)),
                    "utf16Start": .int(Int64(highlight.utf16Start)), "utf16End": .int(Int64(highlight.utf16End)),
                    "color": .string(highlight.color), "anchor": .string(highlight.anchor.rawValue),
                    "anchorScore": highlight.anchorScore.map(JSONValue.double) ?? .null,
                ]
                if try t.restore(.highlight, highlight.id.uuid, fields, highlight.tags, highlight.createdAt, highlight.updatedAt, highlight.deleted) {
                    report.highlights += 1
                } else {
                    report.unchanged += 1
                }
            }
            for note in notes {
                let fields: [String: JSONValue] = [
                    "body": .string(note.body), "articleId": note.articleId.map { .string($0.description) } ?? .null,
                    "highlightId": note.highlightId.map { .string($0.description) } ?? .null,
                ]
                if try t.restore(.note, note.id.uuid, fields, note.tags, note.createdAt, note.updatedAt, note.deleted, conflicts: note.conflicts) {
                    report.notes += 1
                } else {
                    report.unchanged += 1
                }
            }
            // Every highlight and note must sit on something that exists after the import.
            let dangling = try String.fetchOne(t.db, sql: """
                SELECT 'highlight ' || id || ' names the article ' || article_id FROM highlights
                  WHERE article_id NOT IN (SELECT id FROM articles)
                UNION ALL SELECT 'note ' || id || ' names the article ' || article_id FROM notes
                  WHERE article_id IS NOT NULL AND article_id NOT IN (SELECT id FROM articles)
                UNION ALL SELECT 'note ' || id || ' names the highlight ' || highlight_id FROM notes
                  WHERE highlight_id IS NOT NULL AND highlight_id NOT IN (SELECT id FROM highlights)
                LIMIT 1
                """)
            if let dangling { throw LibraryError.invalid("The file's \(dangling), which is neither in the file nor in the library.") }
        }
        return report
    }
}

extension WriteTransaction {
    /// Creates one entity as it was exported; false when the library already has it.
    func restore(_ kind: EntityKind, _ id: UUID, _ fields: [String: JSONValue], _ tags: [String],
                 _ created: Timestamp, _ updated: Timestamp, _ deleted: Bool, conflicts: [ConflictVersion] = []) throws -> Bool {
        guard try record(kind, id.lowercaseText) == nil else { return false }
        // With conflict versions, the note is created with the oldest version's body, and each
        // later version (the current body last) is written as an edit concurrent with it, which
        // the merge function keeps as a conflict version.
        let bodies = conflicts.map(\.body) + [fields["body"]?.stringValue ?? ""]
        var createFields = fields
        if !conflicts.isEmpty { createFields["body"] = .string(bodies[0]) }
        var create = makeChange(kind, id, .create, fields: createFields.mapValues { FieldChange(new: $0) },
                                tags: Dictionary(tags.map { ($0, true) }, uniquingKeysWith: { a, _ in a }))
        create.at = created
        try apply(create)
        for body in bodies.dropFirst() {
            var edit = makeChange(kind, id, .update, fields: ["body": FieldChange(old: .string(""), new: .string(body))],
                                  base: Stamp(clock: .zero, device: device))
            edit.at = created
            try apply(edit)
        }
        if deleted {
            var delete = makeChange(kind, id, .delete, fields: ["deleted": FieldChange(old: .bool(false), new: .bool(true))])
            delete.at = updated
            try apply(delete)
        } else {
            try touch(kind, id, at: updated, after: created)
        }
        return true
    }
}

extension WriteTransaction {
    /// Moves the highlights and notes of placeholder articles for the same document (same URL,
    /// or same title and author when neither has a URL) onto a newly imported article,
    /// re-anchoring each highlight in its text, then deletes the placeholders. Returns how many
    /// highlights moved.
    func adoptPlaceholders(into article: ID<Article>, text: String, url: String?, title: String, author: String?) throws -> Int {
        let placeholders = try String.fetchAll(db, sql: """
            SELECT id FROM articles WHERE content_hash LIKE 'placeholder:%' AND deleted = 0 AND id != ?
              AND ((? IS NOT NULL AND url = ?) OR (? IS NULL AND url IS NULL AND title = ? AND author IS ?))
            """, arguments: [article.description, url, url, url, title, author])
        guard !placeholders.isEmpty else { return 0 }
        let articleText = ArticleText(text)
        var moved = 0
        for placeholder in placeholders {
            for id in try String.fetchAll(db, sql: "SELECT id FROM highlights WHERE article_id = ?", arguments: [placeholder]) {
                guard let record = try record(.highlight, id), let uuid = UUID(hexText: id) else { continue }
                let old = TextSelector(
                    exact: record.string("exact") ?? "", prefix: record.string("prefix") ?? "", suffix: record.string("suffix") ?? "",
                    start: 0, end: 0, utf16Start: 0, utf16End: 0
                )
                let result = Anchoring.reanchor(old, in: articleText)
                let selector = result.selector ?? TextSelector(exact: old.exact, prefix: old.prefix, suffix: old.suffix, start: 0, end: 0, utf16Start: 0, utf16End: 0)
                let new: [String: JSONValue] = [
                    "articleId": .string(article.description), "exact": .string(selector.exact), "prefix": .string(selector.prefix),
                    "suffix": .string(selector.suffix), "start": .int(Int64(selector.start)), "end": .int(Int64(selector.end)),
                    "utf16Start": .int(Int64(selector.utf16Start)), "utf16End": .int(Int64(selector.utf16End)),
                    "anchor": .string(result.status.rawValue), "anchorScore": result.status == .exact ? .null : .double(result.score),
                ]
                var fields: [String: FieldChange] = [:]
                for (name, value) in new where record.fields[name] != value {
                    fields[name] = FieldChange(old: record.fields[name] ?? .null, new: value)
                }
                try apply(makeChange(.highlight, uuid, .update, fields: fields))
                moved += 1
            }
            for id in try String.fetchAll(db, sql: "SELECT id FROM notes WHERE article_id = ?", arguments: [placeholder]) {
                guard let uuid = UUID(hexText: id) else { continue }
                try apply(makeChange(.note, uuid, .update, fields: ["articleId": FieldChange(old: .string(placeholder), new: .string(article.description))]))
            }
            guard let uuid = UUID(hexText: placeholder) else { continue }
            try apply(makeChange(.article, uuid, .delete, fields: ["deleted": FieldChange(old: .bool(false), new: .bool(true))]))
        }
        return moved
    }
}

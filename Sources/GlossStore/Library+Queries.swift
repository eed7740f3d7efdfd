import Foundation
import GRDB
import GlossModel

extension Library {
    /// Resolves a full ID or a unique prefix of at least 4 characters to an entity.
    public func resolve(_ text: String) throws -> EntityRef {
        let prefix = text.lowercased()
        guard prefix.count >= 4 else { throw LibraryError.shortID(text) }
        guard prefix.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw LibraryError.notFound(text) }
        let found = try read { db -> [EntityRef] in
            var refs: [EntityRef] = []
            for kind in EntityKind.allCases {
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM \(RecordStore.table(kind)) WHERE id >= ? AND id < ? LIMIT 10",
                    arguments: [prefix, prefix + "~"]
                )
                refs += ids.map { EntityRef(kind: kind, id: $0) }
            }
            return refs
        }
        if found.count == 1 { return found[0] }
        if found.isEmpty { throw LibraryError.notFound(text) }
        throw LibraryError.ambiguousID(prefix: text, candidates: found.map { "\($0.kind.rawValue) \($0.id)" })
    }

    /// Resolves an ID that must name an entity of `kind`.
    public func resolve(_ text: String, as kind: EntityKind) throws -> EntityRef {
        let ref = try resolve(text)
        guard ref.kind == kind else { throw LibraryError.wrongKind(id: text, expected: kind.rawValue, actual: ref.kind.rawValue) }
        return ref
    }

    public func article(_ id: ID<Article>) throws -> Article? {
        try read { db in try Row.fetchOne(db, sql: Self.articleSQL + " WHERE a.id = ?", arguments: [id.description]).map(Self.article) }
    }

    public func highlight(_ id: ID<Highlight>) throws -> Highlight? {
        try read { db in try Row.fetchOne(db, sql: Self.highlightSQL + " WHERE h.id = ?", arguments: [id.description]).map(Self.highlight) }
    }

    public func note(_ id: ID<Note>) throws -> Note? {
        try read { db in try Row.fetchOne(db, sql: Self.noteSQL + " WHERE n.id = ?", arguments: [id.description]).map(Self.note) }
    }

    /// Live articles, newest first, with their live highlight and note counts.
    public func articles(tag: String? = nil) throws -> [ArticleListing] {
        try read { db in
            var sql = """
                SELECT \(Self.articleColumns),
                  (SELECT count(*) FROM highlights h WHERE h.article_id = a.id AND h.deleted = 0) AS highlight_count,
                  (SELECT count(*) FROM notes n WHERE n.article_id = a.id AND n.deleted = 0) AS note_count
                FROM articles a WHERE a.deleted = 0
                """
            var arguments: StatementArguments = []
            if let tag {
                sql += " AND a.id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)"
                arguments += [tag]
            }
            sql += " ORDER BY a.created_at DESC, a.id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                ArticleListing(article: Self.article($0), highlightCount: $0[11], noteCount: $0[12])
            }
        }
    }

    /// The highlights of one article (live ones), in reading order.
    public func highlights(of article: ID<Article>) throws -> [Highlight] {
        try read { db in
            try Row.fetchAll(db, sql: Self.highlightSQL + " WHERE h.article_id = ? AND h.deleted = 0 ORDER BY h.start, h.\"end\"",
                             arguments: [article.description]).map(Self.highlight)
        }
    }

    /// Live notes of an article or a highlight, oldest first.
    public func notes(article: ID<Article>? = nil, highlight: ID<Highlight>? = nil) throws -> [Note] {
        try read { db in
            if let highlight {
                return try Row.fetchAll(db, sql: Self.noteSQL + " WHERE n.highlight_id = ? AND n.deleted = 0 ORDER BY n.created_at",
                                        arguments: [highlight.description]).map(Self.note)
            }
            return try Row.fetchAll(db, sql: Self.noteSQL + " WHERE n.article_id = ? AND n.deleted = 0 ORDER BY n.created_at",
                                    arguments: [article?.description]).map(Self.note)
        }
    }

    /// Highlights (each with its notes) and notes not on a highlight, newest first.
    public func annotations(article: ID<Article>? = nil, tag: String? = nil, since: Timestamp? = nil) throws -> [Annotation] {
        try read { db in
            var filters = ["deleted = 0"]
            var arguments: StatementArguments = []
            if let article { filters.append("article_id = ?"); arguments += [article.description] }
            if let since { filters.append("created_at >= ?"); arguments += [since.description] }
            if let tag { filters.append("id IN (SELECT entity_id FROM tags WHERE tag = ? AND present = 1)"); arguments += [tag] }
            func clause(_ alias: String) -> String {
                " WHERE " + filters.map { "\(alias).\($0)" }.joined(separator: " AND ") + " ORDER BY \(alias).created_at DESC, \(alias).id DESC"
            }

            var notesByHighlight: [String: [Note]] = [:]
            var standalone: [Note] = []
            let noteRows = try Row.fetchCursor(db, sql: Self.noteSQL + clause("n"), arguments: arguments)
            while let row = try noteRows.next() {
                let note = Self.note(row)
                if let highlight = note.highlightId { notesByHighlight[highlight.description, default: []].append(note) }
                else { standalone.append(note) }
            }
            var result: [Annotation] = []
            let highlightRows = try Row.fetchCursor(db, sql: Self.highlightSQL + clause("h"), arguments: arguments)
            var highlights: [Highlight] = []
            while let row = try highlightRows.next() { highlights.append(Self.highlight(row)) }
            // Merge the two newest-first lists.
            var i = 0, j = 0
            result.reserveCapacity(highlights.count + standalone.count)
            while i < highlights.count || j < standalone.count {
                if j == standalone.count || (i < highlights.count && (highlights[i].createdAt, highlights[i].id.description) >= (standalone[j].createdAt, standalone[j].id.description)) {
                    let h = highlights[i]
                    result.append(.highlight(h, notes: (notesByHighlight[h.id.description] ?? []).reversed()))
                    i += 1
                } else {
                    result.append(.note(standalone[j]))
                    j += 1
                }
            }
            return result
        }
    }

    // MARK: Row mapping

    static func tagsColumn(_ alias: String) -> String {
        "(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM tags WHERE entity_id = \(alias).id AND present = 1 ORDER BY tag)) AS tag_list"
    }
    static let articleColumns = "a.id, a.title, a.url, a.author, a.published_at, a.text, a.content_hash, a.created_at, a.updated_at, a.deleted, \(tagsColumn("a"))"
    static let articleSQL = "SELECT \(articleColumns) FROM articles a"
    static let highlightSQL = "SELECT h.id, h.article_id, h.exact, h.prefix, h.suffix, h.start, h.\"end\", h.utf16_start, h.utf16_end, h.color, h.anchor, h.anchor_score, h.created_at, h.updated_at, h.deleted, \(tagsColumn("h")) FROM highlights h"
    static let noteSQL = "SELECT n.id, n.body, n.article_id, n.highlight_id, n.conflicts, n.created_at, n.updated_at, n.deleted, \(tagsColumn("n")) FROM notes n"

    static func tags(_ row: Row, _ index: Int) -> [String] {
        guard let list = row[index] as String? else { return [] }
        return list.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
    }

    static func timestamp(_ row: Row, _ index: Int) -> Timestamp {
        Timestamp(row[index] as String? ?? "") ?? Timestamp(milliseconds: 0)
    }

    /// IDs read back from the library were validated when written.
    static func id<T>(_ row: Row, _ index: Int) -> ID<T> {
        ID(row[index] as String? ?? "") ?? ID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
    }

    // Rows are read by column position, in the order of the SELECT lists above.
    static func article(_ row: Row) -> Article {
        Article(
            id: id(row, 0), title: row[1], url: row[2], author: row[3], publishedAt: (row[4] as String?).flatMap { Timestamp($0) },
            text: row[5], contentHash: row[6], tags: tags(row, 10), createdAt: timestamp(row, 7), updatedAt: timestamp(row, 8),
            deleted: row[9]
        )
    }

    static func highlight(_ row: Row) -> Highlight {
        Highlight(
            id: id(row, 0), articleId: id(row, 1),
            selector: TextSelector(
                exact: row[2], prefix: row[3], suffix: row[4], start: row[5], end: row[6], utf16Start: row[7], utf16End: row[8]
            ),
            color: row[9], tags: tags(row, 15), anchor: AnchorStatus(rawValue: row[10]) ?? .orphaned,
            anchorScore: row[11], createdAt: timestamp(row, 12), updatedAt: timestamp(row, 13), deleted: row[14]
        )
    }

    static func note(_ row: Row) -> Note {
        let conflictsJSON = row[4] as String? ?? "[]"
        let conflicts = conflictsJSON == "[]" ? [] : (try? JSONDecoder().decode([ConflictVersion].self, from: Data(conflictsJSON.utf8))) ?? []
        return Note(
            id: id(row, 0), body: row[1], articleId: (row[2] as String?).flatMap { ID($0) },
            highlightId: (row[3] as String?).flatMap { ID($0) }, tags: tags(row, 8), conflicts: conflicts,
            createdAt: timestamp(row, 5), updatedAt: timestamp(row, 6), deleted: row[7]
        )
    }
}

extension Library {
    /// Live notes that have conflict versions, oldest first. Read through the partial index of
    /// conflicted notes, so the cost follows how many there are, not the library (`gloss sync`
    /// asks after every sync).
    public func conflictedNotes() throws -> [Note] {
        try read { db in
            try Row.fetchAll(db, sql: Self.noteSQL + " INDEXED BY notes_conflicted WHERE n.conflicts != '[]' AND n.deleted = 0 ORDER BY n.created_at").map(Self.note)
        }
    }
}

import Foundation
import GlossInterchange
import GlossModel

/// What a server store reads for an export: each record's stored JSON, from one consistent
/// snapshot of a user's library.
package protocol ExportRecords {
    /// Every record of one kind, oldest first (creation time, then ID); with `standaloneOnly`,
    /// only notes on no article.
    func forEachRecord(_ kind: EntityKind, standaloneOnly: Bool, _ visit: (String) throws -> Void) throws
    /// The records of one kind on one article, in any order.
    func records(_ kind: EntityKind, onArticle article: String) throws -> [String]
    /// The deleted articles and highlights that live annotations still point to.
    func referencedTombstones() throws -> Set<String>
}

/// A user's library on the server as the exporters read it: the merged records, turned into
/// articles, highlights and notes, in the local library's order (creation time, then ID), so a
/// server export and a synced library's `gloss export` are the same bytes, whichever store runs.
package struct ServerAnnotationSource<Records: ExportRecords>: AnnotationSource {
    let rows: Records

    package init(_ rows: Records) { self.rows = rows }

    package func forEachEntity(
        _ scope: ExportScope, article: (Article) throws -> Void, highlight: (Highlight) throws -> Void, note: (Note) throws -> Void
    ) throws {
        let filter = try self.filter(scope)
        try forEach(.article, Article.init(record:)) { if filter.includes($0) { try article($0) } }
        try forEach(.highlight, Highlight.init(record:)) { if filter.includes($0) { try highlight($0) } }
        try forEach(.note, Note.init(record:)) { if filter.includes($0) { try note($0) } }
    }

    package func forEachArticle(_ scope: ExportScope, _ body: (ArticleAnnotations) throws -> Void, standalone: (Note) throws -> Void) throws {
        let filter = try self.filter(scope)
        func annotations<T>(_ kind: EntityKind, _ article: String, _ make: (EntityRecord) -> T?) throws -> [T] {
            try rows.records(kind, onArticle: article).compactMap { try make(EntityRecord.decode(Data($0.utf8))) }
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

    private func forEach<T>(_ kind: EntityKind, _ make: (EntityRecord) -> T?, standaloneOnly: Bool = false, _ visit: (T) throws -> Void) throws {
        try rows.forEachRecord(kind, standaloneOnly: standaloneOnly) { json in
            if let entity = make(try EntityRecord.decode(Data(json.utf8))) { try visit(entity) }
        }
    }

    /// The scope's decisions. The server exports whole libraries (no tag or article scope), so
    /// only the deleted articles and highlights that live annotations point to are read.
    private func filter(_ scope: ExportScope) throws -> ExportFilter {
        precondition(scope.tag == nil && scope.article == nil, "the server exports whole libraries")
        guard !scope.includeDeleted else { return ExportFilter(scope, referencedTombstones: []) }
        return ExportFilter(scope, referencedTombstones: try rows.referencedTombstones())
    }
}

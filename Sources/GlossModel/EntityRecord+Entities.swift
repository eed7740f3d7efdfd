import Foundation

// The typed entities read straight from a merged record: how the server answers its HTTP API in
// the same canonical JSON the library prints, without a table per kind.

extension Article {
    public init?(record: EntityRecord) {
        guard record.kind == .article, let text = record.string("text") else { return nil }
        self.init(
            id: ID(record.id), title: record.string("title") ?? "Untitled", url: record.string("url"), author: record.string("author"),
            publishedAt: record.string("publishedAt").flatMap(Timestamp.init), text: text,
            contentHash: record.string("contentHash") ?? Normalization.contentHash(text), tags: record.presentTags,
            createdAt: record.createdAt, updatedAt: record.updatedAt, deleted: record.deleted
        )
    }
}

extension Highlight {
    public init?(record: EntityRecord) {
        guard record.kind == .highlight, let article = record.string("articleId").flatMap({ ID<Article>($0) }) else { return nil }
        func int(_ name: String) -> Int { Int(record.fields[name]?.intValue ?? 0) }
        self.init(
            id: ID(record.id), articleId: article,
            selector: TextSelector(
                exact: record.string("exact") ?? "", prefix: record.string("prefix") ?? "", suffix: record.string("suffix") ?? "",
                start: int("start"), end: int("end"), utf16Start: int("utf16Start"), utf16End: int("utf16End")
            ),
            color: record.string("color") ?? Highlight.defaultColor, tags: record.presentTags,
            anchor: record.string("anchor").flatMap(AnchorStatus.init(rawValue:)) ?? .exact, anchorScore: record.fields["anchorScore"]?.doubleValue,
            createdAt: record.createdAt, updatedAt: record.updatedAt, deleted: record.deleted
        )
    }
}

extension Note {
    public init?(record: EntityRecord) {
        guard record.kind == .note else { return nil }
        self.init(
            id: ID(record.id), body: record.string("body") ?? "", articleId: record.string("articleId").flatMap { ID($0) },
            highlightId: record.string("highlightId").flatMap { ID($0) }, tags: record.presentTags, conflicts: record.conflicts,
            createdAt: record.createdAt, updatedAt: record.updatedAt, deleted: record.deleted
        )
    }
}

extension EntityRecord {
    /// The latest write to this entity (any field or tag): its version, as HTTP `ETag`s carry it.
    public var latestStamp: Stamp? {
        (Array(stamps.values) + tags.values.map(\.stamp)).max()
    }
}

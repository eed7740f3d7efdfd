import Foundation

/// The three kinds of thing a library holds.
public enum EntityKind: String, Codable, Sendable, CaseIterable {
    case article, highlight, note
}

/// An imported text. Its identity is its content: the same normalized text gives the same ID on
/// every machine (`Article.id(contentHash:)`).
public struct Article: Codable, Hashable, Sendable {
    public var id: ID<Article>
    public var title: String
    public var url: String?
    public var author: String?
    public var publishedAt: Timestamp?
    /// The normalized body (DESIGN.md §3); never altered after import.
    public var text: String
    /// SHA-256 of `text`, lowercase hex.
    public var contentHash: String
    public var tags: [String]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var deleted: Bool

    public init(
        id: ID<Article>, title: String, url: String? = nil, author: String? = nil, publishedAt: Timestamp? = nil,
        text: String, contentHash: String, tags: [String] = [], createdAt: Timestamp, updatedAt: Timestamp, deleted: Bool = false
    ) {
        self.id = id
        self.title = title
        self.url = url
        self.author = author
        self.publishedAt = publishedAt
        self.text = text
        self.contentHash = contentHash
        self.tags = tags
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deleted = deleted
    }

    /// The ID every machine derives for the article whose normalized text has this SHA-256.
    public static func id(contentHash: String) -> ID<Article> {
        ID.nameBased(sha256: bytes(ofHex: contentHash) ?? Array(contentHash.utf8) + [UInt8](repeating: 0, count: 16))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(url, forKey: .url)
        try c.encode(author, forKey: .author)
        try c.encode(publishedAt, forKey: .publishedAt)
        try c.encode(text, forKey: .text)
        try c.encode(contentHash, forKey: .contentHash)
        try c.encode(tags, forKey: .tags)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(deleted, forKey: .deleted)
    }
}

/// How well a highlight's quote was found in its article's text.
public enum AnchorStatus: String, Codable, Sendable {
    /// The stored position holds the quote exactly.
    case exact
    /// Found by approximate search; `anchorScore` says how well (0...1).
    case fuzzy
    /// Not found well enough; the highlight is kept with its quote, unplaced.
    case orphaned
}

/// A passage of an article, anchored by a quote selector and a position selector (W3C).
public struct Highlight: Codable, Hashable, Sendable {
    public var id: ID<Highlight>
    public var articleId: ID<Article>
    /// The article's own text of the passage.
    public var exact: String
    /// Up to 32 characters before and after the passage.
    public var prefix: String
    public var suffix: String
    /// Code-point offsets into the article text, `start..<end`.
    public var start: Int
    public var end: Int
    /// The same range in UTF-16 code units, for JavaScript clients.
    public var utf16Start: Int
    public var utf16End: Int
    public var color: String
    public var tags: [String]
    public var anchor: AnchorStatus
    /// The re-anchoring score for a fuzzy anchor; nil when exact.
    public var anchorScore: Double?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var deleted: Bool

    public init(
        id: ID<Highlight>, articleId: ID<Article>, selector: TextSelector, color: String = Highlight.defaultColor,
        tags: [String] = [], anchor: AnchorStatus = .exact, anchorScore: Double? = nil,
        createdAt: Timestamp, updatedAt: Timestamp, deleted: Bool = false
    ) {
        self.id = id
        self.articleId = articleId
        self.exact = selector.exact
        self.prefix = selector.prefix
        self.suffix = selector.suffix
        self.start = selector.start
        self.end = selector.end
        self.utf16Start = selector.utf16Start
        self.utf16End = selector.utf16End
        self.color = color
        self.tags = tags
        self.anchor = anchor
        self.anchorScore = anchorScore
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deleted = deleted
    }

    public static let defaultColor = "yellow"

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(articleId, forKey: .articleId)
        try c.encode(exact, forKey: .exact)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(suffix, forKey: .suffix)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(utf16Start, forKey: .utf16Start)
        try c.encode(utf16End, forKey: .utf16End)
        try c.encode(color, forKey: .color)
        try c.encode(tags, forKey: .tags)
        try c.encode(anchor, forKey: .anchor)
        try c.encode(anchorScore, forKey: .anchorScore)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(deleted, forKey: .deleted)
    }
}

/// A research note: standalone, on an article, or on a highlight.
public struct Note: Codable, Hashable, Sendable {
    public var id: ID<Note>
    public var body: String
    public var articleId: ID<Article>?
    public var highlightId: ID<Highlight>?
    public var tags: [String]
    /// Bodies that lost an overlapping concurrent edit, oldest first, until someone resolves them.
    public var conflicts: [ConflictVersion]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var deleted: Bool

    public init(
        id: ID<Note>, body: String, articleId: ID<Article>? = nil, highlightId: ID<Highlight>? = nil, tags: [String] = [],
        conflicts: [ConflictVersion] = [], createdAt: Timestamp, updatedAt: Timestamp, deleted: Bool = false
    ) {
        self.id = id
        self.body = body
        self.articleId = articleId
        self.highlightId = highlightId
        self.tags = tags
        self.conflicts = conflicts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deleted = deleted
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(body, forKey: .body)
        try c.encode(articleId, forKey: .articleId)
        try c.encode(highlightId, forKey: .highlightId)
        try c.encode(tags, forKey: .tags)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(deleted, forKey: .deleted)
    }
}

/// A note body that lost an overlapping concurrent edit. Listed by `gloss conflicts` on every
/// machine until resolved.
public struct ConflictVersion: Codable, Hashable, Sendable {
    public var body: String
    /// The write that produced this body; also the version's identity.
    public var stamp: Stamp

    public init(body: String, stamp: Stamp) {
        self.body = body
        self.stamp = stamp
    }
}

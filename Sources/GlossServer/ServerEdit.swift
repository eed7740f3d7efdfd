import Foundation
import GlossInterchange
import GlossModel
import GlossSync
import NIOCore

/// Which records of one kind a list of the HTTP API wants, one page at a time (ordered by ID).
public struct RecordQuery: Sendable, Equatable {
    public var kind: EntityKind
    /// The last ID of the previous page.
    public var after: String?
    public var limit: Int
    public var tag: String?
    public var articleId: String?
    public var highlightId: String?
    /// Notes only: those on neither an article nor a highlight.
    public var standalone = false
    public var updatedAfter: Timestamp?
    public var includeDeleted = false
    /// Notes only: those with unresolved conflict versions.
    public var conflicted = false

    public init(kind: EntityKind, after: String? = nil, limit: Int = 100) {
        self.kind = kind
        self.after = after
        self.limit = limit
    }
}

/// One write through the HTTP API, built inside the store's write transaction: it reads the
/// current records and makes changes stamped with the library's own clock, which the store then
/// applies exactly as it applies a push. So an API write is journaled, merged and pulled like
/// any machine's edit.
public struct ServerEdit {
    /// The device that API writes are journaled under.
    public static let device = DeviceID(rawValue: "server-api")

    let lookup: (String) throws -> EntityRecord?
    let history: (String, Stamp) throws -> String?
    package var clock: HybridClock
    public private(set) var changes: [Change] = []
    /// The entities this edit looked at; the result carries them as they are after it.
    public private(set) var read: Set<String> = []

    /// `lookup` reads a record by ID and `history` the body a write set, both inside the store's
    /// write transaction; `clock` is the library's.
    package init(lookup: @escaping (String) throws -> EntityRecord?, history: @escaping (String, Stamp) throws -> String?, clock: HybridClock) {
        self.lookup = lookup
        self.history = history
        self.clock = clock
    }

    /// The current record of an entity of this user's library, or nil.
    public mutating func record(_ id: String) throws -> EntityRecord? {
        read.insert(id.lowercased())
        return try lookup(id)
    }

    /// The note body that the write `stamp` set, from the journal (nil if no single change set it).
    public func body(writtenBy stamp: Stamp, note id: String) throws -> String? { try history(id, stamp) }

    /// Adds a change, stamped with the next clock value.
    public mutating func change(
        _ entity: EntityKind, _ id: UUID, _ op: ChangeOperation, fields: [String: FieldChange] = [:], tags: [String: Bool] = [:],
        base: Stamp? = nil, resolves: [Stamp] = []
    ) {
        changes.append(Change(
            entity: entity, entityId: id, op: op, clock: clock.now(), device: Self.device,
            fields: fields, tags: tags, base: base, resolves: resolves
        ))
    }
}

/// What an edit did: each change's outcome, and the records it read or changed as they are after
/// it (read in the same transaction, so an answer needs no second read).
public struct EditResult: Sendable {
    public var outcomes: [PushResult]
    public var records: [String: EntityRecord]
    /// The entities this edit created.
    public var created: Set<String>

    package init(outcomes: [PushResult], records: [String: EntityRecord], created: Set<String>) {
        (self.outcomes, self.records, self.created) = (outcomes, records, created)
    }

    /// The merge outcome the answer reports: the most eventful of the changes (a conflict beats a merge).
    public var outcome: PushOutcome {
        let order: [PushOutcome] = [.conflicted, .merged, .superseded, .applied, .duplicate, .rejected]
        return order.first { o in outcomes.contains { $0.outcome == o } } ?? .applied
    }
}

/// The HTTP API's reads and writes of a user's library (beside push and pull).
public protocol ResourceStore: Sendable {
    /// The current record of an entity of this user's library, or nil (also for another user's IDs).
    func record(user: UserID, id: String) async throws -> EntityRecord?
    /// One page of a kind's entities, filtered as the query says, as their list JSON (``ListedJSON``).
    func listed(user: UserID, _ query: RecordQuery) async throws -> ListedRows
    /// Full-text search over article titles and text, highlight quotes and note bodies, best first;
    /// the matched words in each snippet between `marks`.
    func search(user: UserID, _ query: String, limit: Int, marks: (open: String, close: String)) async throws -> [SearchResult]
    /// Runs `body` over one consistent snapshot of the user's library as the exporters read it,
    /// on a thread where it may block (it writes the answer to a slow client).
    func export(user: UserID, _ body: @escaping @Sendable (any AnnotationSource) throws -> Void) async throws
    /// Runs `build` in one write transaction and applies the changes it made through the merge function.
    func edit(user: UserID, _ build: @escaping @Sendable (inout ServerEdit) throws -> Void) async throws -> EditResult
}

/// One search hit, in the shape `gloss search --json` prints.
public struct SearchResult: Sendable, Equatable, CanonicalJSONWritable {
    public var type: String
    public var id: String
    /// The article the hit belongs to (itself for an article), if any.
    public var articleId: String?
    public var title: String?
    public var snippet: String
    /// FTS5 bm25 rank: lower is better.
    public var rank: Double

    public init(type: String, id: String, articleId: String?, title: String?, snippet: String, rank: Double) {
        (self.type, self.id, self.articleId, self.title, self.snippet, self.rank) = (type, id, articleId, title, snippet, rank)
    }

    public func writeMembers(to w: inout JSONWriter) {
        w.key("articleId"); w.string(articleId)
        w.key("id"); w.string(id)
        w.key("rank"); w.double(rank)
        w.key("snippet"); w.string(snippet)
        w.key("title"); w.string(title)
        w.key("type"); w.string(type)
    }
}

/// A page of a list, read straight into the answer's body: `{"items":[` and each shown entity's
/// list JSON, comma-separated, copied once from the database's row. The store reads one row past
/// ``limit`` (``rowsToRead``); that row is not shown, it only says that another page follows.
/// Of the IDs only the last shown is kept as a string (the next page starts after it): a page of
/// 100 makes one string, not 100.
public struct ListedRows: Sendable {
    /// How many rows the page shows at most.
    public let limit: Int
    /// How many rows the page shows.
    public private(set) var count = 0
    /// Whether a row past the page was read: another page follows.
    public private(set) var hasMore = false
    /// The ID of the last row shown.
    private var lastID: String?
    private var body: ByteBuffer
    /// Room a row: in the benchmark library a highlight's or note's list JSON averages 415 bytes.
    private static let rowBytes = 512

    public init(limit: Int) {
        self.limit = limit
        body = ByteBuffer()
        body.reserveCapacity(64 + limit * Self.rowBytes)
        body.writeString(#"{"items":["#)
    }

    /// How many rows the store reads: one past the page, to know whether another follows.
    public var rowsToRead: Int { limit + 1 }

    /// Where the next page starts, if one follows.
    public var nextAfter: String? { hasMore ? lastID : nil }

    /// Adds the next row in list order; `id` is called only for the last row shown.
    public mutating func append(json: UnsafeRawBufferPointer, id: () -> String) {
        guard count < limit else {
            hasMore = true
            return
        }
        if count > 0 { body.writeInteger(UInt8(ascii: ",")) }
        body.writeBytes(json)
        count += 1
        if count == limit { lastID = id() }
    }

    public mutating func append(json: String, id: String) {
        var json = json
        json.withUTF8 { append(json: UnsafeRawBufferPointer($0), id: { id }) }
    }

    /// The whole answer `{"items": [...], "next": cursor or null}`, the cursor made of ``nextAfter``.
    public consuming func answer(cursor: (String) -> String) -> ByteBuffer {
        body.writeString(#"],"next":"#)
        if let after = nextAfter {
            body.writeString("\"\(cursor(after))\"")
        } else {
            body.writeString("null")
        }
        body.writeString("}")
        return body
    }
}

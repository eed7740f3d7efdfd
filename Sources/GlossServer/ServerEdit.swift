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

/// The rows of a list, as the answer will carry them: each entity's list JSON, one after the
/// other in one buffer (copied once, from the database's row into the buffer), and their IDs.
public struct ListedRows: Sendable {
    public private(set) var ids: [String] = []
    /// Where each row's JSON ends in `bytes`.
    private var ends: [Int] = []
    public private(set) var bytes = ByteBuffer()

    public init() {}

    public mutating func append(id: String, json: some Collection<UInt8>) {
        ids.append(id)
        bytes.writeBytes(json)
        ends.append(bytes.writerIndex)
    }

    public var count: Int { ids.count }

    /// The JSON of row `index`.
    public func json(_ index: Int) -> ByteBufferView {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.getSlice(at: start, length: ends[index] - start)!.readableBytesView
    }
}


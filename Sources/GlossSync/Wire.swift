import Foundation
import GlossModel

/// The sync protocol's messages (docs/sync-protocol.md), shared by the client and the server.
/// Free of storage and HTTP, so another client can use them alone.

/// `POST /v1/sync/push`: unpushed journal entries, oldest first.
public struct PushRequest: Codable, Sendable, Equatable {
    public var device: DeviceID
    public var changes: [Change]
    /// Each change's canonical JSON, made while the request was decoded by ``decode(_:)`` (on
    /// all cores for a large batch), so the server's single writer does not encode them again
    /// for its journal. Not part of the wire form.
    public var changeJSON: [String]? = nil
    /// Apply this batch only if the server has committed exactly this many pushes from the
    /// device (the `pushes` of the last answer, plus one for the batch still on its way ahead of
    /// this one); otherwise refuse it whole, 409 `out_of_order`. So a client may send a batch
    /// before the one ahead of it is answered without the two ever being applied out of order.
    /// Nil: no check.
    public var afterPush: Int64? = nil

    public init(device: DeviceID, changes: [Change], afterPush: Int64? = nil) {
        self.device = device
        self.changes = changes
        self.afterPush = afterPush
    }

    enum CodingKeys: String, CodingKey { case afterPush, device, changes }

    /// Requests are equal when what they say is (however each was decoded).
    public static func == (a: PushRequest, b: PushRequest) -> Bool {
        a.device == b.device && a.changes == b.changes && a.afterPush == b.afterPush
    }

    /// The most changes one push may carry.
    public static let maximumChanges = 1_000
}

/// What became of one pushed change.
public enum PushOutcome: String, Codable, Sendable {
    /// Every part took effect.
    case applied
    /// Took effect together with a concurrent edit, or some fields lost to later writes.
    case merged
    /// A note body overlapped a concurrent edit; one body is now a conflict version.
    case conflicted
    /// Later writes already covered it; nothing changed.
    case superseded
    /// The server already had this change (a retried or duplicated push).
    case duplicate
    /// The change is not valid (the reason says why); it was not applied.
    case rejected

    public init(_ outcome: MergeOutcome) {
        switch outcome {
        case .applied: self = .applied
        case .merged: self = .merged
        case .conflicted: self = .conflicted
        case .superseded: self = .superseded
        case .rejected: self = .rejected
        }
    }
}

public struct PushResult: Codable, Sendable, Equatable {
    public var id: ID<Change>
    public var outcome: PushOutcome
    /// For a rejected change: why.
    public var reason: String?
    public init(id: ID<Change>, outcome: PushOutcome, reason: String? = nil) {
        self.id = id
        self.outcome = outcome
        self.reason = reason
    }
}

public struct PushResponse: Codable, Sendable, Equatable {
    /// The library version the server reached.
    public var version: Int64
    /// One result per pushed change, in the order sent.
    public var results: [PushResult]
    /// How many pushes the server has committed from this device, this one included. Given by
    /// servers that check ``PushRequest/afterPush``; a client sends a batch ahead only to them.
    public var pushes: Int64?
    public init(version: Int64, results: [PushResult], pushes: Int64? = nil) {
        self.version = version
        self.results = results
        self.pushes = pushes
    }
}

/// A batch sent ahead (``PushRequest/afterPush``) that reached the server before the batch ahead
/// of it was committed, or after another process of the same device pushed: refused whole,
/// nothing written (409 `out_of_order`). The client sends it again once the batch ahead of it
/// is acknowledged.
public struct PushOutOfOrder: Error, Equatable, CustomStringConvertible {
    public var description: String
    /// A refusal of a push that named `expected` pushes when the server had `committed`.
    public init(expected: Int64, committed: Int64) {
        description = "The push was sent after \(expected) pushes from this device, but the server has \(committed); send it again once the push ahead of it is answered."
    }
    /// The refusal as a server's answer said it.
    public init(message: String) { description = message }
}

/// `GET /v1/sync/pull?cursor=C&limit=N`: changes after the cursor, with the current state of every
/// entity they touch. The client stores `cursor` with what it applied and asks again while
/// `hasMore`.
public struct PullResponse: Codable, Sendable, Equatable {
    public var changes: [Change]
    /// The server's current record of every entity the page's changes touch.
    public var records: [EntityRecord]
    public var cursor: String
    public var hasMore: Bool
    /// Each change's JSON as the server sent it (canonical: the server stores and splices its
    /// changes' canonical JSON), when the page was decoded by ``decode(_:)``; the journal keeps
    /// these bytes instead of encoding every change again. Not part of the wire form.
    public var changeJSON: [[UInt8]]? = nil

    public init(changes: [Change], records: [EntityRecord], cursor: String, hasMore: Bool) {
        self.changes = changes
        self.records = records
        self.cursor = cursor
        self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey { case changes, records, cursor, hasMore }

    /// Pages are equal when what they say is (however each was decoded).
    public static func == (a: PullResponse, b: PullResponse) -> Bool {
        a.changes == b.changes && a.records == b.records && a.cursor == b.cursor && a.hasMore == b.hasMore
    }

    public static let defaultLimit = 500
    public static let maximumLimit = 1_000
}

/// A position in a library's change feed: the library version of a push and the change's place
/// in it. Opaque to clients (base64url of `version.seq`).
public struct SyncCursor: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var version: Int64
    public var seq: Int64
    public init(version: Int64, seq: Int64) {
        self.version = version
        self.seq = seq
    }

    public static let start = SyncCursor(version: 0, seq: 0)

    public static func < (a: Self, b: Self) -> Bool { (a.version, a.seq) < (b.version, b.seq) }

    public var description: String {
        Base64URL.encode("\(version).\(seq)".utf8)
    }

    /// Parses a cursor the server handed out; nil for anything else.
    public init?(_ text: String) {
        guard text.utf8.count <= 64, let bytes = Base64URL.decode(text), let plain = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = plain.split(separator: ".")
        guard parts.count == 2, let version = Int64(parts[0]), let seq = Int64(parts[1]), version >= 0, seq >= 0 else { return nil }
        self.init(version: version, seq: seq)
    }
}

/// The body of every error answer: a stable code for programs, a sentence for people.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

extension PushRequest: CanonicalJSONWritable {
    public func writeMembers(to w: inout JSONWriter) {
        if let afterPush { w.key("afterPush"); w.int(Int(afterPush)) }
        w.key("changes")
        w.beginArray()
        for change in changes { change.write(to: &w) }
        w.endArray()
        w.key("device"); w.string(device.rawValue)
    }
}

extension PushRequest {
    /// The canonical JSON of a push whose changes are already canonical JSON (as a replica's
    /// journal stores them): the same bytes as encoding the decoded request.
    public static func encode(device: DeviceID, changes: [OutgoingChange], afterPush: Int64? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: changes.reduce(64) { $0 + $1.json.count + 1 })
        w.beginObject()
        if let afterPush { w.key("afterPush"); w.int(Int(afterPush)) }
        w.key("changes")
        w.beginArray()
        for change in changes { w.raw(change.json) }
        w.endArray()
        w.key("device"); w.string(device.rawValue)
        w.endObject()
        return w.takeBytes()
    }
}

extension PullResponse {
    /// The canonical JSON of a page whose changes and records are already canonical JSON text
    /// (as the server stores them), without decoding them first.
    public static func encode(changes: [String], records: [String], cursor: String, hasMore: Bool) -> Data {
        var w = JSONWriter(capacity: changes.reduce(0) { $0 + $1.utf8.count } + records.reduce(0) { $0 + $1.utf8.count } + 128)
        w.beginObject()
        w.key("changes")
        w.beginArray()
        for change in changes { w.raw(change) }
        w.endArray()
        w.key("cursor"); w.string(cursor)
        w.key("hasMore"); w.bool(hasMore)
        w.key("records")
        w.beginArray()
        for record in records { w.raw(record) }
        w.endArray()
        w.endObject()
        return Data(w.bytes)
    }
}

extension PullResponse {
    /// The canonical JSON of this page (the same bytes `encode(changes:records:…)` splices).
    public func encoded() -> Data {
        PullResponse.encode(changes: changes.map(JSONWriter.string), records: records.map(JSONWriter.string), cursor: cursor, hasMore: hasMore)
    }
}

extension PushRequest {
    /// Decodes a push through the fast parser, its changes (each parsed alone, and encoded
    /// canonically for the journal) split over the cores when there are many; anything it does
    /// not accept goes through `JSONDecoder`, whose error names the problem.
    public static func decode(_ data: Data) throws -> PushRequest {
        if let (value, spans) = try? JSONParser.parse(data, deferring: "changes"), case .object(let o) = value,
           let device = o["device"]?.stringValue, case .array? = o["changes"],
           o["afterPush"] == nil || o["afterPush"]?.intValue != nil,
           let (changes, json) = decodeChanges(data, spans: spans) {
            var request = PushRequest(device: DeviceID(rawValue: device), changes: changes, afterPush: o["afterPush"]?.intValue)
            request.changeJSON = json
            return request
        }
        return try JSONDecoder().decode(PushRequest.self, from: data)
    }

    /// Batches at least this long are decoded on all cores; shorter ones are not worth a thread.
    static let parallelDecodeMinimum = 128

    /// The change at each span of `data` and its canonical JSON, or nil if one is not a change.
    static func decodeChanges(_ data: Data, spans: [Range<Int>]) -> ([Change], [String])? {
        let decoded = data.withUnsafeBytes { raw in
            Parallel.map(spans, minimum: parallelDecodeMinimum) { span -> (Change, String)? in
                guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[span])), let change = Change(json: value) else { return nil }
                return (change, JSONWriter.string(change))
            }
        }
        var changes: [Change] = [], json: [String] = []
        changes.reserveCapacity(decoded.count)
        json.reserveCapacity(decoded.count)
        for item in decoded {
            guard let (change, text) = item else { return nil }
            changes.append(change)
            json.append(text)
        }
        return (changes, json)
    }
}

extension PullResponse {
    /// Decodes a page through the fast parser: the top level with its `changes` and `records`
    /// only stepped over, then each change and record parsed alone, split over the cores for a
    /// full page (the client decodes the next page while it applies this one, and the decode
    /// had become what a pull waited for: docs/performance.md, session 9). Each change keeps
    /// its bytes as they came (``changeJSON``). Anything it does not accept goes through
    /// `JSONDecoder`, whose error names the problem.
    public static func decode(_ data: Data) throws -> PullResponse {
        if let (value, spans) = try? JSONParser.parse(data, deferring: ["changes", "records"]), case .object(let o) = value,
           case .array? = o["changes"], case .array? = o["records"], let changeSpans = spans["changes"], let recordSpans = spans["records"],
           let cursor = o["cursor"]?.stringValue, let hasMore = o["hasMore"]?.boolValue {
            let page: PullResponse? = data.withUnsafeBytes { raw in
                func element(_ span: Range<Int>) -> JSONValue? { try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[span])) }
                let changes = Parallel.map(changeSpans, minimum: parallelDecodeMinimum) { element($0).flatMap(Change.init(json:)) }
                let records = Parallel.map(recordSpans, minimum: parallelDecodeMinimum) { element($0).flatMap(EntityRecord.init(json:)) }
                guard changes.allSatisfy({ $0 != nil }), records.allSatisfy({ $0 != nil }) else { return nil }
                var page = PullResponse(changes: changes.compactMap { $0 }, records: records.compactMap { $0 }, cursor: cursor, hasMore: hasMore)
                page.changeJSON = changeSpans.map { Array(raw[$0]) }
                return page
            }
            if let page { return page }
        }
        return try JSONDecoder().decode(PullResponse.self, from: data)
    }

    /// Pages at least this long are decoded on all cores.
    static let parallelDecodeMinimum = 128
}

extension PushResponse: CanonicalJSONWritable {
    /// The same bytes as `CanonicalJSON.encode` (sorted keys, `reason` only when there is one),
    /// without Foundation's encoder: a push of 1,000 changes answers 1,000 results.
    public func writeMembers(to w: inout JSONWriter) {
        if let pushes { w.key("pushes"); w.int(Int(pushes)) }
        w.key("results")
        w.beginArray()
        for result in results {
            w.beginObject()
            w.key("id"); w.string(result.id.description)
            w.key("outcome"); w.string(result.outcome.rawValue)
            if let reason = result.reason { w.key("reason"); w.string(reason) }
            w.endObject()
        }
        w.endArray()
        w.key("version"); w.int(Int(version))
    }

    /// Decodes an answer through the fast parser; anything it does not accept goes through
    /// `JSONDecoder`, whose error names the problem.
    public static func decode(_ data: Data) throws -> PushResponse {
        if let value = try? JSONParser.parse(data), case .object(let o) = value,
           case .int(let version)? = o["version"], case .array(let items)? = o["results"] {
            var results: [PushResult] = []
            results.reserveCapacity(items.count)
            for item in items {
                guard case .object(let r) = item, let id = r["id"]?.stringValue.flatMap({ ID<Change>($0) }),
                      let outcome = r["outcome"]?.stringValue.flatMap(PushOutcome.init(rawValue:)) else { break }
                let reason = r["reason"]?.stringValue
                guard r["reason"] == nil || r["reason"] == .null || reason != nil else { break }
                results.append(PushResult(id: id, outcome: outcome, reason: reason))
            }
            if results.count == items.count, o["pushes"] == nil || o["pushes"]?.intValue != nil {
                return PushResponse(version: version, results: results, pushes: o["pushes"]?.intValue)
            }
        }
        return try JSONDecoder().decode(PushResponse.self, from: data)
    }
}

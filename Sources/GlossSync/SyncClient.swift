import Foundation
import GlossModel

/// The local side of sync: what the client needs from a library.
public protocol SyncReplica: Sendable {
    var device: DeviceID { get }
    /// Journal entries not yet acknowledged by the server, oldest first.
    func unpushedChanges(limit: Int) throws -> [Change]
    /// The same, after the entry `after` (one still on its way to the server).
    func unpushedChanges(limit: Int, after: ID<Change>?) throws -> [Change]
    /// The same as ``unpushedChanges(limit:after:)``, as the replica stores them: each entry's
    /// canonical JSON, which a push carries as it is (no decoding and encoding again).
    func outgoingChanges(limit: Int, after: ID<Change>?) throws -> [OutgoingChange]
    func markPushed(_ ids: [ID<Change>]) throws
    /// The cursor saved with the last applied page, nil before the first pull.
    func syncCursor() throws -> String?
    /// Applies one pulled page and saves its cursor, in one transaction.
    func applyPulled(_ page: PullResponse) throws
    /// Called before the first page of a pull that has more pages to come: a replica may stop
    /// keeping what it can rebuild (indexes) up to date page by page, as long as every page it
    /// commits leaves it correct.
    func beginLongPull() throws
    /// Called once the last page of a pull is applied: whatever ``beginLongPull()`` put off is
    /// done now.
    func endPull() throws
}

extension SyncReplica {
    public func beginLongPull() throws {}
    public func endPull() throws {}
}

/// How the client reaches a server: HTTP in `gloss sync`, in-process in tests.
public protocol SyncTransport: Sendable {
    func push(_ request: PushRequest) async throws -> PushResponse
    /// A push of journal entries as their stored JSON; a transport that sends bytes sends them as
    /// they are (the default decodes them into a ``PushRequest``). With `afterPush`, the server
    /// refuses the batch unless it has committed that many pushes from the device: the transport
    /// throws ``PushOutOfOrder`` then.
    func push(device: DeviceID, changes: [OutgoingChange], afterPush: Int64?) async throws -> PushResponse
    func pull(cursor: String?, limit: Int) async throws -> PullResponse
}

extension SyncTransport {
    public func push(device: DeviceID, changes: [OutgoingChange], afterPush: Int64?) async throws -> PushResponse {
        try await push(PushRequest(device: device, changes: changes.map { try Change.decode(Data($0.json)) }, afterPush: afterPush))
    }
}

extension SyncReplica {
    public func outgoingChanges(limit: Int, after: ID<Change>?) throws -> [OutgoingChange] {
        try unpushedChanges(limit: limit, after: after).map { OutgoingChange(id: $0.id, json: Array(JSONWriter.encode($0))) }
    }
}

/// One journal entry on its way to the server: its ID and its canonical JSON.
public struct OutgoingChange: Sendable, Equatable {
    public var id: ID<Change>
    public var json: [UInt8]
    public init(id: ID<Change>, json: [UInt8]) {
        self.id = id
        self.json = json
    }
}

/// What one `gloss sync` did.
public struct SyncReport: Codable, Sendable, Equatable {
    public var pushed = 0
    public var pulled = 0
    public var merged = 0
    public var conflicted = 0
    public var duplicates = 0
    public var rejected = 0
    public var rounds = 0
    public init() {}
}

/// Progress as a sync goes, for a progress bar.
public struct SyncProgress: Sendable {
    public enum Phase: String, Sendable { case push, pull }
    public var phase: Phase
    public var done: Int
    /// Known for push (the unpushed count); nil for pull.
    public var total: Int?
}

/// Runs push, then pull, until both are empty (DESIGN.md §5). Every step is safe to cut off:
/// pushed changes are marked only after the server acknowledged them (a retried push is a no-op
/// there), and each pulled page is applied together with its cursor.
public struct SyncClient<Replica: SyncReplica, Transport: SyncTransport>: Sendable {
    public let replica: Replica
    public let transport: Transport
    /// Changes per push: the server's maximum. A batch has a fixed cost on the server (its
    /// commit rewrites the index pages the batch touched, scattered over the library), so
    /// 1,000 a batch pushed 100,000 annotations in 11.4 s against 15.3 s at 500
    /// (docs/performance.md).
    public var pushBatch = PushRequest.maximumChanges
    /// The most bytes of changes one push carries (the server's default limit is 16 MiB), so a
    /// batch of long articles is split rather than refused.
    public var pushBytes = 8 * 1024 * 1024
    public var pullLimit = PullResponse.defaultLimit
    public var maximumRounds = 10

    public init(replica: Replica, transport: Transport) {
        self.replica = replica
        self.transport = transport
    }

    public func sync(total unpushedTotal: Int? = nil, progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> SyncReport {
        var report = SyncReport()
        while report.rounds < maximumRounds {
            report.rounds += 1
            let pushed = try await push(into: &report, total: unpushedTotal, progress: progress)
            let pulled = try await pull(into: &report, progress: progress)
            let pending = try replica.unpushedChanges(limit: 1)
            if pushed == 0 && (pulled == 0 || pending.isEmpty) { break }
        }
        return report
    }

    /// Pushes every unpushed change, a batch at a time; returns how many it pushed.
    ///
    /// Batches go in journal order. While one is on its way, the next is read and, when the
    /// server checks the order of a device's pushes (its answers carry `pushes`), sent too, naming
    /// the count it must follow (`afterPush`): the server decodes it while it applies the one
    /// ahead, and applies it only after that one. A batch that overtook the one ahead of it is
    /// refused whole (``PushOutOfOrder``) and sent again once that one is acknowledged. A batch
    /// is marked pushed only once acknowledged, in order, so a push cut off anywhere re-sends
    /// what was not acknowledged (the server answers `duplicate` for what it had).
    @discardableResult
    public func push(into report: inout SyncReport, total: Int? = nil, progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> Int {
        var pushed = 0
        var last: ID<Change>? = nil
        func read() throws -> [OutgoingChange] {
            let batch = Self.prefix(try replica.outgoingChanges(limit: pushBatch, after: last), bytes: pushBytes)
            last = batch.last?.id ?? last
            return batch
        }
        /// Batches sent and not answered yet, oldest first (at most two).
        var inFlight: [InFlight] = []
        defer { for batch in inFlight { batch.task.cancel() } }
        var ahead = try read()
        guard !ahead.isEmpty else { return 0 }
        inFlight.append(InFlight(batch: ahead, task: send(ahead, afterPush: nil), sentAhead: false))
        ahead = try read()
        /// The device's committed pushes as the last answer said; nil while the server has not
        /// said it checks their order (then one batch at a time).
        var committed: Int64? = nil
        while let head = inFlight.first {
            if inFlight.count == 1, !ahead.isEmpty, let committed {
                inFlight.append(InFlight(batch: ahead, task: send(ahead, afterPush: committed + 1), sentAhead: true))
                ahead = try read()
            }
            let response: PushResponse
            do {
                response = try await head.task.value
            } catch is PushOutOfOrder where head.sentAhead {
                // The batch ahead of it is acknowledged now: again, in order.
                inFlight[0] = InFlight(batch: head.batch, task: send(head.batch, afterPush: nil), sentAhead: false)
                continue
            }
            inFlight.removeFirst()
            guard response.results.map(\.id) == head.batch.map(\.id) else {
                throw SyncError.protocolViolation("the push answer does not list the changes that were sent")
            }
            committed = response.pushes
            if inFlight.isEmpty, !ahead.isEmpty {
                inFlight.append(InFlight(batch: ahead, task: send(ahead, afterPush: nil), sentAhead: false))
                ahead = try read()
            }
            try replica.markPushed(head.batch.map(\.id))
            for result in response.results {
                switch result.outcome {
                case .merged: report.merged += 1
                case .conflicted: report.conflicted += 1
                case .duplicate: report.duplicates += 1
                case .rejected: report.rejected += 1
                case .applied, .superseded: break
                }
            }
            pushed += head.batch.count
            report.pushed += head.batch.count
            progress?(SyncProgress(phase: .push, done: report.pushed, total: total))
        }
        return pushed
    }

    /// A push on its way: its batch, the request, and whether it was sent before the batch
    /// ahead of it was answered.
    private struct InFlight {
        var batch: [OutgoingChange]
        var task: Task<PushResponse, any Error>
        var sentAhead: Bool
    }

    private func send(_ batch: [OutgoingChange], afterPush: Int64?) -> Task<PushResponse, any Error> {
        Task { [transport, device = replica.device] in try await transport.push(device: device, changes: batch, afterPush: afterPush) }
    }

    /// Pulls pages until the server has no more; returns how many changes it pulled.
    ///
    /// The next page is fetched while the current one is applied (the server builds pages from
    /// what it stored, so the two overlap on separate cores). A page is still applied only after
    /// the one before it, with its cursor, so a sync cut off anywhere resumes where it stopped.
    @discardableResult
    public func pull(into report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> Int {
        var pulled = 0
        var cursor = try replica.syncCursor()
        var page = try await transport.pull(cursor: cursor, limit: pullLimit)
        if page.hasMore { try replica.beginLongPull() }
        while true {
            if page.hasMore && page.cursor == cursor { throw SyncError.protocolViolation("the server's cursor did not move") }
            let next: Task<PullResponse, any Error>? = page.hasMore ? Task { [transport, pullLimit, after = page.cursor] in
                try await transport.pull(cursor: after, limit: pullLimit)
            } : nil
            do {
                try replica.applyPulled(page)
            } catch {
                next?.cancel()
                throw error
            }
            pulled += page.changes.count
            report.pulled += page.changes.count
            progress?(SyncProgress(phase: .pull, done: report.pulled, total: nil))
            guard let next else { break }
            cursor = page.cursor
            page = try await next.value
        }
        try replica.endPull()
        return pulled
    }
}

extension SyncClient {
    /// The leading changes whose JSON fits in `bytes` (always at least one).
    static func prefix(_ changes: [OutgoingChange], bytes: Int) -> [OutgoingChange] {
        var total = 0
        var count = 0
        for change in changes {
            total += change.json.count + 1
            if count > 0 && total > bytes { break }
            count += 1
        }
        return Array(changes.prefix(count))
    }
}

/// Why a sync stopped. Each description is one sentence for a person; the library is unchanged
/// by the step that failed and the next sync resumes.
public enum SyncError: Error, Equatable, CustomStringConvertible {
    case notConfigured
    case unreachable(String, detail: String)
    case timedOut(String)
    case unauthorized
    case server(status: Int, code: String, message: String)
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .notConfigured: "No server is set: use --server URL and --token TOKEN, $GLOSS_SERVER and $GLOSS_TOKEN, or `gloss remote set URL --token TOKEN`."
        case .unreachable(let server, let detail): "The server \(server) cannot be reached (\(detail)); your library is unchanged and works offline."
        case .timedOut(let server): "The server \(server) did not answer in time; your library is unchanged and the next sync resumes."
        case .unauthorized: "The server refused the token; check it with `gloss remote set URL --token TOKEN` or ask for a new one (`gloss user token NAME`)."
        case .server(let status, let code, let message): "The server answered \(status) (\(code)): \(message)"
        case .protocolViolation(let detail): "The server's answer is not the gloss sync protocol (\(detail)); your library is unchanged."
        }
    }
}

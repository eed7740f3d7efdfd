import Foundation
import GlossModel
import GlossReplica
import GlossStore
import GlossSync

/// Where a sync's time goes: the replica's reads, marks and applies, and the HTTP round trips
/// (server time included). Totals per phase, for the sync benchmark's breakdown.
final class PhaseClock: @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [String: (seconds: Double, count: Int)] = [:]

    func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now()
        defer { add(name, seconds(start)) }
        return try body()
    }

    func time<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        let start = DispatchTime.now()
        defer { add(name, seconds(start)) }
        return try await body()
    }

    private func add(_ name: String, _ elapsed: Double) {
        lock.withLock {
            let old = totals[name] ?? (0, 0)
            totals[name] = (old.seconds + elapsed, old.count + 1)
        }
    }

    /// One line per phase: total, calls, mean per call.
    func lines() -> [String] {
        lock.withLock {
            totals.sorted { $0.key < $1.key }.map { name, total in
                String(format: "  %-26@ %8.1f ms in %4d calls, %6.2f ms each", name as NSString, total.seconds * 1000, total.count,
                       total.seconds * 1000 / Double(max(1, total.count)))
            }
        }
    }
}

/// The library as a replica, timed.
struct TimedReplica: SyncReplica {
    let base: Library
    let clock: PhaseClock

    var device: DeviceID { base.device }
    func unpushedChanges(limit: Int) throws -> [Change] { try base.unpushedChanges(limit: limit) }
    func unpushedChanges(limit: Int, after: ID<Change>?) throws -> [Change] { try base.unpushedChanges(limit: limit, after: after) }
    func outgoingChanges(limit: Int, after: ID<Change>?) throws -> [OutgoingChange] {
        try clock.time("replica: read journal") { try base.outgoingChanges(limit: limit, after: after) }
    }
    func markPushed(_ ids: [ID<Change>]) throws { try clock.time("replica: mark pushed") { try base.markPushed(ids) } }
    func syncCursor() throws -> String? { try base.syncCursor() }
    func applyPulled(_ page: PullResponse) throws { try clock.time("replica: apply page") { try base.applyPulled(page) } }
    func beginLongPull() throws { try clock.time("replica: defer upkeep") { try base.beginLongPull() } }
    func endPull() throws { try clock.time("replica: finish upkeep") { try base.endPull() } }
}

/// HTTP, timed (each call's whole round trip: encoding, the server's work, decoding the answer).
struct TimedHTTPTransport: SyncTransport {
    let base: HTTPSyncTransport
    let clock: PhaseClock

    func push(_ request: PushRequest) async throws -> PushResponse {
        try await clock.time("http: push round trip") { try await base.push(request) }
    }
    func push(device: DeviceID, changes: [OutgoingChange], afterPush: Int64?) async throws -> PushResponse {
        try await clock.time("http: push round trip") { try await base.push(device: device, changes: changes, afterPush: afterPush) }
    }
    func pull(cursor: String?, limit: Int) async throws -> PullResponse {
        try await clock.time("http: pull round trip") { try await base.pull(cursor: cursor, limit: limit) }
    }
}

import Foundation
import Testing
@testable import GlossModel
@testable import GlossReplica
@testable import GlossServer
@testable import GlossStore
@testable import GlossSync

/// `SyncClient.pull` tells the replica when a pull has more than one page (so a small library
/// may defer its index upkeep) and when the pull is over (so it is done).
@Suite struct LongPullTests {
    /// The library as a replica, noting what the client asks of it, in order.
    final class Spy: SyncReplica, @unchecked Sendable {
        let base: Library
        private let lock = NSLock()
        private var log: [String] = []
        init(_ base: Library) { self.base = base }
        var calls: [String] { lock.withLock { log } }
        private func note(_ call: String) { lock.withLock { log.append(call) } }

        var device: DeviceID { base.device }
        func unpushedChanges(limit: Int) throws -> [Change] { try base.unpushedChanges(limit: limit) }
        func unpushedChanges(limit: Int, after: ID<Change>?) throws -> [Change] { try base.unpushedChanges(limit: limit, after: after) }
        func outgoingChanges(limit: Int, after: ID<Change>?) throws -> [OutgoingChange] { try base.outgoingChanges(limit: limit, after: after) }
        func markPushed(_ ids: [ID<Change>]) throws { try base.markPushed(ids) }
        func syncCursor() throws -> String? { try base.syncCursor() }
        func applyPulled(_ page: PullResponse) throws {
            note(try base.upkeepIsDeferred ? "apply (deferred)" : "apply")
            try base.applyPulled(page)
        }
        func beginLongPull() throws { note("begin"); try base.beginLongPull() }
        func endPull() throws { try base.endPull(); note(try base.upkeepIsDeferred ? "end (still deferred)" : "end") }
    }

    @Test func aPullOfSeveralPagesDefersUpkeepForItsPagesAndFinishesAtTheEnd() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-long-pull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await TestStores.make(in: folder)
        let user = try await store.addUser(name: "ana").user
        let a = try Library(inMemoryWithDevice: DeviceID(rawValue: "a"))
        for n in 0..<12 { _ = try a.addNote(body: "Lighthouse note \(n)") }
        _ = try await SyncClient(replica: a, transport: DirectTransport(store: store, user: user)).sync()

        let spy = Spy(try Library(inMemoryWithDevice: DeviceID(rawValue: "b")))
        var client = SyncClient(replica: spy, transport: DirectTransport(store: store, user: user))
        client.pullLimit = 5
        var report = SyncReport()
        #expect(try await client.pull(into: &report) == 12)
        #expect(spy.calls == ["begin", "apply (deferred)", "apply (deferred)", "apply (deferred)", "end"])
        #expect(try spy.base.search("lighthouse", limit: 50).count == 12)

        // A pull of one page leaves the upkeep as it is, page by page.
        _ = try a.addNote(body: "One more lighthouse")
        _ = try await SyncClient(replica: a, transport: DirectTransport(store: store, user: user)).sync()
        let before = spy.calls.count
        #expect(try await client.pull(into: &report) == 1)
        #expect(Array(spy.calls.dropFirst(before)) == ["apply", "end"])
        await store.close()
    }
}

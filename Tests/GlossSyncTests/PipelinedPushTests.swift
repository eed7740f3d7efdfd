import Foundation
import GlossTestSupport
import Hummingbird
import HummingbirdTesting
import Testing
@testable import GlossModel
@testable import GlossReplica
@testable import GlossServer
@testable import GlossStore
@testable import GlossSync

/// A client sends its next push batch while the one ahead of it is still on its way, naming the
/// count of the device's pushes it must follow (`afterPush`); the server applies it only after
/// the one ahead, so batches are never applied out of order, whatever arrives first.
@Suite struct PipelinedPushTests {
    static func library(notes: Int, device: String = "laptop") throws -> Library {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: device))
        for n in 0..<notes { _ = try library.addNote(body: "note \(n)", tags: n % 3 == 0 ? ["t"] : []) }
        return library
    }

    @Test func theServerAppliesABatchSentAheadOnlyAfterTheOneItNames() async throws {
        let fixture = try await ServerFixture("pipelined-store")
        let store = fixture.store
        let user = try #require(try await store.authenticate(token: fixture.token))
        let library = try Self.library(notes: 9)
        let changes = try library.unpushedChanges(limit: 100)
        let batches = stride(from: 0, to: changes.count, by: 3).map { Array(changes[$0..<min(changes.count, $0 + 3)]) }
        let device = library.device

        let first = try await store.push(user: user, PushRequest(device: device, changes: batches[0]))
        #expect(first.pushes == 1)
        // The third batch arrives before the second: refused whole, nothing written.
        await #expect(throws: PushOutOfOrder.self) { _ = try await store.push(user: user, PushRequest(device: device, changes: batches[2], afterPush: 2)) }
        #expect(try await store.pull(user: user, after: .start, limit: 100).changes.map(\.id) == batches[0].map(\.id))
        // In order, each is applied and the count moves on.
        #expect(try await store.push(user: user, PushRequest(device: device, changes: batches[1], afterPush: 1)).pushes == 2)
        #expect(try await store.push(user: user, PushRequest(device: device, changes: batches[2], afterPush: 2)).pushes == 3)
        #expect(try await store.pull(user: user, after: .start, limit: 100).changes.map(\.id) == changes.map(\.id))
        // A retried batch (all duplicates) is a committed push too; one without afterPush is never refused.
        let again = try await store.push(user: user, PushRequest(device: device, changes: batches[2]))
        #expect(again.pushes == 4 && again.results.allSatisfy { $0.outcome == .duplicate })
        // The count is the device's own: another device starts at none.
        await #expect(throws: PushOutOfOrder.self) {
            _ = try await store.push(user: user, PushRequest(device: DeviceID(rawValue: "desk"), changes: [], afterPush: 4))
        }
        await store.close()
    }

    /// A transport straight into the store that notes how many pushes were on their way at once,
    /// and can hold a push back so that the one behind it reaches the store first.
    final class Recorder: SyncTransport, @unchecked Sendable {
        let store: any ServerStore
        let user: UserID
        /// Drop `pushes` from the answers, as a server from before the count does.
        let oldServer: Bool
        /// Hold back every push that carries no `afterPush` this long (the batch ahead of a pipelined one).
        let holdBack: Duration
        private let lock = NSLock()
        private var open = 0
        private(set) var mostAtOnce = 0
        private(set) var sentAhead = 0
        private(set) var refused = 0

        init(store: any ServerStore, user: UserID, oldServer: Bool = false, holdBack: Duration = .zero) {
            (self.store, self.user, self.oldServer, self.holdBack) = (store, user, oldServer, holdBack)
        }

        func push(_ request: PushRequest) async throws -> PushResponse {
            lock.withLock {
                open += 1
                mostAtOnce = max(mostAtOnce, open)
                if request.afterPush != nil { sentAhead += 1 }
            }
            defer { lock.withLock { open -= 1 } }
            if request.afterPush == nil, holdBack > .zero { try await Task.sleep(for: holdBack) }
            do {
                var answer = try await store.push(user: user, request)
                if oldServer { answer.pushes = nil }
                return answer
            } catch let refusal as PushOutOfOrder {
                lock.withLock { refused += 1 }
                throw refusal
            }
        }

        func pull(cursor: String?, limit: Int) async throws -> PullResponse {
            try await store.pull(user: user, after: cursor.flatMap(SyncCursor.init) ?? .start, limit: limit)
        }
    }

    @Test func aClientKeepsTwoBatchesOnTheirWayAndTheServerHasThemInJournalOrder() async throws {
        let fixture = try await ServerFixture("pipelined-client")
        let user = try #require(try await fixture.store.authenticate(token: fixture.token))
        let library = try Self.library(notes: 40)
        let transport = Recorder(store: fixture.store, user: user)
        var client = SyncClient(replica: library, transport: transport)
        client.pushBatch = 4
        var report = SyncReport()
        let journal = try library.unpushedChanges(limit: 1_000).map(\.id)
        #expect(try await client.push(into: &report) == journal.count)
        #expect(transport.mostAtOnce == 2)
        #expect(transport.sentAhead >= 5)
        #expect(try library.unpushedCount() == 0)
        let feed = try await fixture.store.pull(user: user, after: .start, limit: 1_000).changes.map(\.id)
        #expect(feed == journal)
        await fixture.store.close()
    }

    @Test func aBatchThatOvertakesTheOneAheadIsRefusedAndSentAgainInOrder() async throws {
        let fixture = try await ServerFixture("pipelined-overtaken")
        let user = try #require(try await fixture.store.authenticate(token: fixture.token))
        let library = try Self.library(notes: 24)
        // Each batch sent after its predecessor's answer waits 50 ms before it reaches the
        // store, so the batch sent ahead of it gets there first.
        let transport = Recorder(store: fixture.store, user: user, holdBack: .milliseconds(50))
        var client = SyncClient(replica: library, transport: transport)
        client.pushBatch = 4
        var report = SyncReport()
        let journal = try library.unpushedChanges(limit: 1_000).map(\.id)
        #expect(try await client.push(into: &report) == journal.count)
        #expect(transport.refused >= 1)
        #expect(report.rejected == 0 && report.duplicates == 0)
        #expect(try await fixture.store.pull(user: user, after: .start, limit: 1_000).changes.map(\.id) == journal)
        await fixture.store.close()
    }

    @Test func aServerThatDoesNotCountPushesGetsOneBatchAtATime() async throws {
        let fixture = try await ServerFixture("pipelined-old")
        let user = try #require(try await fixture.store.authenticate(token: fixture.token))
        let library = try Self.library(notes: 30)
        let transport = Recorder(store: fixture.store, user: user, oldServer: true)
        var client = SyncClient(replica: library, transport: transport)
        client.pushBatch = 4
        var report = SyncReport()
        #expect(try await client.push(into: &report) == 30)
        #expect(transport.mostAtOnce == 1 && transport.sentAhead == 0)
        await fixture.store.close()
    }

    /// Over HTTP the refusal is a 409 with the code `out_of_order`, which the client's transport
    /// turns back into ``PushOutOfOrder``.
    @Test func overHTTPARefusedBatchIs409OutOfOrder() async throws {
        let fixture = try await ServerFixture("pipelined-http")
        let app = Application(router: buildRouter(store: fixture.store, configuration: ServerConfiguration()), logger: .quiet)
        let library = try Self.library(notes: 2)
        let changes = try library.unpushedChanges(limit: 10)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let transport = try HTTPSyncTransport(server: "http://127.0.0.1:\(port)", token: fixture.token)
            let outgoing = changes.map { OutgoingChange(id: $0.id, json: Array(JSONWriter.encode($0))) }
            await #expect(throws: PushOutOfOrder.self) { _ = try await transport.push(device: library.device, changes: outgoing, afterPush: 3) }
            #expect(try await transport.push(device: library.device, changes: outgoing, afterPush: 0).pushes == 1)
            await transport.shutdown()
        }
        let body = JSONWriter.encode(PushRequest(device: library.device, changes: changes, afterPush: 7))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/sync/push", method: .post, headers: [.authorization: "Bearer \(fixture.token)", .contentType: "application/json"],
                                     body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .conflict)
                #expect(String(buffer: response.body).contains("\"code\":\"out_of_order\""))
            }
        }
    }

    /// A push big enough to be decoded off the request's thread (``OffLoop``) is applied like a
    /// small one, and a broken body of that size is a 400 that names the problem.
    @Test func aPushDecodedOffTheRequestsThreadIsAppliedAndABrokenOneIs400() async throws {
        let fixture = try await ServerFixture("offloop-http")
        let app = Application(router: buildRouter(store: fixture.store, configuration: ServerConfiguration()), logger: .quiet)
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
        for n in 0..<300 { _ = try library.addNote(body: "note \(n): " + String(repeating: "a sentence of a long note. ", count: 12)) }
        let changes = try library.unpushedChanges(limit: 1000)
        let body = JSONWriter.encode(PushRequest(device: library.device, changes: changes))
        #expect(body.count >= OffLoop.minimumBytes)
        let headers: HTTPFields = [.authorization: "Bearer \(fixture.token)", .contentType: "application/json"]
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/sync/push", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                let answer = try PushResponse.decode(Data(buffer: response.body))
                #expect(answer.results.count == 300 && answer.results.allSatisfy { $0.outcome == .applied })
            }
            try await client.execute(uri: "/v1/sync/push", method: .post, headers: headers, body: ByteBuffer(bytes: body.dropLast(3))) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("\"code\":\"bad_request\""))
            }
        }
        let pulled = try await fixture.store.pull(user: try #require(try await fixture.store.authenticate(token: fixture.token)), after: .start, limit: 500)
        #expect(pulled.changes.count == 300, "the broken push wrote something")
    }
}

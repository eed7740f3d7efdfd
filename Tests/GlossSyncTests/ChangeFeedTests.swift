import AsyncHTTPClient
import Foundation
import GlossModel
import GlossReplica
import GlossServer
import GlossStore
import GlossSync
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// `GET /v1/changes` as a stream: another machine's edit arrives without the client asking again.
/// How fast it arrives is a figure of `gloss-bench api` (docs/performance.md), not of these tests:
/// they only tell the two ways a change reaches a feed apart, with a poll interval far longer
/// than their deadline, or a store written past the server.
@Suite struct ChangeFeedTests {
    /// A push or an API write through this server wakes the feed at once: with a 300 s poll
    /// interval, each of three edits must still arrive within a 60 s deadline (far more than
    /// they take; the whole suite on two cores can keep a task waiting for seconds).
    @Test func anEditThroughTheServerWakesTheFeedAtOnce() async throws {
        try await withFeed(pollInterval: .seconds(300)) { feed, server, fixture in
            let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "desktop"))
            let transport = try HTTPSyncTransport(server: server, token: fixture.token)
            let desktop = SyncClient(replica: library, transport: transport)
            for n in 0..<2 {
                let note = try library.addNote(body: "Pushed from the desktop, \(n)")
                var report = SyncReport()
                _ = try await desktop.push(into: &report)
                #expect(await feed.arrives(note.id.description, within: .seconds(60)), "pushed note \(n) never arrived: \(feed.text.suffix(300))")
            }
            // A note created through the API (another kind of client) wakes it as well.
            var request = HTTPClientRequest(url: "\(server)/v1/notes")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(fixture.token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"body": "Written in the web client"}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .created)
            #expect(await feed.arrives("Written in the web client", within: .seconds(60)), "the API's note never arrived: \(feed.text.suffix(300))")
            #expect(feed.text.contains("event: changes\nid: "))
            await transport.shutdown()
        }
    }

    /// A change written to the database past this server (as another `gloss serve` on the same
    /// PostgreSQL database would) arrives by the feed's polling.
    @Test func aChangeWrittenByAnotherProcessArrivesByPolling() async throws {
        try await withFeed(pollInterval: .milliseconds(100)) { feed, _, fixture in
            let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
            let user = try #require(try await fixture.store.authenticate(token: fixture.token))
            let note = try library.addNote(body: "Pushed through another server process")
            _ = try await fixture.store.push(user: user, PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 10)))
            #expect(await feed.arrives(note.id.description, within: .seconds(60)), "never arrived: \(feed.text.suffix(300))")
        }
    }

    /// The JSON form answers one page, and the stream form is `text/event-stream`; `body` runs
    /// with the stream open and read in the background; then the server stops at once.
    func withFeed(pollInterval: Duration, _ body: @Sendable (FeedReader, String, ServerFixture) async throws -> Void) async throws {
        let fixture = try await ServerFixture("feed")
        var configuration = ServerConfiguration()
        configuration.feedPollInterval = pollInterval
        let app = Application(router: buildRouter(store: fixture.store, configuration: configuration), logger: .quiet)
        let stopping = Mutex<ContinuousClock.Instant?>(nil)
        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            try await client.execute(uri: "/v1/changes", method: .get, headers: [.authorization: "Bearer \(fixture.token)"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"hasMore\":false"))
            }
            var request = HTTPClientRequest(url: "\(server)/v1/changes")
            request.headers.add(name: "Authorization", value: "Bearer \(fixture.token)")
            request.headers.add(name: "Accept", value: "text/event-stream")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            let feed = FeedReader(response.body)
            defer { feed.stop() }
            #expect(await feed.arrives("retry: ", within: .seconds(60)))
            try await body(feed, server, fixture)
            stopping.withLock { $0 = .now }
        }
        // The server stops with the stream still open and waiting: stopping ends the wait, not
        // the poll interval (300 s in the first test).
        let stopped = try #require(stopping.withLock { $0 })
        #expect(ContinuousClock.now - stopped < .seconds(60))
        withExtendedLifetime(fixture) {}
    }
}

/// Reads an event stream in the background, so a test can wait for some text with a deadline
/// (a read that blocks cannot overrun it).
final class FeedReader: Sendable {
    private let received = Mutex("")
    private let reading = Mutex<Task<Void, any Error>?>(nil)

    init(_ body: HTTPClientResponse.Body) {
        let task = Task { [self] in
            for try await chunk in body { received.withLock { $0 += String(buffer: chunk) } }
        }
        reading.withLock { $0 = task }
    }

    var text: String { received.withLock { $0 } }

    /// Whether `needle` is in the stream within `limit`.
    func arrives(_ needle: String, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if text.contains(needle) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return text.contains(needle)
    }

    func stop() { reading.withLock { $0?.cancel() } }
}

import Foundation
import GlossInterchange
import Testing
import GlossModel
import GlossReplica
import GlossServer
import GlossStore
import GlossSync
import Hummingbird
import HummingbirdTesting
import NIOCore
import AsyncHTTPClient

/// A store whose pushes take a while, so that requests overlap.
struct SlowStore: ServerStore {
    let base: any ServerStore
    let delay: Duration
    var maximumDrift: UInt64 { base.maximumDrift }
    func addUser(name: String) async throws -> (user: UserID, token: String) { try await base.addUser(name: name) }
    func issueToken(name: String) async throws -> String { try await base.issueToken(name: name) }
    func revokeToken(_ token: String) async throws { try await base.revokeToken(token) }
    func authenticate(token: String) async throws -> UserID? { try await base.authenticate(token: token) }
    func push(user: UserID, _ request: PushRequest) async throws -> PushResponse {
        try await Task.sleep(for: delay)
        return try await base.push(user: user, request)
    }
    func pull(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> PullResponse {
        try await base.pull(user: user, after: cursor, limit: limit)
    }
    func record(user: UserID, id: String) async throws -> EntityRecord? { try await base.record(user: user, id: id) }
    func listed(user: UserID, _ query: RecordQuery) async throws -> ListedRows { try await base.listed(user: user, query) }
    func search(user: UserID, _ query: String, limit: Int, marks: (open: String, close: String)) async throws -> [SearchResult] {
        try await base.search(user: user, query, limit: limit, marks: marks)
    }
    func edit(user: UserID, _ build: @escaping @Sendable (inout ServerEdit) throws -> Void) async throws -> EditResult { try await base.edit(user: user, build) }
    func records(user: UserID) async throws -> [EntityRecord] { try await base.records(user: user) }
    func export(user: UserID, _ body: @escaping @Sendable (any AnnotationSource) throws -> Void) async throws { try await base.export(user: user, body) }
}

@Suite struct BackPressureTests {
    @Test func requestsPastTheLimitGet503WithRetryAfterAndSyncWaitsAndSucceeds() async throws {
        let fixture = try await ServerFixture("busy")
        defer { withExtendedLifetime(fixture) {} }
        let (folder, base, token) = (fixture.folder, fixture.store, fixture.token)
        let store = SlowStore(base: base, delay: .milliseconds(300))
        let app = Application(router: buildRouter(store: store, configuration: ServerConfiguration(maximumConcurrentRequests: 1)), logger: .quiet)

        let libraries = try (0..<2).map { n in try Library(path: folder.appendingPathComponent("lib\(n).sqlite").path) }
        for (n, library) in libraries.enumerated() {
            _ = try library.addNote(body: "note from library \(n)")
        }
        let body = JSONWriter.encode(PushRequest(device: libraries[0].device, changes: try libraries[0].unpushedChanges(limit: 10)))
        try await app.test(.live) { client in
            // Eight pushes at once against a limit of one: the rest are told to come back.
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let statuses = try await withThrowingTaskGroup(of: (Int, String?, String).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/sync/push")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(data: body))
                        let response = try await http.execute(request, timeout: .seconds(30))
                        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                        return (Int(response.status.code), response.headers.first(name: "Retry-After"), text)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await http.shutdown()
            #expect(statuses.contains { $0.0 == 200 })
            let busy = statuses.filter { $0.0 == 503 }
            #expect(!busy.isEmpty, "no request was turned away: \(statuses.map(\.0))")
            #expect(statuses.allSatisfy { $0.0 == 200 || $0.0 == 503 })
            for answer in busy {
                #expect(answer.1 == "1")
                #expect(answer.2.contains("\"code\":\"busy\""))
            }

            // Two syncs at once: one is turned away, waits the second it was told, and finishes.
            let transport = try HTTPSyncTransport(server: "http://127.0.0.1:\(port)", token: token)
            let start = DispatchTime.now()
            let reports = try await withThrowingTaskGroup(of: SyncReport.self) { group in
                for library in libraries {
                    group.addTask { try await SyncClient(replica: library, transport: transport).sync() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            #expect(reports.allSatisfy { $0.pushed == 1 })
            #expect(seconds >= 1, "finished in \(seconds) s: nobody waited out a 503")
            // One more sync each (the first to finish could not see the other's note yet).
            for library in libraries { _ = try await SyncClient(replica: library, transport: transport).sync() }
            await transport.shutdown()
            for library in libraries {
                #expect(try Set(library.allRecords().map(\.idString)).count == 2, "a library lacks the other's note")
            }
        }
    }
}

import Foundation
import Testing
import GlossModel
import GlossReplica
import GlossServer
import GlossStore
import GlossSync
import Hummingbird
import HummingbirdTesting

/// The quick form of the soak (issue 6; the long form is `bash scripts/bench soak`): 8 clients
/// write, edit and sync against one server over loopback for 3 seconds each, at least one round
/// each; no request fails, all end identical, and every client's notes reach every library.
@Suite struct SoakTests {
    @Test func eightClientsSyncingAtOnceForSecondsEndIdenticalWithoutErrors() async throws {
        let fixture = try await ServerFixture("soak")
        defer { withExtendedLifetime(fixture) {} }
        let token = fixture.token
        let libraries = try (0..<8).map { try Library(path: fixture.folder.appendingPathComponent("client\($0).sqlite").path) }
        let app = Application(router: buildRouter(store: fixture.store, configuration: ServerConfiguration()), logger: .quiet)
        try await app.test(.live) { client in
            let url = "http://127.0.0.1:\(try #require(client.port))"
            let rounds = try await withThrowingTaskGroup(of: Int.self) { group in
                for (n, library) in libraries.enumerated() {
                    group.addTask {
                        // Each client's 3 seconds start when it does: with one deadline for all,
                        // a client started late on a loaded machine once synced no round at all.
                        let deadline = Date().addingTimeInterval(3)
                        let transport = try HTTPSyncTransport(server: url, token: token)
                        var round = 0
                        repeat {
                            let note = try library.addNote(body: "client \(n) round \(round)")
                            _ = try library.editNote(note.id, body: "client \(n) round \(round), edited")
                            _ = try await SyncClient(replica: library, transport: transport).sync()
                            round += 1
                        } while Date() < deadline
                        await transport.shutdown()
                        return round
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let transport = try HTTPSyncTransport(server: url, token: token)
            for _ in 0..<2 { for library in libraries { _ = try await SyncClient(replica: library, transport: transport).sync() } }
            await transport.shutdown()
            let reference = try CanonicalJSON.encode(libraries[0].allRecords())
            for library in libraries { #expect(try CanonicalJSON.encode(library.allRecords()) == reference) }
            #expect(try libraries[0].allRecords().count == rounds.reduce(0, +))
        }
    }
}

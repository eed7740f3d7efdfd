import Foundation
import Synchronization
import Testing
@testable import GlossModel
@testable import GlossServer
@testable import GlossStore
@testable import GlossSync

/// The token check and list pages read through connections of their own (``DirectReads``), kept
/// open with their statements prepared between requests. What GRDB's writer commits must show
/// in the very next read on them: a revoked token is refused at once, a pushed note is listed.
@Suite struct DirectReadsTests {
    private static func store(in folder: URL) throws -> SQLiteServerStore {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path)
    }

    @Test func aTokenRevokedAfterUseIsRefusedOnTheNextRequest() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-direct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.store(in: folder)
        let (user, token) = try await store.addUser(name: "ana")
        let second = try await store.issueToken(name: "ana")
        #expect(try await store.authenticate(token: token) == user)
        #expect(try await store.authenticate(token: second) == user)
        try await store.revokeToken(token)
        #expect(try await store.authenticate(token: token) == nil, "the revoked token")
        #expect(try await store.authenticate(token: second) == user, "the other token still works")
        #expect(try await store.authenticate(token: token + "x") == nil)
    }

    @Test func aListReadAfterAPushShowsThePushedNotes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-direct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.store(in: folder)
        let (user, _) = try await store.addUser(name: "ana")
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        for round in 1...3 {
            _ = try library.addNote(body: "note of round \(round)")
            _ = try await store.push(user: user, PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 100)))
            try library.markPushed(try library.unpushedChanges(limit: 100).map(\.id))
            let page = try await store.listed(user: user, RecordQuery(kind: .note, limit: 10))
            #expect(page.count == round, "round \(round)")
            #expect(!page.hasMore)
        }
        let firstTwo = try await store.listed(user: user, RecordQuery(kind: .note, limit: 2))
        #expect(firstTwo.count == 2 && firstTwo.hasMore && firstTwo.nextAfter != nil)
    }

    @Test func readsOnManyThreadsAtOnceEachGetTheirAnswer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-direct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.store(in: folder)
        let (user, token) = try await store.addUser(name: "ana")
        // More threads than connections are kept idle: the extra ones are opened, used and closed.
        let right = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4 * DirectReads.keptIdle) { _ in
            let found = try? store.direct.read { connection -> String? in
                var id: String?
                try connection.query("SELECT user_id FROM tokens WHERE hash = ?", [Tokens.hash(token).databaseValue]) { row in
                    id = DirectConnection.text(row, 0)
                    return false
                }
                return id
            }
            if found == user.rawValue { right.withLock { $0 += 1 } }
        }
        #expect(right.withLock { $0 } == 4 * DirectReads.keptIdle)
    }

    @Test func aStatementThatDoesNotPrepareIsAnError() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-direct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.store(in: folder)
        #expect(throws: (any Error).self) {
            try store.direct.read { connection in try connection.query("SELECT nothing FROM nowhere", []) { _ in true } }
        }
        // The connection that failed is still good for the next read.
        #expect(try store.direct.read { connection in
            var count = 0
            try connection.query("SELECT count(*) FROM users", []) { row in
                count = DirectConnection.text(row, 0).flatMap { Int($0) } ?? -1
                return false
            }
            return count
        } == 0)
    }
}

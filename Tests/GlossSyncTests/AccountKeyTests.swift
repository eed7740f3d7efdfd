import Foundation
import GRDB
import Testing
import GlossModel
import GlossReplica
import GlossStore
@testable import GlossServer
import GlossSync

/// Accounts are keyed by their number on the SQLite store, next to accounts an earlier gloss
/// keyed by UUID, and each still sees only its own library.
@Suite struct AccountKeyTests {
    @Test func newAccountsAreNumberedAndLiveBesideAccountsKeyedByUUID() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path)

        // An account from before numbered keys, as an earlier gloss wrote it.
        let legacy = UserID(rawValue: "0190f3a2-7c1e-7d3a-9f00-5a1b2c3d4e5f"), legacyToken = Tokens.generate()
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO users(id, name, created_at) VALUES (?, 'old', '2026-11-01T00:00:00.000Z')", arguments: [legacy.rawValue])
            try db.execute(sql: "INSERT INTO libraries(user_id) VALUES (?)", arguments: [legacy.rawValue])
            try db.execute(sql: "INSERT INTO tokens(hash, user_id, created_at) VALUES (?, ?, '2026-11-01T00:00:00.000Z')",
                           arguments: [Tokens.hash(legacyToken), legacy.rawValue])
        }
        let ana = try await store.addUser(name: "ana"), bo = try await store.addUser(name: "bo")
        #expect(ana.user.rawValue == "1")
        #expect(bo.user.rawValue == "2")
        #expect(try await store.authenticate(token: legacyToken) == legacy)
        #expect(try await store.authenticate(token: bo.token) == bo.user)

        // Each pushes a note; each pulls back its own and nobody else's.
        var bodies: [UserID: String] = [:]
        for user in [legacy, ana.user, bo.user] {
            let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev-\(user)"))
            _ = try library.addNote(body: "note of \(user)")
            bodies[user] = "note of \(user)"
            _ = try await store.push(user: user, PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 10)))
        }
        for user in [legacy, ana.user, bo.user] {
            let page = try await store.pull(user: user, after: .start, limit: 100)
            let notes = page.records.compactMap { $0.string("body") }
            #expect(notes == [bodies[user]], "\(user)")
        }
        await store.close()

        // The numbers go on from the highest, also after the database is opened again.
        let reopened = try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path)
        #expect(try await reopened.addUser(name: "cy").user.rawValue == "3")
        await reopened.close()
    }
}

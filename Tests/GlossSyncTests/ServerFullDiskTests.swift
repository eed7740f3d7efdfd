import Foundation
import GRDB
import Testing
import GlossModel
import GlossStore
import GlossSync
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import GlossServer

/// The server's disk fills up: a push is answered 503 `storage_full` (not a 500), nothing of it
/// is stored, and what was stored before is intact.
@Suite struct ServerFullDiskTests {
    @Test func aFullServerDiskAnswers503AndLosesNothing() async throws {
        let fixture = try await ServerFixture("full", sqliteOnly: true)
        defer { withExtendedLifetime(fixture) {} }
        let (store, token) = (try #require(fixture.store as? SQLiteServerStore), fixture.token)
        let user = try #require(try await store.authenticate(token: token))
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
        for n in 0..<5 { _ = try library.addNote(body: "stored \(n)") }
        _ = try await store.push(user: user, PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 10)))
        try library.markPushed(try library.unpushedChanges(limit: 10).map(\.id))
        let pages = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages + 4)") }

        for n in 0..<40 { _ = try library.addNote(body: "big \(n) " + String(repeating: "x", count: 4000)) }
        let body = JSONWriter.encode(PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 500)))
        let app = Application(router: buildRouter(store: store, configuration: ServerConfiguration()), logger: .quiet)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/sync/push", method: .post,
                                     headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(data: body)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("\"code\":\"storage_full\""))
            }
        }
        let page = try await store.pull(user: user, after: .start, limit: 500)
        #expect(page.changes.count == 5, "the refused push stored something, or the earlier one was lost")
    }
}

import Foundation
import Testing
import GlossModel
import GlossServer
import GlossStore
import GlossSync
import Hummingbird
import HummingbirdTesting
import NIOCore

/// For every route and method: no token, a wrong token and a revoked token never read or change
/// anything (401), and another user's token reads and writes only that user's library.
@Suite struct AuthorizationMatrixTests {
    @Test func noOtherTokenReadsOrChangesAUsersData() async throws {
        let fixture = try await ServerFixture("authz")
        defer { withExtendedLifetime(fixture) {} }
        let store = fixture.store
        let ana = (user: try #require(try await store.authenticate(token: fixture.token)), token: fixture.token)
        let bo = try await store.addUser(name: "bo")
        let revoked = try await store.issueToken(name: "ana")
        try await store.revokeToken(revoked)
        let anaID = try #require(try await store.authenticate(token: ana.token))

        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "ana-laptop"))
        _ = try library.addNote(body: "Ana's private note")
        let push = JSONWriter.encode(PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 10)))
        _ = try await store.push(user: anaID, try PushRequest.decode(push))
        let before = try await store.records(user: anaID)

        let app = Application(router: buildRouter(store: store, configuration: ServerConfiguration()), logger: .quiet)
        let routes: [(String, HTTPRequest.Method)] = [("/v1/sync/push", .post), ("/v1/sync/pull", .get), ("/v1/sync/pull?cursor=0.0", .get)]
        let otherMethods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
        let badCredentials: [String?] = [nil, "Bearer gls_" + String(repeating: "0", count: 64), "Bearer \(revoked)", "Basic \(ana.token)", "Bearer", ana.token]
        try await app.test(.router) { client in
            for (uri, method) in routes {
                for methodTried in [method] + otherMethods {
                    for credential in badCredentials {
                        var headers: HTTPFields = [.contentType: "application/json"]
                        if let credential { headers[.authorization] = credential }
                        try await client.execute(uri: uri, method: methodTried, headers: headers, body: ByteBuffer(data: push)) { response in
                            // Unauthenticated: 401 on the sync routes whatever the method (or 404/405 for no route), never data.
                            #expect([401, 404, 405].contains(Int(response.status.code)), "\(methodTried) \(uri) with \(credential ?? "no token"): \(response.status)")
                            #expect(!String(buffer: response.body).contains("private"), "\(methodTried) \(uri) leaked data")
                        }
                    }
                }
            }
            // Bo's own token: Bo's (empty) library, never Ana's.
            try await client.execute(uri: "/v1/sync/pull", method: .get, headers: [.authorization: "Bearer \(bo.token)"]) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("private"))
            }
            // Bo pushing the same change IDs writes into Bo's library only.
            try await client.execute(uri: "/v1/sync/push", method: .post, headers: [.authorization: "Bearer \(bo.token)", .contentType: "application/json"],
                                     body: ByteBuffer(data: push)) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await store.records(user: anaID) == before, "Ana's library changed")
        let boID = try #require(try await store.authenticate(token: bo.token))
        #expect(try await store.records(user: boID).count == 1)
    }
}

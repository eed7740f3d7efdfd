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

    /// Every route of the router (the HTTP API included), every method: a missing, unknown, revoked
    /// or malformed token is 401 (or 405 for a method the path does not take) and another user's
    /// token never reads or changes Ana's entities.
    @Test func everyRouteAndMethodRefusesAnyoneButTheOwner() async throws {
        let fixture = try await ServerFixture("authz-all")
        defer { withExtendedLifetime(fixture) {} }
        let store = fixture.store
        let ana = fixture.token
        let bo = try await store.addUser(name: "bo").token
        let revoked = try await store.issueToken(name: "ana")
        try await store.revokeToken(revoked)
        let anaID = try #require(try await store.authenticate(token: ana))
        let router = buildRouter(store: store, configuration: ServerConfiguration())
        let routes = router.routes.map { ($0.path.description, $0.method) }
        let app = Application(router: router, logger: .quiet)
        try await app.test(.router) { client in
            func post(_ uri: String, _ body: String) async throws -> String {
                try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(ana)", .contentType: "application/json"],
                                         body: ByteBuffer(string: body)) { response in
                    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    return try #require(json?["id"] as? String)
                }
            }
            let article = try await post("/v1/articles", #"{"text": "A private article about margins and marginalia."}"#)
            let highlight = try await post("/v1/articles/\(article)/highlights", #"{"quote": "margins"}"#)
            let note = try await post("/v1/notes", #"{"body": "A private note", "highlightId": "\#(highlight)"}"#)
            let before = try await store.records(user: anaID)

            let credentials: [String?] = [nil, "Bearer gls_" + String(repeating: "0", count: 64), "Bearer \(revoked)", "Basic \(ana)", "Bearer", ana]
            let body = ByteBuffer(string: #"{"title": "pwned", "body": "pwned", "quote": "margins", "keep": true, "tags": ["pwned"]}"#)
            var tried = 0
            for (path, _) in routes where path != "/healthz" && path != "/v1/openapi.yaml" {
                let id = path.hasPrefix("/v1/articles/") ? article : path.hasPrefix("/v1/highlights/") ? highlight : note
                let uri = path.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: ":id", with: id)
                for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
                    for credential in credentials {
                        var headers: HTTPFields = [.contentType: "application/json"]
                        if let credential { headers[.authorization] = credential }
                        tried += 1
                        try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                            let code = Int(response.status.code)
                            #expect([401, 405].contains(code), "\(method) \(uri) with \(credential.map { String($0.prefix(12)) } ?? "no token"): \(code)")
                            #expect(!String(buffer: response.body).contains("private"), "\(method) \(uri) leaked data")
                        }
                    }
                    try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(bo)", .contentType: "application/json"], body: body) { response in
                        let text = String(buffer: response.body)
                        #expect(!text.contains("private"), "\(method) \(uri) showed Ana's data to Bo")
                        if uri.contains(id) { #expect(!(200..<300).contains(Int(response.status.code)), "\(method) \(uri) as Bo: \(response.status)") }
                    }
                }
            }
            #expect(tried > 400)
            #expect(try await store.records(user: anaID) == before, "Ana's library changed")
        }
    }
}

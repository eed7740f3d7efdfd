import Foundation
import Testing
import GlossModel
import GlossServer
import GlossStore
import GlossSync
import GlossReplica
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import AsyncHTTPClient
import Prometheus

/// The HTTP API's resources, through the real router in process.
@Suite struct ResourceAPITests {
    static let text = """
        The margin is where reading becomes thinking. A note in the margin is a conversation with the author.
        Readers who annotate remember more. The margin is small, and so notes stay short.
        """

    /// A client of the API under test with one user's token.
    struct API {
        let client: any TestClientProtocol
        let token: String

        @discardableResult
        func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, headers extra: HTTPFields = [:], token: String? = nil)
            async throws -> (status: Int, json: [String: Any], headers: HTTPFields, text: String)
        {
            var headers: HTTPFields = [.authorization: "Bearer \(token ?? self.token)"]
            if body != nil { headers[.contentType] = "application/json" }
            for field in extra { headers[field.name] = field.value }
            return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                let text = String(buffer: response.body)
                let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
                return (Int(response.status.code), json, response.headers, text)
            }
        }
    }

    static func withAPI(_ body: @Sendable (API, ServerFixture) async throws -> Void) async throws {
        let fixture = try await ServerFixture("api")
        let app = Application(router: buildRouter(store: fixture.store, configuration: ServerConfiguration(maximumBodyBytes: 64 * 1024)), logger: .quiet)
        try await app.test(.router) { client in try await body(API(client: client, token: fixture.token), fixture) }
        withExtendedLifetime(fixture) {}
    }

    static func json(_ value: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: value), as: UTF8.self) }

    @Test func articlesAreCreatedOnceListedWithoutTextEditedDeletedAndRestored() async throws {
        try await Self.withAPI { api, _ in
            let created = try await api.call(.post, "/v1/articles", Self.json(["text": Self.text, "title": "Margins", "tags": ["reading"]]))
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            #expect(created.headers[.location] == "/v1/articles/\(id)")
            #expect(created.headers[.eTag] != nil)
            #expect(created.json["text"] as? String == Self.text.trimmingCharacters(in: .whitespacesAndNewlines))

            // The same text again is the same article (200), with the new tag added.
            let again = try await api.call(.post, "/v1/articles", Self.json(["text": Self.text, "tags": ["margins"]]))
            #expect(again.status == 200)
            #expect(again.json["id"] as? String == id)
            #expect(again.json["tags"] as? [String] == ["margins", "reading"])

            let list = try await api.call(.get, "/v1/articles")
            let items = try #require(list.json["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["text"] == nil, "lists leave the text out")
            #expect(list.json["next"] is NSNull)

            let renamed = try await api.call(.patch, "/v1/articles/\(id)", Self.json(["title": "On margins", "author": "R. Reader", "tags": ["reading"]]))
            #expect(renamed.status == 200)
            #expect(renamed.json["title"] as? String == "On margins")
            #expect(renamed.json["author"] as? String == "R. Reader")
            #expect(renamed.json["tags"] as? [String] == ["reading"])
            #expect(renamed.headers[.eTag] != created.headers[.eTag])

            #expect(try await api.call(.delete, "/v1/articles/\(id)").status == 204)
            #expect((try await api.call(.get, "/v1/articles").json["items"] as? [Any])?.count == 0)
            #expect((try await api.call(.get, "/v1/articles?deleted=true").json["items"] as? [Any])?.count == 1)
            #expect(try await api.call(.patch, "/v1/articles/\(id)", Self.json(["title": "x"])).status == 410)
            let gone = try await api.call(.get, "/v1/articles/\(id)")
            #expect(gone.status == 410)
            #expect((gone.json["message"] as? String)?.contains("/restore") == true)
            #expect(try await api.call(.get, "/v1/articles/\(id)/highlights").status == 410)
            // A bad request is 400 whether or not its article is deleted (found by schemathesis).
            #expect(try await api.call(.get, "/v1/articles/\(id)/highlights?limit=-5").status == 400)
            #expect(try await api.call(.post, "/v1/articles/\(id)/highlights", Self.json(["quote": "x", "occurrence": 0])).status == 400)
            #expect(try await api.call(.get, "/v1/articles/\(id)?deleted=true").json["deleted"] as? Bool == true)
            let restored = try await api.call(.post, "/v1/articles/\(id)/restore")
            #expect(restored.status == 200)
            #expect(restored.json["deleted"] as? Bool == false)
            #expect(restored.json["title"] as? String == "On margins")
        }
    }

    @Test func highlightsByQuoteRefuseAmbiguityAndPageWithoutRepeats() async throws {
        try await Self.withAPI { api, _ in
            let article = try #require(try await api.call(.post, "/v1/articles", Self.json(["text": Self.text])).json["id"] as? String)
            // "margin is" occurs three times (the doubled space is forgiven): 409 with every place.
            let ambiguous = try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["quote": "margin  is"]))
            #expect(ambiguous.status == 409)
            #expect(ambiguous.json["code"] as? String == "ambiguous_quote")
            #expect((ambiguous.json["candidates"] as? [Any])?.count == 3)
            let missing = try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["quote": "not in the text at all"]))
            #expect(missing.status == 422)

            let second = try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["quote": "margin is", "occurrence": 2, "color": "blue"]))
            #expect(second.status == 201)
            #expect(second.json["exact"] as? String == "margin is")
            #expect((second.json["prefix"] as? String)?.hasSuffix("thinking. A note in the ") == true, "the second place")
            #expect(second.json["color"] as? String == "blue")
            let byRange = try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["start": 4, "end": 10]))
            #expect(byRange.status == 201)
            #expect(byRange.json["exact"] as? String == "margin")
            #expect(try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["start": 4, "end": 100_000])).status == 422)
            _ = try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["quote": "Readers who annotate remember more", "tags": ["memory"]]))

            // Page through one at a time: every highlight once, in ID order.
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let page = try await api.call(.get, "/v1/highlights?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == 200)
                seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page.json["next"] as? String
            } while cursor != nil && seen.count < 10
            #expect(seen.count == 3)
            #expect(seen == seen.sorted())
            // Two a page: a full page, then the last with no cursor after it.
            let firstTwo = try await api.call(.get, "/v1/highlights?limit=2")
            #expect((firstTwo.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(seen.prefix(2)))
            let rest = try await api.call(.get, "/v1/highlights?limit=2&cursor=\(try #require(firstTwo.json["next"] as? String))")
            #expect((rest.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [seen[2]])
            #expect(rest.json["next"] is NSNull)
            #expect(try await api.call(.get, "/v1/highlights?limit=3").json["next"] is NSNull, "a page that ends with the list has no next")
            #expect((try await api.call(.get, "/v1/articles/\(article)/highlights?tag=memory").json["items"] as? [Any])?.count == 1)
            #expect(try await api.call(.get, "/v1/highlights?cursor=bogus").status == 400)
        }
    }

    @Test func aNoteEditedOnAnOldVersionMergesOrConflictsAndNothingIsLost() async throws {
        try await Self.withAPI { api, _ in
            let created = try await api.call(.post, "/v1/notes", Self.json(["body": "First sentence here. Second sentence here."]))
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            let original = try #require(created.headers[.eTag])

            // An edit of the current version applies.
            let first = try await api.call(.patch, "/v1/notes/\(id)", Self.json(["body": "First sentence changed. Second sentence here."]),
                                           headers: [.ifMatch: original])
            #expect(first.headers[HTTPField.Name("Gloss-Merge")!] == "applied")
            // Another client, still on the original version, edits the other sentence: both edits kept.
            let merged = try await api.call(.patch, "/v1/notes/\(id)", Self.json(["body": "First sentence here. Second sentence edited too."]),
                                            headers: [.ifMatch: original])
            #expect(merged.status == 200)
            #expect(merged.headers[HTTPField.Name("Gloss-Merge")!] == "merged")
            #expect(merged.json["body"] as? String == "First sentence changed. Second sentence edited too.")
            // A third, also on the original version, rewrites the first sentence: a conflict version keeps it.
            let conflicted = try await api.call(.patch, "/v1/notes/\(id)", Self.json(["body": "First sentence rewritten. Second sentence here."]),
                                                headers: [.ifMatch: original])
            #expect(conflicted.headers[HTTPField.Name("Gloss-Merge")!] == "conflicted")
            let bodies = [conflicted.json["body"] as? String] + ((conflicted.json["conflicts"] as? [[String: Any]]) ?? []).map { $0["body"] as? String }
            #expect(bodies.contains("First sentence rewritten. Second sentence here."))
            #expect(bodies.contains("First sentence changed. Second sentence edited too."))
            #expect((try await api.call(.get, "/v1/notes?conflicted=true").json["items"] as? [Any])?.count == 1)

            let resolved = try await api.call(.post, "/v1/notes/\(id)/resolve", Self.json(["take": 1]))
            #expect(resolved.status == 200)
            #expect((resolved.json["conflicts"] as? [Any])?.isEmpty == true)
            #expect(try await api.call(.post, "/v1/notes/\(id)/resolve", Self.json(["keep": true])).status == 409)
            #expect(try await api.call(.patch, "/v1/notes/\(id)", Self.json(["body": "x"]), headers: [.ifMatch: "\"garbage\""]).status == 400)
        }
    }

    @Test func whatTheAPIWritesReachesASyncingLibrary() async throws {
        try await Self.withAPI { api, fixture in
            let article = try #require(try await api.call(.post, "/v1/articles", Self.json(["text": Self.text])).json["id"] as? String)
            let highlight = try #require(try await api.call(.post, "/v1/articles/\(article)/highlights",
                                                            Self.json(["quote": "Readers who annotate"])).json["id"] as? String)
            let note = try #require(try await api.call(.post, "/v1/notes", Self.json(["body": "Written in a browser", "highlightId": highlight])).json["id"] as? String)

            let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
            let user = try #require(try await fixture.store.authenticate(token: fixture.token))
            let client = SyncClient(replica: library, transport: DirectTransport(store: fixture.store, user: user))
            _ = try await client.sync()
            let noteID = try #require(ID<Note>(note))
            let synced = try #require(try library.note(noteID))
            #expect(synced.body == "Written in a browser")
            #expect(synced.highlightId?.description == highlight)
            #expect(synced.articleId?.description == article)
            let highlightID = try #require(ID<Highlight>(highlight))
            #expect(try library.highlight(highlightID)?.exact == "Readers who annotate")

            // And a library's edit shows through the API.
            _ = try library.editNote(synced.id, body: "Edited on the laptop")
            _ = try await client.sync()
            #expect(try await api.call(.get, "/v1/notes/\(note)").json["body"] as? String == "Edited on the laptop")
        }
    }

    @Test func searchFindsArticlesQuotesAndNotesWithSnippetsAndForgetsDeletedOnes() async throws {
        try await Self.withAPI { api, _ in
            let article = try #require(try await api.call(.post, "/v1/articles", Self.json(["text": "Notes on the café and its marginalia.", "title": "Cafés"])).json["id"] as? String)
            let highlight = try #require(try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["quote": "its marginalia"])).json["id"] as? String)
            let note = try #require(try await api.call(.post, "/v1/notes", Self.json(["body": "Marginalia are conversations"])).json["id"] as? String)

            let found = try await api.call(.get, "/v1/search?q=marginalia")
            #expect(found.status == 200)
            let items = try #require(found.json["items"] as? [[String: Any]])
            #expect(Set(items.compactMap { $0["id"] as? String }) == [article, highlight, note])
            #expect(items.allSatisfy { ($0["snippet"] as? String)?.lowercased().contains("[marginalia]") == true })
            #expect(items.first { $0["id"] as? String == highlight }?["title"] as? String == "Cafés")
            // Diacritics are forgiven, as in `gloss search`; a custom mark is used.
            let cafe = try await api.call(.get, "/v1/search?q=cafe&open=%3Cb%3E&close=%3C/b%3E")
            #expect((cafe.json["items"] as? [[String: Any]])?.first?["snippet"] as? String == "Notes on the <b>café</b> and its marginalia.")

            // An edit and a delete since the last search are seen by the next one.
            _ = try await api.call(.patch, "/v1/notes/\(note)", Self.json(["body": "Now about something else"]))
            #expect(try await api.call(.delete, "/v1/highlights/\(highlight)").status == 204)
            let after = try await api.call(.get, "/v1/search?q=marginalia")
            #expect((after.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [article])
            #expect((try await api.call(.get, "/v1/search?q=else").json["items"] as? [Any])?.count == 1)

            #expect(try await api.call(.get, "/v1/search?q=%22unbalanced").status == 400)
            #expect(try await api.call(.get, "/v1/search?q=").status == 400)
            #expect(try await api.call(.get, "/v1/search?q=x&limit=0").status == 400)
        }
    }

    @Test func anotherUsersIDsAre404AndTheirListsAreEmpty() async throws {
        try await Self.withAPI { api, fixture in
            let article = try #require(try await api.call(.post, "/v1/articles", Self.json(["text": Self.text])).json["id"] as? String)
            let note = try #require(try await api.call(.post, "/v1/notes", Self.json(["body": "Ana's private thought", "articleId": article])).json["id"] as? String)
            let bo = try await fixture.store.addUser(name: "bo").token
            for (method, uri, body) in [(HTTPRequest.Method.get, "/v1/articles/\(article)", nil), (.patch, "/v1/articles/\(article)", "{\"title\":\"x\"}"),
                                        (.delete, "/v1/articles/\(article)", nil), (.post, "/v1/articles/\(article)/restore", nil),
                                        (.get, "/v1/articles/\(article)/highlights", nil), (.post, "/v1/articles/\(article)/highlights", "{\"quote\":\"margin\"}"),
                                        (.get, "/v1/notes/\(note)", nil), (.patch, "/v1/notes/\(note)", "{\"body\":\"stolen\"}"),
                                        (.delete, "/v1/notes/\(note)", nil), (.post, "/v1/notes/\(note)/resolve", "{\"keep\":true}")] as [(HTTPRequest.Method, String, String?)] {
                let answer = try await api.call(method, uri, body, token: bo)
                #expect(answer.status == 404, "\(method) \(uri) as another user: \(answer.status)")
                #expect(!answer.text.contains("private"))
            }
            #expect((try await api.call(.get, "/v1/notes", token: bo).json["items"] as? [Any])?.isEmpty == true)
            let unlinked = try await api.call(.post, "/v1/notes", Self.json(["body": "x", "articleId": article]), token: bo)
            #expect(unlinked.status == 422)
            #expect(try await api.call(.get, "/v1/notes/\(note)").json["body"] as? String == "Ana's private thought")
            #expect(try await api.call(.get, "/v1/notes", token: "gls_wrong").status == 401)
        }
    }

    @Test func badBodiesAndParametersAreClear4xx() async throws {
        try await Self.withAPI { api, _ in
            let cases: [(String, Int, String?)] = [
                ("{\"text\": ", 400, nil), ("[1, 2]", 400, nil), ("", 400, nil), ("{\"text\": 5}", 400, nil),
                ("{\"text\": \"a\", \"colour\": \"red\"}", 400, "unknown_field"), ("{\"text\": \"a\", \"html\": \"<p>a</p>\"}", 400, nil),
                ("{\"text\": \"   \"}", 422, nil), ("{\"text\": \"a\", \"tags\": [\"\"]}", 400, nil),
                ("{\"text\": \"" + String(repeating: "a", count: 70 * 1024) + "\"}", 413, nil),
            ]
            for (body, status, code) in cases {
                let answer = try await api.call(.post, "/v1/articles", body)
                #expect(answer.status == status, "\(body.prefix(40)): \(answer.status) \(answer.text.prefix(120))")
                #expect(answer.json["message"] is String, "\(body.prefix(40)) has no message")
                if let code { #expect(answer.json["code"] as? String == code) }
            }
            let invalidUTF8 = try await api.client.execute(uri: "/v1/notes", method: .post,
                                                           headers: [.authorization: "Bearer \(api.token)", .contentType: "application/json"],
                                                           body: ByteBuffer(bytes: Array("{\"body\": \"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8))) { $0.status }
            #expect(invalidUTF8 == .badRequest)
            for uri in ["/v1/notes?limit=0", "/v1/notes?limit=501", "/v1/notes?limit=x", "/v1/notes?updatedAfter=yesterday",
                        "/v1/notes?articleId=abc", "/v1/notes?standalone=maybe", "/v1/notes?cursor=" + String(repeating: "A", count: 80)] {
                #expect(try await api.call(.get, uri).status == 400, "\(uri)")
            }
            #expect(try await api.call(.get, "/v1/notes?cursor=").status == 400, "an empty cursor is not the start")
            let article = try #require(try await api.call(.post, "/v1/articles", Self.json(["text": "Short text."])).json["id"] as? String)
            #expect(try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["start": 0, "end": 5, "occurrence": 0])).status == 400)
            #expect(try await api.call(.post, "/v1/articles/\(article)/highlights", Self.json(["quote": "Short", "occurrence": 0])).status == 400)
            let wrongMethod = try await api.call(.put, "/v1/notes/\(UUID().uuidString)")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers[.allow] == "DELETE, GET, PATCH")
            #expect(try await api.call(.get, "/v1/notes/not-an-id").status == 404)
            #expect(try await api.call(.get, "/v1/notes/\(UUID().uuidString)").status == 404)
        }
    }

    /// docs/openapi.yaml and the router describe the same routes; the server serves the document.
    @Test func theOpenAPIDocumentNamesEveryRouteAndNoOther() async throws {
        let fixture = try await ServerFixture("openapi")
        var configuration = ServerConfiguration()
        configuration.metrics = PrometheusCollectorRegistry()  // as `gloss serve` runs: with /metrics
        let router = buildRouter(store: fixture.store, configuration: configuration)
        let served = router.routes.map { route -> String in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue.lowercased()) /\(path)"
        }
        let document = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/openapi.yaml"), encoding: .utf8)
        var documented: [String] = []
        var path: String? = nil
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            for method in ["get", "post", "put", "patch", "delete"] where line == "    \(method):" {
                if let path { documented.append("\(method) \(path)") }
            }
        }
        #expect(documented.count > 20)
        #expect(Set(served).subtracting(documented).sorted() == [], "routes missing from docs/openapi.yaml")
        #expect(Set(documented).subtracting(served).sorted() == [], "documented routes the server lacks")
        let app = Application(router: router, logger: .quiet)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == document)
            }
        }
        withExtendedLifetime(fixture) {}
    }
}

@Suite struct CORSTests {
    @Test func onlyConfiguredOriginsGetCORSHeadersAndPreflightsNeedNoToken() async throws {
        let fixture = try await ServerFixture("cors")
        var configuration = ServerConfiguration()
        configuration.corsOrigins = ["https://notes.example.org"]
        let app = Application(router: buildRouter(store: fixture.store, configuration: configuration), logger: .quiet)
        let token = fixture.token
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/notes", method: .options,
                                     headers: [.origin: "https://notes.example.org", .accessControlRequestMethod: "PATCH"]) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://notes.example.org")
                #expect(response.headers[.accessControlAllowHeaders]?.contains("If-Match") == true)
            }
            try await client.execute(uri: "/v1/notes", method: .get, headers: [.origin: "https://notes.example.org", .authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "https://notes.example.org")
                #expect(response.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            }
            // A 401 carries the header too, so the browser client can read the error.
            try await client.execute(uri: "/v1/notes", method: .get, headers: [.origin: "https://notes.example.org"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.accessControlAllowOrigin] == "https://notes.example.org")
            }
            try await client.execute(uri: "/v1/notes", method: .get, headers: [.origin: "https://evil.example", .authorization: "Bearer \(token)"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
        withExtendedLifetime(fixture) {}
    }
}

/// The sync protocol straight into the store, without faults.
struct DirectTransport: SyncTransport {
    let store: any ServerStore
    let user: UserID

    func push(_ request: PushRequest) async throws -> PushResponse { try await store.push(user: user, request) }

    func pull(cursor: String?, limit: Int) async throws -> PullResponse {
        guard let position = cursor.map({ SyncCursor($0) }) ?? SyncCursor.start else { throw ServerError.badCursor }
        return try await store.pull(user: user, after: position, limit: limit)
    }
}

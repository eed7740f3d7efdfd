import Foundation
import Testing
import GlossModel
import GlossServer
import GlossStore
import GlossSync
import GlossTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// The server's request decoding with hostile requests, through the real router in process:
/// never a 5xx, and every 4xx carries a JSON body with a stable `code` and a `message`.
@Suite struct ServerFuzzTests {
    @Test func hostileRequestsGetA4xxWithAJSONErrorNeverA5xx() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-fuzz-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path)
        let token = try await store.addUser(name: "ana").token
        let router = buildRouter(store: store, configuration: ServerConfiguration(maximumBodyBytes: 64 * 1024))
        var quiet = Logger(label: "gloss.fuzz")
        quiet.logLevel = .warning
        let app = Application(router: router, logger: quiet)

        // Valid pushes from a real library are the corpus.
        let (library, _) = try ImporterFuzzTests.corpus()
        let changes = try library.unpushedChanges(limit: 40)
        var corpus: [Data] = []
        for size in [1, 3, 10, 40] {
            corpus.append(JSONWriter.encode(PushRequest(device: library.device, changes: Array(changes.prefix(size)))))
        }
        var fuzzer = Fuzzer(corpus: corpus, salt: 5)
        var rng = SeededGenerator(seed: Fuzzer.seed &+ 6)
        let paths = ["/v1/sync/push", "/v1/sync/pull", "/v1/sync/pull?limit=", "/v1/sync/pull?cursor=", "/v1/sync/pull?limit=0",
                     "/v1/sync/pull?limit=99999999999999999999", "/v1/sync/pull?cursor=%00%FF", "/v1/sync/pull?cursor=1.2.3",
                     "/v1/sync/pull?cursor=-1.-1", "/v1/sync/pull?limit=-5&cursor=9999999999999999999.0", "/v1/sync", "/v1/../etc/passwd",
                     "/healthz", "/v1/sync/push?x=%zz", "/" + String(repeating: "a", count: 3000)]
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .options, .head]
        struct Probe: Sendable {
            var uri: String
            var method: HTTPRequest.Method
            var headers: HTTPFields
            var body: Data
            var authorized: Bool
        }
        var probes: [Probe] = []
        for _ in 0..<Fuzzer.iterations {
            let body = fuzzer.next()
            let authorized = Int.random(in: 0..<10, using: &rng) > 1
            var headers: HTTPFields = [.contentType: "application/json"]
            if authorized { headers[.authorization] = "Bearer \(token)" }
            else if Bool.random(using: &rng) { headers[.authorization] = ["Bearer", "Basic \(token)", "Bearer \(token)x", "Bearer ", "\u{7F}"].randomElement(using: &rng)! }
            let push = Int.random(in: 0..<3, using: &rng) > 0
            probes.append(Probe(uri: push ? "/v1/sync/push" : paths.randomElement(using: &rng)!,
                                method: push ? .post : methods.randomElement(using: &rng)!, headers: headers, body: body, authorized: authorized))
        }
        let requests = probes
        let statuses = try await app.test(.router) { client in
            var statuses: [Int: Int] = [:]
            for (iteration, probe) in requests.enumerated() {
                let (uri, method) = (probe.uri, probe.method)
                try await client.execute(uri: uri, method: method, headers: probe.headers, body: ByteBuffer(data: probe.body)) { response in
                    let status = Int(response.status.code)
                    statuses[status, default: 0] += 1
                    #expect(status < 500, "iteration \(iteration): \(method) \(uri) answered \(status): \(String(buffer: response.body))")
                    if status >= 400 && method != .head {
                        let error = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        #expect(error?["code"] is String && error?["message"] is String,
                                "iteration \(iteration): \(status) without a JSON error body: \(String(buffer: response.body))")
                    }
                    if !probe.authorized && uri.hasPrefix("/v1/sync/pu") && status != 404 && status != 405 {
                        #expect(status == 401, "iteration \(iteration): no valid token but \(status)")
                    }
                }
            }
            return statuses
        }
        // Whatever was accepted went through the merge: the store still answers a full pull.
        let page = try await store.pull(user: try #require(try await store.authenticate(token: token)), after: .start, limit: 500)
        #expect(page.changes.count <= 500)
        print("server fuzz: \(Fuzzer.iterations) requests, statuses \(statuses.sorted { $0.key < $1.key })")
    }
}

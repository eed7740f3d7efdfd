import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `gloss serve` running as a real process on a free loopback port.
final class ServerProcess {
    let process = Process()
    let port: Int
    let token: String
    /// `--data PATH` or `--database URL`.
    let store: [String]

    /// Starts a server on `folder/server.sqlite`, or on the PostgreSQL database `database`; with
    /// `token` given, reuses that database and account instead of creating one.
    init(folder: URL, database: String? = nil, token existing: String? = nil) throws {
        store = database.map { ["--database", $0] } ?? ["--data", folder.appendingPathComponent("server.sqlite").path]
        if let existing {
            token = existing
        } else {
            token = try Self.addUser(store: store)
        }
        process.executableURL = CLIRunner.binary
        process.arguments = ["serve", "--port", "0"] + store
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        // Read the log until the server says where it listens.
        var seen = ""
        var found: Int? = nil
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"address=http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(seen[range].split(separator: ":").last ?? "")
            }
        }
        port = try #require(found, "the server did not start: \(seen)")
        // Keep draining the log so the server never blocks on a full pipe.
        err.fileHandleForReading.readabilityHandler = { handle in
            // At end of file, stop: a handler left on a closed pipe fires without end (a busy
            // loop) and its dispatch source can crash when the pipe is released.
            if handle.availableData.isEmpty { handle.readabilityHandler = nil }
        }
    }

    static func addUser(store: [String]) throws -> String {
        let add = Process()
        add.executableURL = CLIRunner.binary
        add.arguments = ["user", "add", "ana", "--json"] + store
        let out = Pipe()
        add.standardOutput = out
        add.standardError = Pipe()
        try add.run()
        let json = out.fileHandleForReading.readDataToEndOfFile()
        add.waitUntilExit()
        let parsed = try JSONSerialization.jsonObject(with: json) as? [String: String]
        return try #require(parsed?["token"])
    }

    /// SIGKILL: no chance to finish anything.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() -> Int32 {
        process.terminate()  // SIGTERM: graceful shutdown
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

@Suite(.serialized) struct SyncEndToEndTests {
    @Test func twoLibrariesEditingConcurrentlyEndIdentical() throws {
        let a = try CLIRunner(), b = try CLIRunner()
        let server = try ServerProcess(folder: a.folder)
        defer { _ = server.stop() }
        for cli in [a, b] { #expect(try cli.run(["remote", "set", server.url, "--token", server.token]).status == 0) }

        // Both import the seeds offline: one set of articles after sync.
        _ = try a.json(["add", CLIRunner.seeds.path])
        _ = try b.json(["add", CLIRunner.seeds.path])
        let note = try #require(try a.json(["note", "Xi signed forty deals. The reset is overdue."]) as? [String: Any])
        let noteID = try #require(note["id"] as? String)
        let h = try #require(try a.json(["highlight", "3a7e", "--quote", "Geopolitics"]) as? [String: Any])
        #expect(try a.run(["sync"]).status == 0)
        #expect(try b.run(["sync"]).status == 0)

        // Concurrent edits: different sentences of one note, the same highlight's colour, tags.
        _ = try a.json(["edit", noteID, "--body", "Xi signed more than forty deals. The reset is overdue."])
        _ = try b.json(["edit", noteID, "--body", "Xi signed forty deals. The reset is long overdue."])
        #expect(try a.run(["tag", noteID, "from-a"]).status == 0)
        #expect(try b.run(["tag", noteID, "from-b"]).status == 0)
        _ = try b.json(["edit", h["id"] as? String ?? "", "--color", "blue"])
        _ = try a.json(["highlight", "a76c", "--quote", "Peru's Congress"])
        _ = try b.json(["note", "written on B"])

        let report = try #require(try a.json(["sync"]) as? [String: Any])
        #expect(report["pushed"] as? Int == 3)
        #expect(try b.run(["sync"]).status == 0)
        #expect(try a.run(["sync"]).status == 0)

        let listA = try a.run(["list", "--json"]).stdout, listB = try b.run(["list", "--json"]).stdout
        #expect(listA == listB)
        #expect(try a.run(["articles", "--json"]).stdout == b.run(["articles", "--json"]).stdout)
        let merged = try #require(try a.json(["show", noteID]) as? [String: Any])
        #expect(merged["body"] as? String == "Xi signed more than forty deals. The reset is long overdue.")
        #expect(merged["tags"] as? [String] == ["from-a", "from-b"])
        #expect((try a.json(["articles"]) as? [Any])?.count == 5)
        // The server shuts down cleanly on SIGTERM.
        #expect(server.stop() == 0)
    }

    @Test func overlappingEditsLeaveAConflictThatEveryMachineListsAndOneResolves() throws {
        let a = try CLIRunner(), b = try CLIRunner()
        let server = try ServerProcess(folder: a.folder)
        defer { _ = server.stop() }
        for cli in [a, b] { #expect(try cli.run(["remote", "set", server.url, "--token", server.token]).status == 0) }
        let note = try #require(try a.json(["note", "Draft"]) as? [String: Any])
        let id = try #require(note["id"] as? String)
        #expect(try a.run(["sync"]).status == 0 && b.run(["sync"]).status == 0)
        _ = try a.json(["edit", id, "--body", "Version from A"])
        _ = try b.json(["edit", id, "--body", "Version from B"])
        #expect(try a.run(["sync"]).status == 0)
        let second = try b.run(["sync"])
        #expect(second.stdout.contains("conflicts 1"))
        #expect(try a.run(["sync"]).status == 0)
        for cli in [a, b] {
            let conflicts = try #require(try cli.json(["conflicts"]) as? [[String: Any]])
            #expect(conflicts.count == 1)
            let bodies = [conflicts[0]["body"] as? String] + ((conflicts[0]["conflicts"] as? [[String: Any]]) ?? []).map { $0["body"] as? String }
            #expect(Set(bodies.compactMap { $0 }) == ["Version from A", "Version from B"])
        }
        _ = try a.json(["resolve", id, "--body", "Both versions, merged by hand"])
        #expect(try a.run(["sync"]).status == 0 && b.run(["sync"]).status == 0)
        #expect((try b.json(["conflicts"]) as? [Any])?.isEmpty == true)
        #expect((try b.json(["show", id]) as? [String: Any])?["body"] as? String == "Both versions, merged by hand")
    }

    @Test func whatAKilledServerAcknowledgedSurvivesItsRestart() throws {
        let a = try CLIRunner(), b = try CLIRunner()
        var server = try ServerProcess(folder: a.folder)
        for n in 0..<20 { _ = try a.json(["note", "note \(n) before the crash"]) }
        #expect(try a.run(["sync", "--server", server.url, "--token", server.token]).status == 0)
        server.kill()
        _ = try a.json(["note", "written while the server is down"])
        let down = try a.run(["sync", "--server", server.url, "--token", server.token])
        #expect(down.status != 0 && down.stderr.contains("cannot be reached"))
        server = try ServerProcess(folder: a.folder, token: server.token)
        defer { _ = server.stop() }
        #expect(try a.run(["sync", "--server", server.url, "--token", server.token]).status == 0)
        #expect(try b.run(["sync", "--server", server.url, "--token", server.token]).status == 0)
        #expect((try b.json(["list"]) as? [Any])?.count == 21)
        #expect(try a.run(["list", "--json"]).stdout == b.run(["list", "--json"]).stdout)
    }

    @Test func aServerThatIsDownOrAWrongTokenFailsClearlyAndLosesNothing() throws {
        let a = try CLIRunner()
        _ = try a.json(["note", "kept offline"])
        let down = try a.run(["sync", "--server", "http://127.0.0.1:9", "--token", "x"])
        #expect(down.status != 0 && down.stderr.contains("cannot be reached"))
        let server = try ServerProcess(folder: a.folder)
        defer { _ = server.stop() }
        let wrong = try a.run(["sync", "--server", server.url, "--token", "gls_wrong"])
        #expect(wrong.status != 0 && wrong.stderr.contains("refused the token"))
        let notConfigured = try a.run(["sync"])
        #expect(notConfigured.status != 0 && notConfigured.stderr.contains("No server is set"))
        // Nothing was lost or marked as sent: the next sync pushes it.
        let ok = try #require(try a.json(["sync", "--server", server.url, "--token", server.token]) as? [String: Any])
        #expect(ok["pushed"] as? Int == 1)
    }

    /// `/metrics` needs no token and counts requests, latencies and the changes syncs applied.
    @Test func metricsCountRequestsAndSyncedChangesInPrometheusFormat() async throws {
        let runner = try CLIRunner()
        let server = try ServerProcess(folder: runner.folder)
        defer { _ = server.stop() }
        #expect(try runner.run(["remote", "set", server.url, "--token", server.token]).status == 0)
        #expect(try runner.run(["note", "Counted by the server"]).status == 0)
        #expect(try runner.run(["sync"]).status == 0)
        let (data, response) = try await URLSession.shared.data(from: URL(string: server.url + "/metrics")!)
        let text = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain") == true)
        #expect(text.contains("hb_requests{"), "\(text.prefix(400))")
        #expect(text.contains("http_server_request_duration"))
        let applied = text.split(separator: "\n").first { $0.hasPrefix("gloss_changes_total") && $0.contains("outcome=\"applied\"") && $0.contains("source=\"sync\"") }
        #expect(applied.map { $0.hasSuffix(" 1") } == true, "\(applied ?? "no gloss_changes_total line")")
    }

    @Test func theHTTPAPIAnswersBadRequestsWithJSONErrors() async throws {
        let folder = try CLIRunner()
        let server = try ServerProcess(folder: folder.folder)
        defer { _ = server.stop() }
        func call(_ method: String, _ path: String, token: String? = nil, body: Data? = nil) async throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: server.url + path)!)
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            request.httpBody = body
            let (data, response) = try await URLSession.shared.data(for: request)
            let json = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
        }
        let t = server.token
        var (status, body) = try await call("GET", "/v1/sync/pull")
        #expect(status == 401 && body["code"] as? String == "unauthorized")
        (status, body) = try await call("GET", "/v1/sync/pull", token: "gls_" + String(repeating: "0", count: 64))
        #expect(status == 401)
        (status, body) = try await call("POST", "/v1/sync/push", token: t, body: Data("{not json".utf8))
        #expect(status == 400 && body["code"] as? String == "bad_request")
        (status, body) = try await call("POST", "/v1/sync/push", token: t, body: Data(#"{"device":"d","changes":[{"id":"x"}]}"#.utf8))
        #expect(status == 400 && (body["message"] as? String)?.contains("changes[0]") == true)
        (status, body) = try await call("POST", "/v1/sync/push", token: t, body: Data([0xFF, 0xFE, 0x00]))
        #expect(status == 400)
        // A header past the 32 KiB limit (docs/operations.md): refused, and the server goes on.
        var huge = URLRequest(url: URL(string: server.url + "/healthz")!)
        huge.setValue(String(repeating: "a", count: 40_000), forHTTPHeaderField: "X-Huge")
        let hugeStatus = ((try? await URLSession.shared.data(for: huge))?.1 as? HTTPURLResponse)?.statusCode
        #expect(hugeStatus == nil || hugeStatus == 400 || hugeStatus == 431, "a 40 KB header was answered \(hugeStatus ?? 0)")
        (status, body) = try await call("GET", "/healthz")
        #expect(status == 200)
        (status, body) = try await call("GET", "/v1/sync/pull?cursor=%%%", token: t)
        #expect(status == 400)
        (status, body) = try await call("GET", "/v1/sync/pull?limit=0", token: t)
        #expect(status == 400)
        (status, body) = try await call("POST", "/v1/sync/push", token: t, body: Data(count: 17 * 1024 * 1024))
        #expect(status == 413 && body["code"] as? String == "too_large")
        (status, body) = try await call("GET", "/v1/nothing", token: t)
        #expect(status == 404 && body["code"] as? String == "not_found")
        // A change the schema does not allow is rejected, not stored.
        let change = #"{"id":"01a20600-0000-7000-8000-000000000001","entity":"note","entityId":"01a20600-0000-7000-8000-000000000002","op":"create","clock":"0000018c00000000","device":"d","at":"2026-01-01T00:00:00Z","fields":{"evil":{"old":null,"new":1}}}"#
        (status, body) = try await call("POST", "/v1/sync/push", token: t, body: Data(#"{"device":"d","changes":[\#(change)]}"#.utf8))
        #expect(status == 200)
        #expect(((body["results"] as? [[String: Any]])?.first?["outcome"] as? String) == "rejected")
        (status, body) = try await call("GET", "/healthz")
        #expect(status == 200 && body["status"] as? String == "ok")
    }

    @Test func oneUserNeverSeesAnothersLibrary() async throws {
        let a = try CLIRunner(), b = try CLIRunner()
        let server = try ServerProcess(folder: a.folder)
        defer { _ = server.stop() }
        let other = try b.run(["user", "add", "ben", "--json"] + server.store, useLibrary: false)
        let benToken = try #require((other.json as? [String: String])?["token"])
        _ = try a.json(["note", "Ana's private note"])
        #expect(try a.run(["sync", "--server", server.url, "--token", server.token]).status == 0)
        #expect(try b.run(["sync", "--server", server.url, "--token", benToken]).status == 0)
        #expect((try b.json(["list"]) as? [Any])?.isEmpty == true)
        // Revoked tokens stop working.
        #expect(try b.run(["user", "revoke", benToken] + server.store, useLibrary: false).status == 0)
        #expect(try b.run(["sync", "--server", server.url, "--token", benToken]).status != 0)
    }
}

/// `--database` mistakes: one clear sentence and a non-zero exit, before anything listens.
@Suite struct DatabaseOptionTests {
    @Test func anUnreachableOrMalformedDatabaseIsOneClearSentence() throws {
        let cli = try CLIRunner()
        let unreachable = try cli.run(["user", "add", "ana", "--database", "postgres://gloss@127.0.0.1:9/gloss"], useLibrary: false)
        #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot be reached"), "\(unreachable.stderr)")
        let malformed = try cli.run(["serve", "--database", "mysql://gloss@db/gloss"], useLibrary: false)
        #expect(malformed.status != 0 && malformed.stderr.contains("postgres://USER@HOST:PORT/DATABASE"), "\(malformed.stderr)")
        let both = try cli.run(["serve", "--database", "postgres://gloss@db/gloss", "--data", cli.folder.appendingPathComponent("s.sqlite").path], useLibrary: false)
        #expect(both.status != 0 && both.stderr.contains("not both"), "\(both.stderr)")
        let badSchema = try cli.run(["user", "add", "ana", "--database", "postgres://gloss@127.0.0.1:9/gloss?schema=a;b"], useLibrary: false)
        #expect(badSchema.status != 0 && badSchema.stderr.contains("schema name"), "\(badSchema.stderr)")
    }

    @Test func compactRebuildsTheServerDatabaseAndSaysWhatItDid() throws {
        let cli = try CLIRunner()
        let path = cli.folder.appendingPathComponent("server.sqlite").path
        let added = try cli.run(["user", "add", "ana", "--data", path, "--json"], useLibrary: false)
        #expect(added.status == 0, "\(added.stderr)")
        let compacted = try cli.run(["admin", "compact", "--data", path, "--json"], useLibrary: false)
        #expect(compacted.status == 0, "\(compacted.stderr)")
        let answer = try JSONSerialization.jsonObject(with: Data(compacted.stdout.utf8)) as? [String: Any]
        #expect(answer?["pageSizeAfter"] as? Int == 16_384)
        #expect(answer?["path"] as? String == path)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["token"] as? String)
        let revoked = try cli.run(["user", "revoke", token, "--data", path], useLibrary: false)
        #expect(revoked.status == 0, "the account survived the rebuild: \(revoked.stderr)")
        let missing = try cli.run(["admin", "compact", "--data", path + ".missing"], useLibrary: false)
        #expect(missing.status == 1 && missing.stderr.contains("There is no server database at"), "\(missing.stderr)")
    }
}

import Foundation
import GlossModel
import GlossPostgres
import GlossReplica
import GlossServer
import GlossStore
import GlossSync
import GlossTestSupport
import AsyncHTTPClient
import NIOCore
import Testing

/// The PostgreSQL cluster that scripts/with-postgres starts (the tests below are skipped without it).
enum PostgresCluster {
    static var url: String? {
        ProcessInfo.processInfo.environment["GLOSS_TEST_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs a program and waits for it. (posix_spawn and waitpid: Foundation's Process, with
    /// other processes running beside it, was seen never to notice this one's exit.)
    static func run(_ path: String) throws -> Int32 {
        var pid: pid_t = 0
        let arguments = [strdup(path), nil]
        defer { free(arguments[0]) }
        let spawned = posix_spawn(&pid, path, nil, nil, arguments, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    /// The database URL with a schema of its own, so each test starts from an empty store.
    static func freshSchemaURL() throws -> String {
        let base = try #require(url)
        return base + (base.contains("?") ? "&" : "?") + "schema=e2e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}

/// A machine in these tests: a library, and a sync client for each server process.
struct Machine {
    let library: Library
    let clients: [SyncClient<Library, HTTPSyncTransport>]

    init(_ name: String, servers: [ServerProcess]) throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: name))
        self.library = library
        clients = try servers.map { server in
            var client = SyncClient(replica: library, transport: try HTTPSyncTransport(server: server.url, token: server.token))
            client.pushBatch = 7  // small batches and pages: page boundaries fall inside pushes
            client.pullLimit = 5
            return client
        }
    }

    func shutdown() async {
        for client in clients { await client.transport.shutdown() }
    }
}

/// Several `gloss serve` processes on one PostgreSQL database (issue 7): clients syncing through
/// any of them converge, no pull skips a change, and a database restart loses nothing acknowledged.
@Suite(.serialized, .enabled(if: PostgresCluster.url != nil, "needs GLOSS_TEST_DATABASE (bash scripts/with-postgres swift test)"))
struct PostgresClusterTests {
    static let words = ["trade", "reset", "deal", "Lima", "growth", "roots", "summit", "policy", "tariff", "vines"]

    /// Two `gloss serve` processes on one new schema, one account (the caller stops both and
    /// keeps `scratch`, whose folder they use, alive until then).
    static func twoProcesses() throws -> (scratch: CLIRunner, url: String, first: ServerProcess, second: ServerProcess) {
        let scratch = try CLIRunner()
        let url = try PostgresCluster.freshSchemaURL()
        let first = try ServerProcess(folder: scratch.folder, database: url)
        return (scratch, url, first, try ServerProcess(folder: scratch.folder, database: url, token: first.token))
    }

    @Test func threeClientsThroughTwoProcessesOnOneDatabaseConverge() async throws {
        let (scratch, url, first, second) = try Self.twoProcesses()
        defer { _ = first.stop(); _ = second.stop(); withExtendedLifetime(scratch) {} }
        let machines = try (0..<3).map { try Machine("machine-\($0)", servers: [first, second]) }

        // Notes everyone will edit at once.
        for n in 0..<3 { _ = try machines[0].library.addNote(body: "Shared note \(n) about trade and the reset.") }
        _ = try await machines[0].clients[0].sync()
        for machine in machines.dropFirst() { _ = try await machine.clients[1].sync() }

        // Each machine edits, tags and writes notes, and syncs through either process, all at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, machine) in machines.enumerated() {
                group.addTask {
                    var rng = SeededGenerator(seed: UInt64(index + 1) &* 7919)
                    for round in 0..<30 {
                        let notes = try machine.library.allRecords().filter { $0.kind == .note && !$0.deleted }
                        let note = notes[Int(rng.next() % UInt64(notes.count))]
                        switch rng.next() % 4 {
                        case 0:
                            _ = try machine.library.addNote(body: "Note \(round) from \(machine.library.device).")
                        case 1:
                            try machine.library.setTags(EntityRef(kind: .note, id: note.idString), [Self.words[Int(rng.next() % 10)]], present: rng.next() % 3 != 0)
                        default:
                            var tokens = (note.string("body") ?? "").split(separator: " ").map(String.init)
                            tokens[Int(rng.next() % UInt64(tokens.count))] = Self.words[Int(rng.next() % 10)]
                            _ = try machine.library.editNote(ID(note.id), body: tokens.joined(separator: " "))
                        }
                        _ = try await machine.clients[Int(rng.next() % 2)].sync()
                    }
                }
            }
            try await group.waitForAll()
        }
        for _ in 0..<2 {
            for machine in machines { _ = try await machine.clients[0].sync(); _ = try await machine.clients[1].sync() }
        }

        try await Self.expectConverged(machines, url: url, token: first.token)
        for machine in machines { await machine.shutdown() }
    }

    @Test func aChangePushedThroughOneProcessReachesAStreamOnTheOtherWithinASecond() async throws {
        let (scratch, _, first, second) = try Self.twoProcesses()
        defer { _ = first.stop(); _ = second.stop(); withExtendedLifetime(scratch) {} }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: second.url + "/v1/changes")
        request.headers.add(name: "Authorization", value: "Bearer \(first.token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await http.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")

        let machine = try Machine("desktop", servers: [first])
        let note = try machine.library.addNote(body: "Pushed through the first process")
        let pushedAt = ContinuousClock.now
        _ = try await machine.clients[0].sync()
        var received = ""
        for try await chunk in response.body {
            received += String(buffer: chunk)
            if received.contains(note.id.description) || ContinuousClock.now - pushedAt > .seconds(5) { break }
        }
        let delay = ContinuousClock.now - pushedAt
        #expect(received.contains(note.id.description), "the note never reached the other process's stream: \(received.prefix(300))")
        #expect(delay < .seconds(1), "arrived after \(delay)")
        try await http.shutdown()
        await machine.shutdown()
    }

    @Test func aDatabaseRestartWhileClientsSyncLosesNothingAcknowledged() async throws {
        let restart = try #require(ProcessInfo.processInfo.environment["GLOSS_TEST_POSTGRES_RESTART"], "scripts/with-postgres sets GLOSS_TEST_POSTGRES_RESTART")
        let scratch = try CLIRunner()
        let url = try PostgresCluster.freshSchemaURL()
        let server = try ServerProcess(folder: scratch.folder, database: url)
        defer { _ = server.stop() }
        let machines = try (0..<3).map { try Machine("machine-\($0)", servers: [server]) }

        let failed = try await withThrowingTaskGroup(of: Int.self) { group in
            for machine in machines {
                group.addTask {
                    var failures = 0
                    for round in 0..<40 {
                        _ = try machine.library.addNote(body: "Note \(round) from \(machine.library.device).")
                        // A sync cut off by the restart fails clearly; the next one carries on.
                        do { _ = try await machine.clients[0].sync() } catch { failures += 1 }
                        try await Task.sleep(for: .milliseconds(25))
                    }
                    return failures
                }
            }
            group.addTask {
                for _ in 0..<2 {
                    try await Task.sleep(for: .milliseconds(400))
                    #expect(try PostgresCluster.run(restart) == 0, "the cluster did not restart")
                }
                return 0
            }
            return try await group.reduce(0, +)
        }
        #expect(server.process.isRunning, "the server died with its database")
        for _ in 0..<2 {
            for machine in machines { _ = try await machine.clients[0].sync() }
        }
        try await Self.expectConverged(machines, url: url, token: server.token)
        for machine in machines {
            #expect(try machine.library.allRecords().filter { $0.kind == .note }.count == 120)
            await machine.shutdown()
        }
        print("restart test: \(failed) of 120 syncs failed during the restarts and were carried by later ones")
    }

    /// Every machine holds exactly the server's records; every change the server journaled is in
    /// every machine's journal (no pull skipped one); every change a machine made is on the server.
    static func expectConverged(_ machines: [Machine], url: String, token: String) async throws {
        let store = try await PostgresServerStore.open(PostgresStoreConfiguration(url: url, poolSize: 2))
        let user = try #require(try await store.authenticate(token: token))
        let records = try CanonicalJSON.encode(try await store.records(user: user))
        var serverChanges = Set<String>()
        var cursor = SyncCursor.start
        while true {
            let page = try await store.pull(user: user, after: cursor, limit: 500)
            serverChanges.formUnion(page.changes.map(\.id.description))
            cursor = SyncCursor(page.cursor) ?? cursor
            if !page.hasMore { break }
        }
        await store.close()
        for machine in machines {
            #expect(try machine.library.unpushedCount() == 0)
            #expect(try CanonicalJSON.encode(try machine.library.allRecords()) == records, "\(machine.library.device) differs from the server")
            let journal = Set(try machine.library.log().map(\.id.description))
            let missing = serverChanges.subtracting(journal)
            #expect(missing.isEmpty, "\(machine.library.device) never pulled \(missing.count) changes")
            let own = Set(try machine.library.log().filter { $0.device == machine.library.device }.map(\.id.description))
            #expect(own.isSubset(of: serverChanges), "the server lost \(own.subtracting(serverChanges).count) of \(machine.library.device)'s changes")
        }
    }
}

/// `gloss admin migrate-store`: a SQLite server's whole state moves to PostgreSQL, verified,
/// and a server on PostgreSQL then serves the same library; running it again is harmless.
@Suite(.serialized, .enabled(if: PostgresCluster.url != nil, "needs GLOSS_TEST_DATABASE (bash scripts/with-postgres swift test)"))
struct MigrateStoreTests {
    @Test func aSQLiteServersStateMovesToPostgreSQLVerifiedAndServesTheSameLibrary() throws {
        let a = try CLIRunner(), b = try CLIRunner()
        let sqlite = try ServerProcess(folder: a.folder)
        _ = try a.json(["add", CLIRunner.seeds.path])
        let note = try #require(try a.json(["note", "Before the move", "--tag", "moving"]) as? [String: Any])
        _ = try a.json(["highlight", "3a7e", "--quote", "Geopolitics"])
        _ = try a.json(["edit", try #require(note["id"] as? String), "--body", "Before the move, edited"])
        #expect(try a.run(["sync", "--server", sqlite.url, "--token", sqlite.token]).status == 0)
        let revoked = try #require((try a.run(["user", "token", "ana", "--json"] + sqlite.store, useLibrary: false).json as? [String: String])?["token"])
        #expect(try a.run(["user", "revoke", revoked] + sqlite.store, useLibrary: false).status == 0)
        #expect(sqlite.stop() == 0)

        let url = try PostgresCluster.freshSchemaURL()
        let moved = try a.run(["admin", "migrate-store", "--from", sqlite.store[1], "--to", url], useLibrary: false)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("verified: counts and checksums match"), "\(moved.stdout)")
        // Again: nothing new to copy, still verified.
        let again = try a.run(["admin", "migrate-store", "--from", sqlite.store[1], "--to", url, "--json"], useLibrary: false)
        #expect(again.status == 0 && (again.json as? [String: Any])?["verified"] as? Bool == true, "\(again.stdout) \(again.stderr)")

        // The same token works against PostgreSQL, the revoked one does not, and a new machine
        // gets the same library.
        let postgres = try ServerProcess(folder: a.folder, database: url, token: sqlite.token)
        defer { _ = postgres.stop() }
        #expect(try b.run(["sync", "--server", postgres.url, "--token", sqlite.token]).status == 0)
        #expect(try b.run(["sync", "--server", postgres.url, "--token", revoked]).status != 0)
        #expect(try a.run(["list", "--json"]).stdout == b.run(["list", "--json"]).stdout)
        #expect(try a.run(["articles", "--json"]).stdout == b.run(["articles", "--json"]).stdout)
        // And the machine that synced with SQLite carries on against PostgreSQL.
        _ = try a.json(["note", "After the move"])
        #expect(try a.run(["sync", "--server", postgres.url, "--token", sqlite.token]).status == 0)
        #expect(try b.run(["sync", "--server", postgres.url, "--token", sqlite.token]).status == 0)
        #expect(try a.run(["list", "--json"]).stdout == b.run(["list", "--json"]).stdout)

        // Once PostgreSQL took pushes of its own, copying the old file again is refused.
        let refused = try a.run(["admin", "migrate-store", "--from", sqlite.store[1], "--to", url], useLibrary: false)
        #expect(refused.status != 0 && refused.stderr.contains("ahead of the copy"), "\(refused.stderr)")
    }
}

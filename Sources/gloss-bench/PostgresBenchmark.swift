import Foundation
import GlossModel
import GlossReplica
import GlossStore
import GlossSync

/// `gloss-bench postgres` (under scripts/with-postgres, which sets GLOSS_TEST_DATABASE): the
/// 100,000-annotation sync through a SQLite server and through a PostgreSQL one, and the push
/// throughput of one `gloss serve` process against two on the same PostgreSQL database.
func postgresBenchmark() async throws {
    guard let database = ProcessInfo.processInfo.environment["GLOSS_TEST_DATABASE"], !database.isEmpty else {
        throw BenchError("gloss-bench postgres needs a database: bash scripts/with-postgres bash scripts/bench postgres")
    }
    func freshSchema() -> String { database + (database.contains("?") ? "&" : "?") + "schema=bench_" + UUID().uuidString.prefix(8).lowercased() }
    let size = Int(ProcessInfo.processInfo.environment["BENCH_SYNC_SIZES"]?.split(separator: ",").last ?? "") ?? 100_000
    let folder = try makeFolder("postgres")
    defer { try? FileManager.default.removeItem(at: folder) }

    say("\n== \(size) annotations A → server → empty B, SQLite and PostgreSQL ==")
    var totals: [String: Double] = [:]
    for (name, store) in [("SQLite", nil as [String]?), ("PostgreSQL", ["--database", freshSchema()])] {
        let a = try Library(path: folder.appendingPathComponent("a-\(name).sqlite").path)
        try populate(a, articles: max(10, size / 100), highlights: size / 2, noteEvery: 1)
        let server = try BenchServer(folder: folder, store: store)
        let transport = try HTTPSyncTransport(server: server.url, token: server.token, timeout: .seconds(600))
        var report = SyncReport()
        var start = DispatchTime.now()
        try await SyncClient(replica: a, transport: transport).push(into: &report)
        let push = seconds(start)
        let b = try Library(path: folder.appendingPathComponent("b-\(name).sqlite").path)
        start = DispatchTime.now()
        let pulled = try await SyncClient(replica: b, transport: transport).pull(into: &report)
        let pull = seconds(start)
        precondition(pulled == report.pushed, "pulled \(pulled) of \(report.pushed)")
        totals[name] = push + pull
        say(String(format: "%-10@ push %@   pull %@   full %@   server peak %d MiB", name as NSString, ms(push), ms(pull), ms(push + pull), server.peakKiB / 1024))
        await transport.shutdown()
        server.stop()
    }
    if let sqlite = totals["SQLite"], let postgres = totals["PostgreSQL"] {
        say(String(format: "PostgreSQL / SQLite (full sync)   %.2f×", postgres / sqlite))
    }

    // Push throughput: four users, each pushing a library of its own at once, through one
    // process, then through two processes on the same database (two users on each).
    let clients = 4, perClient = Int(ProcessInfo.processInfo.environment["BENCH_PG_CLIENT_SIZE"] ?? "") ?? 10_000
    say("\n== push throughput: \(clients) users pushing \(perClient) annotations each at once ==")
    var rates: [Int: Double] = [:]
    for processes in [1, 2] {
        let url = freshSchema()
        let tokens = try (0..<clients).map { try BenchServer.addUser("bench\($0)", store: ["--database", url]) }
        let servers = try (0..<processes).map { _ in try BenchServer(folder: folder, store: ["--database", url], token: tokens[0]) }
        let libraries = try (0..<clients).map { n in
            let library = try Library(path: folder.appendingPathComponent("t\(processes)-\(n).sqlite").path)
            try populate(library, articles: max(10, perClient / 100), highlights: perClient / 2, noteEvery: 1)
            return library
        }
        let changes = try libraries.reduce(0) { $0 + (try $1.unpushedCount()) }
        let start = DispatchTime.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, library) in libraries.enumerated() {
                let url = servers[n % processes].url, token = tokens[n]
                group.addTask {
                    let transport = try HTTPSyncTransport(server: url, token: token, timeout: .seconds(600))
                    var report = SyncReport()
                    try await SyncClient(replica: library, transport: transport).push(into: &report)
                    await transport.shutdown()
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(start)
        rates[processes] = Double(changes) / elapsed
        say(String(format: "%d process%@  %d changes in %@   %6.0f changes/s", processes, processes == 1 ? "  " : "es", changes, ms(elapsed), Double(changes) / elapsed))
        for server in servers { server.stop() }
    }
    if let one = rates[1], let two = rates[2] {
        say(String(format: "two processes / one process (push throughput)   %.2f×", two / one))
    }
}

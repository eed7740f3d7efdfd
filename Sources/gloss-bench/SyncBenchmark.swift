import Foundation
import GlossModel
import GlossReplica
import GlossStore
import GlossSync

/// `gloss-bench sync`: annotations from library A through a real `gloss serve` to an empty
/// library B, per phase, next to the sqlite3 tool writing the same rows, for each size; then
/// incremental syncs of 10 changes on every size's libraries, the sizes in turn.
func syncBenchmark() async throws {
    let sizes = (ProcessInfo.processInfo.environment["BENCH_SYNC_SIZES"] ?? "10000,100000").split(separator: ",").compactMap { Int($0) }
    // Every size's libraries and server stay until the incremental syncs, which take the sizes in turn.
    var subjects: [IncrementalSubject] = [], servers: [BenchServer] = [], transports: [HTTPSyncTransport] = [], folders: [URL] = []
    // BENCH_SYNC_KEEP=1 keeps libraries A and B and the server's database for profiling.
    let keep = ProcessInfo.processInfo.environment["BENCH_SYNC_KEEP"] == "1"
    defer {
        for server in servers { server.stop() }
        for folder in folders { if keep { say("kept \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) } }
    }
    for size in sizes {
        let folder = try makeFolder("sync-\(size)")
        folders.append(folder)
        say("\n== \(size) annotations (\(size / 2) highlights, \(size / 2) notes on \(max(10, size / 100)) articles) ==")
        let a = try Library(path: folder.appendingPathComponent("a.sqlite").path)
        let buildStart = DispatchTime.now()
        try populate(a, articles: max(10, size / 100), highlights: size / 2, noteEvery: 1)
        say(String(format: "library A built in %.1f s", seconds(buildStart)))

        // BENCH_SERVER_ARGS="--durability normal" (say) runs the server with other options.
        let serverArguments = (ProcessInfo.processInfo.environment["BENCH_SERVER_ARGS"] ?? "").split(separator: " ").map(String.init)
        let server = try BenchServer(folder: folder, arguments: serverArguments)
        servers.append(server)
        let transport = try HTTPSyncTransport(server: server.url, token: server.token, timeout: .seconds(600))
        transports.append(transport)
        let unpushed = try a.unpushedCount()

        // Push: every journal entry of A, in batches of 1,000, as `gloss sync` pushes.
        // (Timed wrappers say where the time goes; they add two clock reads per call.)
        var report = SyncReport()
        let pushPhases = PhaseClock(), pullPhases = PhaseClock()
        var start = DispatchTime.now()
        var cpu = (client: cpuSeconds(), server: cpuSeconds(server.process.processIdentifier))
        // BENCH_PUSH_BATCH / BENCH_PULL_PAGE try other sizes than `gloss sync`'s (1,000 and 500).
        let environment = ProcessInfo.processInfo.environment
        var pusher = SyncClient(replica: TimedReplica(base: a, clock: pushPhases), transport: TimedHTTPTransport(base: transport, clock: pushPhases))
        if let batch = environment["BENCH_PUSH_BATCH"].flatMap(Int.init) { pusher.pushBatch = batch }
        try await pusher.push(into: &report)
        let push = seconds(start)
        let pushCPU = (client: cpuSeconds() - cpu.client, server: cpuSeconds(server.process.processIdentifier) - cpu.server)
        precondition(report.pushed == unpushed, "pushed \(report.pushed) of \(unpushed)")

        // Pull into an empty library B, in pages of 500, as `gloss sync` pulls.
        let b = try Library(path: folder.appendingPathComponent("b.sqlite").path)
        start = DispatchTime.now()
        cpu = (client: cpuSeconds(), server: cpuSeconds(server.process.processIdentifier))
        var puller = SyncClient(replica: TimedReplica(base: b, clock: pullPhases), transport: TimedHTTPTransport(base: transport, clock: pullPhases))
        if let page = environment["BENCH_PULL_PAGE"].flatMap(Int.init) { puller.pullLimit = page }
        let pulled = try await puller.pull(into: &report)
        // What `gloss sync` does as it exits (closing the library copies its write-ahead log
        // into the file) belongs to the pull's time.
        try b.checkpoint()
        let pull = seconds(start)
        let pullCPU = (client: cpuSeconds() - cpu.client, server: cpuSeconds(server.process.processIdentifier) - cpu.server)
        precondition(pulled == unpushed, "pulled \(pulled) of \(unpushed)")

        // A's own sync afterwards pulls its changes back (the records carry the server's merge).
        start = DispatchTime.now()
        _ = try await SyncClient(replica: a, transport: transport).sync()
        let pullBack = seconds(start)
        let same = try CanonicalJSON.encode(a.allRecords()) == CanonicalJSON.encode(b.allRecords())

        // The floor: the sqlite3 tool writing the same rows (B's journal entries and records).
        let floor = try sqliteFloor(from: b, folder: folder)

        say("changes                      \(unpushed)")
        say("push A → server              \(ms(push))   \(String(format: "%6.0f", Double(unpushed) / push)) changes/s")
        say(String(format: "  CPU: client %.2f s, server %.2f s", pushCPU.client, pushCPU.server))
        for line in pushPhases.lines() { say(line) }
        say("pull server → empty B        \(ms(pull))   \(String(format: "%6.0f", Double(unpushed) / pull)) changes/s")
        say(String(format: "  CPU: client %.2f s, server %.2f s", pullCPU.client, pullCPU.server))
        for line in pullPhases.lines() { say(line) }
        say("full sync (push + pull)      \(ms(push + pull))")
        say("sqlite3 writing the same rows\(ms(floor))")
        say(String(format: "ratio to the floor           %8.2f×   (target < 5×; < 15 s)", (push + pull) / floor))
        say("A's follow-up sync (pull-back) \(ms(pullBack))")
        say("A and B identical            \(same)")

        // The identity check's records and the floor's script are freed by now but still held by
        // the allocator; given back, the page cache has room for the libraries the incremental
        // syncs read (the process held 5.2 to 7.3 GiB here at 1,000,000 annotations).
        let held = residentMiB()
        releaseFreedMemory()
        say("benchmark process memory     \(held) MiB, \(residentMiB()) MiB after malloc_trim")
        subjects.append(try IncrementalSubject(size: size, a: a, b: b, folder: folder, server: server, transport: transport))
    }
    try await incrementalSyncs(subjects)
    for transport in transports { await transport.shutdown() }
}

/// The sqlite3 tool inserting B's journal entries and entity records in one transaction.
func sqliteFloor(from library: Library, folder: URL) throws -> Double {
    let script = folder.appendingPathComponent("floor.sql")
    let journal = try library.log()
    let records = try library.allRecords()
    var sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;\nCREATE TABLE journal(id TEXT PRIMARY KEY, change TEXT NOT NULL);\nCREATE TABLE entities(id TEXT PRIMARY KEY, record TEXT NOT NULL);\nBEGIN;\n"
    func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
    for change in journal { sql += "INSERT INTO journal VALUES(\(quote(change.id.description)),\(quote(String(decoding: try CanonicalJSON.encode(change), as: UTF8.self))));\n" }
    for record in records { sql += "INSERT INTO entities VALUES(\(quote(record.idString)),\(quote(String(decoding: try CanonicalJSON.encode(record), as: UTF8.self))));\n" }
    sql += "COMMIT;\n"
    try sql.write(to: script, atomically: true, encoding: .utf8)
    let database = folder.appendingPathComponent("floor.sqlite")
    let time = try timeProcess("/bin/sh", ["-c", "/usr/bin/sqlite3 \(database.path) < \(script.path)"])
    // Out of the page cache's way (3.5 GB at 1,000,000 annotations): only the time is wanted.
    for file in [script, database] { try? FileManager.default.removeItem(at: file) }
    return time
}

/// `gloss serve` from the same build folder, on a free loopback port.
final class BenchServer {
    let process = Process()
    let url: String
    let token: String

    /// A server on `folder/server.sqlite`, or on `store` (`--database URL`) when given; with
    /// `token`, an account that exists already.
    init(folder: URL, store given: [String]? = nil, token existing: String? = nil, arguments extra: [String] = []) throws {
        let store = given ?? ["--data", folder.appendingPathComponent("server.sqlite").path]
        token = try existing ?? Self.addUser("bench", store: store)
        process.executableURL = URL(fileURLWithPath: gloss)
        process.arguments = ["serve", "--port", "0"] + store + extra
        var environment = ProcessInfo.processInfo.environment
        // BENCH_SERVER_LOG=PATH: the server's request log (info level, with each push's timings) goes there.
        let logPath = ProcessInfo.processInfo.environment["BENCH_SERVER_LOG"]
        environment["LOG_LEVEL"] = logPath == nil ? "notice" : "info"
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        try process.run()
        var seen = ""
        var port: Int? = nil
        while port == nil {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(seen[range].split(separator: ":").last ?? "")
            }
        }
        guard let port else { throw BenchError("the server did not start: \(seen)") }
        if let logPath, FileManager.default.createFile(atPath: logPath, contents: Data(seen.utf8)), let log = FileHandle(forWritingAtPath: logPath) {
            log.seekToEndOfFile()
            err.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { log.write(data) }
            }
        } else {
            err.fileHandleForReading.readabilityHandler = { handle in
            // At end of file, stop: a handler left on a closed pipe fires without end (a busy
            // loop) and its dispatch source can crash when the pipe is released.
            if handle.availableData.isEmpty { handle.readabilityHandler = nil }
        }
        }
        url = "http://127.0.0.1:\(port)"
    }

    /// Creates an account with `gloss user add` and returns its token.
    static func addUser(_ name: String, store: [String]) throws -> String {
        try userCommand(["user", "add", name] + store)
    }

    /// A new token for an account that exists (`gloss user token`).
    static func newToken(_ name: String, store: [String]) throws -> String {
        try userCommand(["user", "token", name] + store)
    }

    /// Runs `gloss user add` or `gloss user token` and returns the token it prints.
    private static func userCommand(_ arguments: [String]) throws -> String {
        let add = Process()
        add.executableURL = URL(fileURLWithPath: gloss)
        add.arguments = arguments
        let out = Pipe()
        add.standardOutput = out
        add.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try add.run()
        let token = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        add.waitUntilExit()
        guard add.terminationStatus == 0, token.hasPrefix("gls_") else { throw BenchError("gloss \(arguments.prefix(3).joined(separator: " ")) failed") }
        return token
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// The server's peak resident memory so far, in KiB (VmHWM in /proc).
    var peakKiB: Int { procStatusKiB("\(process.processIdentifier)", "VmHWM") }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

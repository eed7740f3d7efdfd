import Foundation
import GlossModel
import GlossReplica
import GlossStore
import GlossSync

/// `gloss-bench sync`: annotations from library A through a real `gloss serve` to an empty
/// library B, per phase, next to the sqlite3 tool writing the same rows; then incremental syncs
/// of 10 changes on libraries of two sizes.
func syncBenchmark() async throws {
    let sizes = (ProcessInfo.processInfo.environment["BENCH_SYNC_SIZES"] ?? "10000,100000").split(separator: ",").compactMap { Int($0) }
    var incremental: [(size: Int, push: Double, pull: Double)] = []
    var incrementalCommand: [(size: Int, push: Double, pull: Double)] = []
    for size in sizes {
        let folder = try makeFolder("sync-\(size)")
        // BENCH_SYNC_KEEP=1 keeps libraries A and B and the server's database for profiling.
        let keep = ProcessInfo.processInfo.environment["BENCH_SYNC_KEEP"] == "1"
        defer { if keep { say("kept \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) } }
        say("\n== \(size) annotations (\(size / 2) highlights, \(size / 2) notes on \(max(10, size / 100)) articles) ==")
        let a = try Library(path: folder.appendingPathComponent("a.sqlite").path)
        let buildStart = DispatchTime.now()
        try populate(a, articles: max(10, size / 100), highlights: size / 2, noteEvery: 1)
        say(String(format: "library A built in %.1f s", seconds(buildStart)))

        // BENCH_SERVER_ARGS="--durability normal" (say) runs the server with other options.
        let serverArguments = (ProcessInfo.processInfo.environment["BENCH_SERVER_ARGS"] ?? "").split(separator: " ").map(String.init)
        let server = try BenchServer(folder: folder, arguments: serverArguments)
        defer { server.stop() }
        let transport = try HTTPSyncTransport(server: server.url, token: server.token, timeout: .seconds(600))
        let unpushed = try a.unpushedCount()

        // Push: every journal entry of A, in batches of 1,000, as `gloss sync` pushes.
        // (Timed wrappers say where the time goes; they add two clock reads per call.)
        var report = SyncReport()
        let pushPhases = PhaseClock(), pullPhases = PhaseClock()
        var start = DispatchTime.now()
        // BENCH_PUSH_BATCH / BENCH_PULL_PAGE try other sizes than `gloss sync`'s (1,000 and 500).
        let environment = ProcessInfo.processInfo.environment
        var pusher = SyncClient(replica: TimedReplica(base: a, clock: pushPhases), transport: TimedHTTPTransport(base: transport, clock: pushPhases))
        if let batch = environment["BENCH_PUSH_BATCH"].flatMap(Int.init) { pusher.pushBatch = batch }
        try await pusher.push(into: &report)
        let push = seconds(start)
        precondition(report.pushed == unpushed, "pushed \(report.pushed) of \(unpushed)")

        // Pull into an empty library B, in pages of 500, as `gloss sync` pulls.
        let b = try Library(path: folder.appendingPathComponent("b.sqlite").path)
        start = DispatchTime.now()
        var puller = SyncClient(replica: TimedReplica(base: b, clock: pullPhases), transport: TimedHTTPTransport(base: transport, clock: pullPhases))
        if let page = environment["BENCH_PULL_PAGE"].flatMap(Int.init) { puller.pullLimit = page }
        let pulled = try await puller.pull(into: &report)
        // What `gloss sync` does as it exits (closing the library copies its write-ahead log
        // into the file) belongs to the pull's time.
        try b.checkpoint()
        let pull = seconds(start)
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
        for line in pushPhases.lines() { say(line) }
        say("pull server → empty B        \(ms(pull))   \(String(format: "%6.0f", Double(unpushed) / pull)) changes/s")
        for line in pullPhases.lines() { say(line) }
        say("full sync (push + pull)      \(ms(push + pull))")
        say("sqlite3 writing the same rows\(ms(floor))")
        say(String(format: "ratio to the floor           %8.2f×   (target < 5×; < 15 s)", (push + pull) / floor))
        say("A's follow-up sync (pull-back) \(ms(pullBack))")
        say("A and B identical            \(same)")

        // The identity check's records and the floor's script are freed by now but still held by
        // the allocator; given back, the page cache has room for the libraries the incremental
        // syncs read (the process held 7.3 GiB here at 1,000,000 annotations).
        let held = residentMiB()
        releaseFreedMemory()
        say("benchmark process memory     \(held) MiB, \(residentMiB()) MiB after malloc_trim")

        let figures = try await incrementalSyncs(a: a, b: b, folder: folder, server: server, transport: transport, size: size)
        incremental.append((size, figures.push, figures.pull))
        incrementalCommand.append((size, figures.commandA, figures.commandB))
        await transport.shutdown()
    }
    if incremental.count > 1, let first = incremental.first, let last = incremental.last {
        say(String(format: "\nincremental sync at %d vs %d annotations: push %.2f×, pull %.2f× (target: no slower)",
                     last.size, first.size, last.push / first.push, last.pull / first.pull))
    }
    if incrementalCommand.count > 1, let first = incrementalCommand.first, let last = incrementalCommand.last {
        say(String(format: "`gloss sync` at %d vs %d annotations: A %.2f×, B %.2f× (target: no slower)",
                     last.size, first.size, last.push / first.push, last.pull / first.pull))
    }
}

/// Incremental syncs of 10 note edits: A syncs them, then B; in process (timed by phase) and as
/// `gloss sync` processes. Medians of `BENCH_SYNC_RUNS` runs (25 by default).
func incrementalSyncs(a: Library, b: Library, folder: URL, server: BenchServer, transport: HTTPSyncTransport, size: Int) async throws
    -> (push: Double, pull: Double, commandA: Double, commandB: Double) {
    let notes = try a.annotations().prefix(10).compactMap { item -> ID<Note>? in
        if case .highlight(_, let notes) = item { return notes.first?.id }
        return nil
    }
    for (n, note) in notes.enumerated() { _ = try a.editNote(note, body: "Incremental edit \(n) at \(size)") }
    // BENCH_SYNC_RUNS: how many incremental syncs to time (the median is reported, and the range).
    // Medians of nine differed by up to half between runs on the same files (1M against 10k:
    // 1.10 to 1.52); of 25, 0.90 to 1.23 (docs/performance.md, session 14).
    let runs = max(1, ProcessInfo.processInfo.environment["BENCH_SYNC_RUNS"].flatMap(Int.init) ?? 25)
    var pushTimes: [Double] = [], pullTimes: [Double] = []
    // Where the time goes, summed over the runs: the libraries' reads and writes, and the round
    // trips (the server's work inside them).
    let phasesA = PhaseClock(), phasesB = PhaseClock()
    for run in 0..<runs {
        if run > 0 { for (n, note) in notes.enumerated() { _ = try a.editNote(note, body: "Incremental edit \(n) run \(run)") } }
        var start = DispatchTime.now()
        _ = try await SyncClient(replica: TimedReplica(base: a, clock: phasesA), transport: TimedHTTPTransport(base: transport, clock: phasesA)).sync()
        pushTimes.append(seconds(start))
        start = DispatchTime.now()
        _ = try await SyncClient(replica: TimedReplica(base: b, clock: phasesB), transport: TimedHTTPTransport(base: transport, clock: phasesB)).sync()
        pullTimes.append(seconds(start))
    }
    say("incremental: A sync (push 10) \(ms(median(pushTimes)))   B sync (pull 10) \(ms(median(pullTimes)))   (target < 100 ms; medians of \(runs))")
    say("  ranges: A \(spread(pushTimes))   B \(spread(pullTimes))")
    say("  A's phases over all runs:")
    for line in phasesA.lines() { say("  " + line) }
    say("  B's phases over all runs:")
    for line in phasesB.lines() { say("  " + line) }
    // The same through the command a person runs: `gloss sync` as a process of its own, which
    // also opens the library and reports conflicted notes (that check once walked every note).
    var commandA: [Double] = [], commandB: [Double] = []
    func command(_ library: String) -> [String] {
        ["sync", "--library", folder.appendingPathComponent(library).path, "--server", server.url, "--token", server.token]
    }
    for run in 0..<runs {
        for (n, note) in notes.enumerated() { _ = try a.editNote(note, body: "Command-line edit \(n) run \(run)") }
        commandA.append(try timeProcess(gloss, command("a.sqlite")))
        commandB.append(try timeProcess(gloss, command("b.sqlite")))
    }
    say("incremental, `gloss sync` processes: A \(ms(median(commandA)))   B \(ms(median(commandB)))")
    say("  ranges: A \(spread(commandA))   B \(spread(commandB))")
    return (median(pushTimes), median(pullTimes), median(commandA), median(commandB))
}

/// `gloss-bench incremental FOLDER`: the incremental syncs again on libraries a sync benchmark
/// kept (`BENCH_SYNC_KEEP=1`: FOLDER holds a.sqlite, b.sqlite and server.sqlite), with a new
/// token for its account; minutes instead of the half hour that building 1,000,000 takes.
func incrementalAgain(folder path: String) async throws {
    let folder = URL(fileURLWithPath: path)
    for file in ["a.sqlite", "b.sqlite", "server.sqlite"] where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
        throw BenchError("\(path) holds no \(file): give the folder a `BENCH_SYNC_KEEP=1` sync benchmark printed")
    }
    let token = try BenchServer.newToken("bench", store: ["--data", folder.appendingPathComponent("server.sqlite").path])
    let server = try BenchServer(folder: folder, token: token, arguments: (ProcessInfo.processInfo.environment["BENCH_SERVER_ARGS"] ?? "").split(separator: " ").map(String.init))
    defer { server.stop() }
    let transport = try HTTPSyncTransport(server: server.url, token: server.token, timeout: .seconds(600))
    let a = try Library(path: folder.appendingPathComponent("a.sqlite").path)
    let b = try Library(path: folder.appendingPathComponent("b.sqlite").path)
    // The benchmark names its folders …-sync-SIZE.
    let size = Int(folder.lastPathComponent.split(separator: "-").last ?? "") ?? 0
    say("\n== incremental syncs on \(path) (\(size) annotations) ==")
    // Both libraries up to date first, so every timed sync carries only its 10 edits.
    _ = try await SyncClient(replica: a, transport: transport).sync()
    _ = try await SyncClient(replica: b, transport: transport).sync()
    _ = try await incrementalSyncs(a: a, b: b, folder: folder, server: server, transport: transport, size: size)
    await transport.shutdown()
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
    var peakKiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

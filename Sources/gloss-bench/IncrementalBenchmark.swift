import Foundation
import GlossModel
import GlossReplica
import GlossStore
import GlossSync

/// One size's libraries A and B, their server, and the incremental syncs timed on them: 10 note
/// edits on A, A syncs them, then B pulls them; in process (by phase) and as `gloss sync`.
final class IncrementalSubject {
    let size: Int
    private let a: Library, b: Library
    private let folder: URL
    private let server: BenchServer
    private let transport: HTTPSyncTransport
    private let notes: [ID<Note>]
    private let phasesA = PhaseClock(), phasesB = PhaseClock()
    private(set) var pushTimes: [Double] = [], pullTimes: [Double] = []
    private(set) var commandA: [Double] = [], commandB: [Double] = []

    init(size: Int, a: Library, b: Library, folder: URL, server: BenchServer, transport: HTTPSyncTransport) throws {
        self.size = size
        self.a = a
        self.b = b
        self.folder = folder
        self.server = server
        self.transport = transport
        notes = try a.annotations().prefix(10).compactMap { item -> ID<Note>? in
            if case .highlight(_, let notes) = item { return notes.first?.id }
            return nil
        }
    }

    /// Edits the 10 notes on A, then times A's sync and B's, in process.
    func syncOnce(run: Int) async throws {
        for (n, note) in notes.enumerated() { _ = try a.editNote(note, body: "Incremental edit \(n) run \(run) at \(size)") }
        var start = DispatchTime.now()
        _ = try await SyncClient(replica: TimedReplica(base: a, clock: phasesA), transport: TimedHTTPTransport(base: transport, clock: phasesA)).sync()
        pushTimes.append(seconds(start))
        start = DispatchTime.now()
        _ = try await SyncClient(replica: TimedReplica(base: b, clock: phasesB), transport: TimedHTTPTransport(base: transport, clock: phasesB)).sync()
        pullTimes.append(seconds(start))
    }

    /// The same through the command a person runs: `gloss sync` as a process of its own, which
    /// also opens the library and reports conflicted notes (that check once walked every note).
    func commandsOnce(run: Int) throws {
        for (n, note) in notes.enumerated() { _ = try a.editNote(note, body: "Command-line edit \(n) run \(run) at \(size)") }
        func command(_ library: String) -> [String] {
            ["sync", "--library", folder.appendingPathComponent(library).path, "--server", server.url, "--token", server.token]
        }
        commandA.append(try timeProcess(gloss, command("a.sqlite")))
        commandB.append(try timeProcess(gloss, command("b.sqlite")))
    }

    func report() {
        say("\nincremental syncs at \(size) annotations (medians of \(pushTimes.count)):")
        say("  in process: A sync (push 10) \(ms(median(pushTimes)))   B sync (pull 10) \(ms(median(pullTimes)))   (target < 100 ms)")
        say("    ranges: A \(spread(pushTimes))   B \(spread(pullTimes))")
        say("    A's phases over all runs:")
        for line in phasesA.lines() { say("    " + line) }
        say("    B's phases over all runs:")
        for line in phasesB.lines() { say("    " + line) }
        say("  `gloss sync` processes: A \(ms(median(commandA)))   B \(ms(median(commandB)))")
        say("    ranges: A \(spread(commandA))   B \(spread(commandB))")
    }
}

/// Times `BENCH_SYNC_RUNS` incremental syncs (25 by default) on every subject, taking the
/// subjects in turn run by run, and prints each one's medians and the largest against the
/// smallest. In turn, because this machine has slow stretches: timed one size after the other,
/// half an hour apart, the 1,000,000 / 10,000 ratio measured the hour as much as the library
/// (docs/performance.md, sessions 14 and 15).
func incrementalSyncs(_ subjects: [IncrementalSubject]) async throws {
    // Medians of nine differed by up to half between runs on the same files (1M against 10k:
    // 1.10 to 1.52); of 25, 0.90 to 1.23 (docs/performance.md, session 14).
    let runs = max(1, ProcessInfo.processInfo.environment["BENCH_SYNC_RUNS"].flatMap(Int.init) ?? 25)
    for run in 0..<runs {
        for subject in subjects { try await subject.syncOnce(run: run) }
    }
    for run in 0..<runs {
        for subject in subjects { try subject.commandsOnce(run: run) }
    }
    for subject in subjects { subject.report() }
    guard subjects.count > 1, let first = subjects.first, let last = subjects.last else { return }
    say(String(format: "\nincremental sync at %d vs %d annotations, timed in turn: A %.2f×, B %.2f× (target: no slower)",
               last.size, first.size, median(last.pushTimes) / median(first.pushTimes), median(last.pullTimes) / median(first.pullTimes)))
    say(String(format: "`gloss sync` at %d vs %d annotations, timed in turn: A %.2f×, B %.2f× (target: no slower)",
               last.size, first.size, median(last.commandA) / median(first.commandA), median(last.commandB) / median(first.commandB)))
}

/// `gloss-bench incremental FOLDER...`: the incremental syncs again on libraries sync benchmarks
/// kept (`BENCH_SYNC_KEEP=1`: each FOLDER holds a.sqlite, b.sqlite and server.sqlite), with a new
/// token for each account, the folders in turn; minutes instead of the half hour that building
/// 1,000,000 takes.
func incrementalAgain(folders paths: [String]) async throws {
    var servers: [BenchServer] = [], transports: [HTTPSyncTransport] = []
    defer { for server in servers { server.stop() } }
    var subjects: [IncrementalSubject] = []
    for path in paths {
        let folder = URL(fileURLWithPath: path)
        for file in ["a.sqlite", "b.sqlite", "server.sqlite"] where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
            throw BenchError("\(path) holds no \(file): give the folder a `BENCH_SYNC_KEEP=1` sync benchmark printed")
        }
        let token = try BenchServer.newToken("bench", store: ["--data", folder.appendingPathComponent("server.sqlite").path])
        let server = try BenchServer(folder: folder, token: token, arguments: (ProcessInfo.processInfo.environment["BENCH_SERVER_ARGS"] ?? "").split(separator: " ").map(String.init))
        servers.append(server)
        let transport = try HTTPSyncTransport(server: server.url, token: server.token, timeout: .seconds(600))
        transports.append(transport)
        let a = try Library(path: folder.appendingPathComponent("a.sqlite").path)
        let b = try Library(path: folder.appendingPathComponent("b.sqlite").path)
        // The benchmark names its folders …-sync-SIZE.
        let size = Int(folder.lastPathComponent.split(separator: "-").last ?? "") ?? 0
        say("== incremental syncs on \(path) (\(size) annotations) ==")
        // Both libraries up to date first, so every timed sync carries only its 10 edits.
        _ = try await SyncClient(replica: a, transport: transport).sync()
        _ = try await SyncClient(replica: b, transport: transport).sync()
        subjects.append(try IncrementalSubject(size: size, a: a, b: b, folder: folder, server: server, transport: transport))
    }
    try await incrementalSyncs(subjects)
    for transport in transports { await transport.shutdown() }
}

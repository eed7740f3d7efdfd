import Foundation
import GlossModel
import GlossReplica
import GlossStore
import GlossSync

/// `gloss-bench soak`: 32 clients on loopback write and sync against one `gloss serve` for a
/// fixed time, once per server durability (full, normal); then every client syncs until quiet
/// and all must hold the same records. Prints requests, throughput, latency percentiles,
/// errors and the server's peak memory. `BENCH_SOAK_SECONDS` (default 15; 60 is the long form)
/// and `BENCH_SOAK_CLIENTS` (default 32).
func soakBenchmark() async throws {
    let environment = ProcessInfo.processInfo.environment
    let duration = Double(environment["BENCH_SOAK_SECONDS"] ?? "") ?? 15
    let clientCount = Int(environment["BENCH_SOAK_CLIENTS"] ?? "") ?? 32
    for durability in ["full", "normal"] {
        let folder = try makeFolder("soak-\(durability)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try BenchServer(folder: folder, arguments: ["--durability", durability])
        defer { server.stop() }
        let recorder = LatencyRecorder()
        let libraries = try (0..<clientCount).map { try Library(path: folder.appendingPathComponent("client\($0).sqlite").path) }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(duration * 1e9)
        say("\n== soak: \(clientCount) clients, \(Int(duration)) s, server durability \(durability) ==")
        let (url, token) = (server.url, server.token)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, library) in libraries.enumerated() {
                group.addTask {
                    let transport = TimedTransport(base: try HTTPSyncTransport(server: url, token: token), recorder: recorder)
                    var round = 0
                    var mine: [ID<Note>] = []
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        // Write a little, edit a little (also notes another client wrote), then sync.
                        mine.append(try library.addNote(body: "client \(n) round \(round): soak text").id)
                        if let other = try library.annotations().lazy.compactMap({ item -> ID<Note>? in
                            if case .note(let note) = item, !mine.contains(note.id) { return note.id } else { return nil }
                        }).first {
                            _ = try? library.editNote(other, body: "edited by client \(n) in round \(round)")
                        }
                        do {
                            _ = try await SyncClient(replica: library, transport: transport).sync()
                        } catch {
                            await recorder.failed("\(error)")
                        }
                        round += 1
                    }
                    await transport.base.shutdown()
                }
            }
            try await group.waitForAll()
        }
        let summary = await recorder.summary()
        let peak = server.peakKiB
        // Quiet rounds: everyone syncs until nothing moves; then all must agree.
        let transport = try HTTPSyncTransport(server: server.url, token: server.token)
        for _ in 0..<2 { for library in libraries { _ = try await SyncClient(replica: library, transport: transport).sync() } }
        await transport.shutdown()
        let reference = try CanonicalJSON.encode(libraries[0].allRecords())
        let agreeing = try libraries.filter { try CanonicalJSON.encode($0.allRecords()) == reference }.count
        say("requests        \(summary.count)  (\(String(format: "%.0f", Double(summary.count) / duration))/s)")
        say("latency         p50 \(ms(summary.p50))   p99 \(ms(summary.p99))   max \(ms(summary.max))")
        say("errors          \(summary.errors.count)\(summary.errors.first.map { "  first: \($0)" } ?? "")  (target: none)")
        say(String(format: "server peak     %.1f MiB", Double(peak) / 1024))
        say("converged       \(agreeing) of \(clientCount) clients identical after the quiet rounds (changes lost: \(agreeing == clientCount ? 0 : -1))")
    }
}

/// Times every request a sync makes.
struct TimedTransport: SyncTransport {
    let base: HTTPSyncTransport
    let recorder: LatencyRecorder

    func push(_ request: PushRequest) async throws -> PushResponse {
        let start = DispatchTime.now()
        defer { let elapsed = seconds(start); Task { await recorder.record(elapsed) } }
        return try await base.push(request)
    }

    func push(device: DeviceID, changes: [OutgoingChange], afterPush: Int64?) async throws -> PushResponse {
        let start = DispatchTime.now()
        defer { let elapsed = seconds(start); Task { await recorder.record(elapsed) } }
        return try await base.push(device: device, changes: changes, afterPush: afterPush)
    }

    func pull(cursor: String?, limit: Int) async throws -> PullResponse {
        let start = DispatchTime.now()
        defer { let elapsed = seconds(start); Task { await recorder.record(elapsed) } }
        return try await base.pull(cursor: cursor, limit: limit)
    }
}

actor LatencyRecorder {
    var latencies: [Double] = []
    var errors: [String] = []
    func record(_ seconds: Double) { latencies.append(seconds) }
    func failed(_ error: String) { errors.append(error) }

    func summary() -> (count: Int, p50: Double, p99: Double, max: Double, errors: [String]) {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return (sorted.count, percentile(0.5), percentile(0.99), sorted.last ?? 0, errors)
    }
}

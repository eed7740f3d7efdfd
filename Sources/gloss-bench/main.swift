import Foundation

// The benchmarks of docs/performance.md. Run them with `bash scripts/bench [library|sync|all]`
// (a release build, then this program). Not part of `swift test`.
let mode = CommandLine.arguments.dropFirst().first ?? "all"
do {
    switch mode {
    case "library": try libraryBenchmark()
    case "sync": try await syncBenchmark()
    case "incremental":
        let folders = Array(CommandLine.arguments.dropFirst(2))
        guard !folders.isEmpty else { throw BenchError("usage: gloss-bench incremental FOLDER... (folders a sync benchmark kept)") }
        try await incrementalAgain(folders: folders)
    case "export": try exportBenchmark()
    case "soak": try await soakBenchmark()
    case "api": try await apiBenchmark()
    case "apply": try applyBenchmark()
    case "store": try await storeBenchmark()
    case "postgres": try await postgresBenchmark()
    case "all":
        try libraryBenchmark()
        try await syncBenchmark()
        try exportBenchmark()
    default:
        FileHandle.standardError.write(Data("usage: gloss-bench [library|sync|incremental FOLDER...|apply|store|export|soak|api|postgres|all]\n".utf8))
        exit(64)
    }
} catch {
    // A failed run says why in one line (a stale `gloss` beside this program, a missing wrk),
    // not in a crash report.
    FileHandle.standardError.write(Data("gloss-bench \(mode) failed: \(error)\n".utf8))
    exit(1)
}

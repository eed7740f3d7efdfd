import Foundation
import GlossModel
import GlossStore
import GlossSync

/// `gloss-bench apply`: only the receiving library's half of a pull. Pages of 500 of library A's
/// changes with their records, decoded once, applied to a new empty library B (what
/// `SyncClient.pull` does after each page arrives), without a server or the decode running
/// beside it; five runs, the median. The sync benchmark's "apply page" line is the same work
/// on a machine shared with the server, so this one is the steadier figure to compare builds by.
func applyBenchmark() throws {
    let size = Int(ProcessInfo.processInfo.environment["BENCH_APPLY_SIZE"] ?? "") ?? 20_000
    // BENCH_APPLY_PAGE: changes a page (500, as `gloss sync` pulls).
    let pageSize = Int(ProcessInfo.processInfo.environment["BENCH_APPLY_PAGE"] ?? "") ?? 500
    let folder = try makeFolder("apply-\(size)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let a = try Library(path: folder.appendingPathComponent("a.sqlite").path)
    try populate(a, articles: max(10, size / 100), highlights: size / 2, noteEvery: 1)
    let changes = try a.log().sorted { $0.clock < $1.clock }
    let records = Dictionary(uniqueKeysWithValues: try a.allRecords().map { ($0.idString, $0) })
    // The pages a server would send: each page's changes and the records they touch.
    var bodies: [Data] = []
    for start in stride(from: 0, to: changes.count, by: pageSize) {
        let slice = Array(changes[start..<min(changes.count, start + pageSize)])
        let touched = Set(slice.map(\.entityIdString)).compactMap { records[$0] }
        bodies.append(PullResponse(changes: slice, records: touched, cursor: "page\(start)", hasMore: start + pageSize < changes.count).encoded())
    }
    // Decoded as the client decodes a page (keeping each change's JSON): timed too, since the
    // client decodes the next page while it applies this one.
    var decodes: [Double] = []
    var pages: [PullResponse] = []
    for _ in 0..<5 {
        let begin = DispatchTime.now()
        pages = try bodies.map { try PullResponse.decode($0) }
        decodes.append(seconds(begin))
    }
    say("\n== apply: \(changes.count) changes in \(pages.count) pages of \(pageSize) into an empty library (5 runs each) ==")
    say("decode the pages            \(ms(median(decodes)))   (\(String(format: "%.1f", median(decodes) / Double(changes.count) * 1e6)) µs a change, \(bodies.reduce(0) { $0 + $1.count } / 1024) KiB)")
    // Deferred: what a first sync does (indexes and full-text index built once at the end, timed
    // with it); per page: what a library too large to defer does when it catches up.
    for deferred in [true, false] {
        var times: [Double] = [], finishes: [Double] = []
        for run in 0..<5 {
            let path = folder.appendingPathComponent("b\(run).sqlite").path
            let b = try Library(path: path)
            let start = DispatchTime.now()
            if deferred { try b.deferUpkeepForLongPull() }
            for page in pages { try b.applyPulled(changes: page.changes, records: page.records, cursor: page.cursor, changeJSON: page.changeJSON) }
            let finish = DispatchTime.now()
            try b.finishDeferredUpkeep()
            finishes.append(seconds(finish))
            times.append(seconds(start))
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let per = median(times) / Double(changes.count) * 1e6
        say("apply, upkeep \(deferred ? "deferred" : "per page")  \(ms(median(times)))   (\(String(format: "%.1f", per)) µs a change; runs \(times.map { String(format: "%.2f", $0) }.joined(separator: " ")) s)")
        if deferred { say("  of which the upkeep at the end \(ms(median(finishes)))   (runs \(finishes.map { String(format: "%.2f", $0) }.joined(separator: " ")) s)") }
    }
}

import Foundation
import GlossModel
import GlossReplica
import GlossServer
import GlossStore
import GlossSync

/// `gloss-bench store`: only the server's half of a push. Library A's journal in batches of
/// 1,000, decoded beforehand as the server decodes a request body, pushed one after another
/// into a new `SQLiteServerStore` in this process (the single writer's work: the merge, the rows'
/// JSON, the inserts, the commit), without HTTP or a client sharing the cores. The sync
/// benchmark's push is bound by this writer (docs/performance.md, sessions 11 and 16), and its
/// figure moves by a third between runs with the client and server on two cores; this one is
/// the steadier figure to compare server builds by.
func storeBenchmark() async throws {
    let environment = ProcessInfo.processInfo.environment
    // BENCH_STORE_SIZE: annotations (100,000, as the sync benchmark); BENCH_STORE_RUNS: runs (3).
    let size = Int(environment["BENCH_STORE_SIZE"] ?? "") ?? 100_000
    let storeRuns = Int(environment["BENCH_STORE_RUNS"] ?? "") ?? 3
    let batchSize = PushRequest.maximumChanges
    let folder = try makeFolder("store-\(size)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let a = try Library(path: folder.appendingPathComponent("a.sqlite").path)
    try populate(a, articles: max(10, size / 100), highlights: size / 2, noteEvery: 1)
    var outgoing: [OutgoingChange] = []
    var after: ID<Change>?
    while case let batch = try a.outgoingChanges(limit: batchSize, after: after), let last = batch.last {
        outgoing += batch
        after = last.id
    }
    let bodies = stride(from: 0, to: outgoing.count, by: batchSize).map { start in
        Data(PushRequest.encode(device: a.device, changes: Array(outgoing[start..<min(outgoing.count, start + batchSize)])))
    }
    var decodes: [Double] = []
    var requests: [PushRequest] = []
    for _ in 0..<storeRuns {
        let begin = DispatchTime.now()
        requests = try bodies.map { try PushRequest.decode($0) }
        decodes.append(seconds(begin))
    }
    say("\n== store: \(outgoing.count) changes in \(requests.count) pushes of \(batchSize) into a new server database (\(storeRuns) runs) ==")
    say("decode the bodies           \(ms(median(decodes)))   (\(perChange(median(decodes), outgoing.count)) µs a change)")
    var times: [Double] = []
    var written: [Int] = []
    var firstLists: [Double] = [], nextLists: [Double] = []
    var pulls: [Double] = []
    var pages = 0
    let article = try a.articles().first?.article.id.description ?? ""
    for run in 0..<storeRuns {
        let path = folder.appendingPathComponent("server\(run).sqlite").path
        let store = try SQLiteServerStore(path: path, linksCatchUpAfter: nil)  // the first list below catches them up
        let (user, _) = try await store.addUser(name: "bench")
        let bytesBefore = bytesWritten()
        let start = DispatchTime.now()
        for request in requests {
            let response = try await store.push(user: user, request)
            guard response.results.allSatisfy({ $0.outcome == .applied }) else { throw BenchError("a push was not applied whole") }
        }
        times.append(seconds(start))
        written.append(bytesWritten() - bytesBefore)
        // The pull an empty library B makes next: every page, as `GET /v1/sync/pull` builds it.
        let pullStart = DispatchTime.now()
        var cursor = SyncCursor.start
        var pulled = 0
        pages = 0
        while true {
            // Only the top level is parsed (the client's decode is not the server's work).
            let body = try await store.pullJSON(user: user, after: cursor, limit: PullResponse.defaultLimit)
            let (value, spans) = try JSONParser.parse(body, deferring: ["changes", "records"])
            pages += 1
            pulled += spans["changes"]?.count ?? 0
            guard case .object(let top) = value, top["hasMore"]?.boolValue == true,
                  let text = top["cursor"]?.stringValue, let next = SyncCursor(text) else { break }
            cursor = next
        }
        pulls.append(seconds(pullStart))
        guard pulled == outgoing.count else { throw BenchError("the pull brought \(pulled) changes, not \(outgoing.count)") }
        // A list by article after the pushes brings the links up to date first (migration 0007).
        var byArticle = RecordQuery(kind: .highlight)
        byArticle.articleId = article
        for round in 0..<2 {
            let listStart = DispatchTime.now()
            guard try await store.listed(user: user, byArticle).count > 0 else { throw BenchError("the article's highlights are not listed") }
            if round == 0 { firstLists.append(seconds(listStart)) } else { nextLists.append(seconds(listStart)) }
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    say("apply the pushes            \(ms(median(times)))   (\(perChange(median(times), outgoing.count)) µs a change; runs \(times.map { String(format: "%.2f", $0) }.joined(separator: " ")) s)")
    say("then pull every page        \(ms(median(pulls)))   (\(pages) pages of \(PullResponse.defaultLimit), \(String(format: "%.2f", median(pulls) / Double(max(1, pages)) * 1e3)) ms a page; runs \(pulls.map { String(format: "%.2f", $0) }.joined(separator: " ")) s)")
    say("then one article's highlights  \(ms(median(firstLists)))   (the first list, which brings the links up to date; the next \(ms(median(nextLists)).trimmingCharacters(in: .whitespaces)))")
    let bytes = written.sorted()[written.count / 2]
    say("written to disk             \(String(format: "%8.1f MB", Double(bytes) / 1e6))   (\(bytes / max(1, outgoing.count)) bytes a change; runs \(written.map { String(format: "%.0f", Double($0) / 1e6) }.joined(separator: " ")) MB)")
}

/// What this process has written to disk so far (`write_bytes` of `/proc/self/io`), 0 if unknown.
private func bytesWritten() -> Int {
    guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8),
          let line = io.split(separator: "\n").first(where: { $0.hasPrefix("write_bytes:") }) else { return 0 }
    return Int(line.split(separator: " ").last ?? "") ?? 0
}

private func perChange(_ seconds: Double, _ count: Int) -> String {
    String(format: "%.1f", seconds / Double(max(1, count)) * 1e6)
}

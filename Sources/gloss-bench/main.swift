import Foundation
import GlossModel
import GlossStore

// The library benchmark of docs/performance.md: builds a library of 10,000 generated articles
// and 100,000 highlights (half with a note), then times `gloss list --json`, `gloss search`,
// `gloss highlight` and start-up, each next to the same work done by the sqlite3 tool.
//
// Run: bash scripts/bench   (release build, then this program)

let arguments = CommandLine.arguments
let articleCount = Int(ProcessInfo.processInfo.environment["BENCH_ARTICLES"] ?? "") ?? 10_000
let highlightCount = Int(ProcessInfo.processInfo.environment["BENCH_HIGHLIGHTS"] ?? "") ?? 100_000
let runs = 5
let binaryFolder = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent()
let gloss = binaryFolder.appendingPathComponent("gloss").path
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let libraryPath = folder.appendingPathComponent("library.sqlite").path

func seconds(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

/// Runs a command with its output discarded; returns the wall time in seconds.
@discardableResult
func timeProcess(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = args
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    let start = DispatchTime.now()
    try process.run()
    process.waitUntilExit()
    let elapsed = seconds(start)
    guard process.terminationStatus == 0 else { throw NSError(domain: "bench", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "\(path) \(args) failed"]) }
    return elapsed
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func measure(_ label: String, _ body: () throws -> Double) rethrows -> Double {
    _ = try body()  // warm the page cache
    let value = median(try (0..<runs).map { _ in try body() })
    return value
}

func ms(_ s: Double) -> String { String(format: "%8.1f ms", s * 1000) }

// MARK: Build the library

let words = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../seeds/003_34a861a0a3c86b13.txt").standardized.path, encoding: .utf8)
    .split(whereSeparator: { $0.isWhitespace }).map(String.init)
var rng = SystemRandomNumberGenerator()
print("building a library of \(articleCount) articles and \(highlightCount) highlights…")
let buildStart = DispatchTime.now()
let library = try Library(path: libraryPath)
var articles: [(id: ID<Article>, text: ArticleText)] = []
let perTransaction = 500
for batch in stride(from: 0, to: articleCount, by: perTransaction) {
    try library.write { t in
        for n in batch..<min(articleCount, batch + perTransaction) {
            let text = "Article \(n). " + (0..<300).map { _ in words[Int.random(in: 0..<words.count, using: &rng)] }.joined(separator: " ")
            let hash = Normalization.contentHash(text)
            let id = Article.id(contentHash: hash)
            try t.apply(t.makeChange(.article, id.uuid, .create, fields: [
                "title": FieldChange(new: .string("Generated article \(n)")), "url": FieldChange(new: .null), "author": FieldChange(new: .null),
                "publishedAt": FieldChange(new: .null), "text": FieldChange(new: .string(text)), "contentHash": FieldChange(new: .string(hash)),
            ], tags: n % 10 == 0 ? ["tenth": true] : [:]))
            articles.append((id, ArticleText(text)))
        }
    }
}
for batch in stride(from: 0, to: highlightCount, by: perTransaction * 2) {
    try library.write { t in
        for n in batch..<min(highlightCount, batch + perTransaction * 2) {
            let article = articles[n % articles.count]
            let start = Int.random(in: 0..<(article.text.count - 60), using: &rng)
            let selector = TextSelector(text: article.text, start: start, end: start + 40)
            let highlight = ID<Highlight>.timeOrdered()
            try t.apply(t.makeChange(.highlight, highlight.uuid, .create, fields: [
                "articleId": .string(article.id.description), "exact": .string(selector.exact), "prefix": .string(selector.prefix),
                "suffix": .string(selector.suffix), "start": .int(Int64(selector.start)), "end": .int(Int64(selector.end)),
                "utf16Start": .int(Int64(selector.utf16Start)), "utf16End": .int(Int64(selector.utf16End)), "color": .string("yellow"),
                "anchor": .string("exact"), "anchorScore": .null,
            ].mapValues { FieldChange(new: $0) }, tags: n % 7 == 0 ? ["seventh": true] : [:]))
            if n % 2 == 0 {
                try t.apply(t.makeChange(.note, ID<Note>.timeOrdered().uuid, .create, fields: [
                    "body": .string("Note \(n): " + (0..<12).map { _ in words[Int.random(in: 0..<words.count, using: &rng)] }.joined(separator: " ")),
                    "articleId": .string(article.id.description), "highlightId": .string(highlight.description),
                ].mapValues { FieldChange(new: $0) }))
            }
        }
    }
}
let buildTime = seconds(buildStart)
let fileSize = (try FileManager.default.attributesOfItem(atPath: libraryPath)[.size] as? Int) ?? 0
print(String(format: "built in %.1f s (%d MiB)\n", buildTime, fileSize / 1_048_576))

let env = ["GLOSS_LIBRARY": libraryPath, "NO_COLOR": "1"]
let sqlite3 = "/usr/bin/sqlite3"

// MARK: list --json vs sqlite3 -json over the same rows

let listSQL = """
    SELECT h.id, h.article_id AS articleId, h.exact, h.prefix, h.suffix, h.start, h."end", h.utf16_start AS utf16Start,
           h.utf16_end AS utf16End, h.color, h.anchor, h.anchor_score AS anchorScore, h.created_at AS createdAt,
           h.updated_at AS updatedAt, h.deleted,
           (SELECT json_group_array(tag) FROM (SELECT tag FROM tags WHERE entity_id = h.id AND present = 1 ORDER BY tag)) AS tags,
           (SELECT json_group_array(json_object('id', n.id, 'body', n.body, 'createdAt', n.created_at)) FROM notes n WHERE n.highlight_id = h.id) AS notes
      FROM highlights h WHERE h.deleted = 0 ORDER BY h.created_at DESC, h.id DESC
    """
let glossList = try measure("list") { try timeProcess(gloss, ["list", "--json"], environment: env) }
let sqliteList = try measure("sqlite list") { try timeProcess(sqlite3, ["-json", libraryPath, listSQL]) }

// MARK: search

let term = words.first { $0.count > 7 && $0.allSatisfy(\.isLetter) } ?? "economic"
let searchSQL = """
    SELECT * FROM (
      SELECT a.id, snippet(articles_fts, 1, '[', ']', '…', 12) AS s, articles_fts.rank AS r FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid WHERE articles_fts MATCH '"\(term)"'
      UNION ALL SELECT h.id, snippet(highlights_fts, 0, '[', ']', '…', 12), highlights_fts.rank FROM highlights_fts JOIN highlights h ON h.seq = highlights_fts.rowid WHERE highlights_fts MATCH '"\(term)"'
      UNION ALL SELECT n.id, snippet(notes_fts, 0, '[', ']', '…', 12), notes_fts.rank FROM notes_fts JOIN notes n ON n.seq = notes_fts.rowid WHERE notes_fts MATCH '"\(term)"'
    ) ORDER BY r LIMIT 20
    """
let glossSearch = try measure("search") { try timeProcess(gloss, ["search", term], environment: env) }
let sqliteSearch = try measure("sqlite search") { try timeProcess(sqlite3, [libraryPath, searchSQL]) }
let inProcessSearch = try measure("in-process search") {
    let start = DispatchTime.now()
    _ = try library.search(term)
    return seconds(start)
}

// MARK: highlight (a write: find the quote, insert row + journal + FTS, commit with fsync)

let target = articles[articles.count / 2]
let quoteStart = 200
let quote = target.text.slice(quoteStart..<(quoteStart + 60))
var occurrence = 0
let glossHighlight = try measure("highlight") {
    occurrence += 1
    return try timeProcess(gloss, ["highlight", target.id.description, "--quote", quote, "--occurrence", "1"], environment: env)
}
let sqliteInsert = try measure("sqlite insert") {
    try timeProcess(sqlite3, [libraryPath, "PRAGMA synchronous=FULL; INSERT INTO meta(key, value) VALUES ('bench-\(UUID())', 'x');"])
}

// MARK: start-up

let startupVersion = try measure("startup") { try timeProcess(gloss, ["--version"]) }
let startupQuery = try measure("startup+open") { try timeProcess(gloss, ["articles", "--tag", "no-such-tag"], environment: env) }
let sqliteStartup = try measure("sqlite startup") { try timeProcess(sqlite3, [libraryPath, "SELECT 1"]) }

print("median of \(runs) runs, after one warm-up; wall time of the whole process")
print("                                  gloss     sqlite3   ratio   target")
func row(_ label: String, _ a: Double, _ b: Double, _ target: String) {
    print("\(label.padding(toLength: 28, withPad: " ", startingAt: 0))\(ms(a))  \(ms(b))  \(String(format: "%5.2f×", a / b))   \(target)")
}
row("list --json (\(highlightCount) hl)", glossList, sqliteList, "< 2× sqlite3 -json")
row("search \"\(term)\"", glossSearch, sqliteSearch, "< 50 ms")
print("  search, in process           \(ms(inProcessSearch))")
row("highlight (write + fsync)", glossHighlight, sqliteInsert, "")
row("start-up: --version", startupVersion, sqliteStartup, "< 30 ms")
row("start-up: open + empty query", startupQuery, sqliteStartup, "")

import Foundation
import GlossModel
import GlossStore

/// `gloss-bench library`: 10,000 generated articles and 100,000 highlights (half with a note),
/// then `gloss list --json`, `gloss search`, `gloss highlight` and start-up, each next to the
/// same work done by the sqlite3 tool.
func libraryBenchmark() throws {
    let environment = ProcessInfo.processInfo.environment
    let articleCount = Int(environment["BENCH_ARTICLES"] ?? "") ?? 10_000
    let highlightCount = Int(environment["BENCH_HIGHLIGHTS"] ?? "") ?? 100_000
    let folder = try makeFolder("library")
    defer { try? FileManager.default.removeItem(at: folder) }
    // BENCH_LIBRARY=PATH keeps the generated library there (and reuses it) for profiling.
    let kept = environment["BENCH_LIBRARY"]
    let libraryPath = kept ?? folder.appendingPathComponent("library.sqlite").path
    let reuse = kept.map { FileManager.default.fileExists(atPath: $0) } ?? false

    say("\(reuse ? "reusing" : "building") a library of \(articleCount) articles and \(highlightCount) highlights (\(highlightCount / 2) with a note)…")
    let buildStart = DispatchTime.now()
    let library = try Library(path: libraryPath)
    if !reuse { try populate(library, articles: articleCount, highlights: highlightCount, noteEvery: 2) }
    let fileSize = (try FileManager.default.attributesOfItem(atPath: libraryPath)[.size] as? Int) ?? 0
    say(String(format: "built in %.1f s (%d MiB)\n", seconds(buildStart), fileSize / 1_048_576))

    let env = ["GLOSS_LIBRARY": libraryPath, "NO_COLOR": "1"]
    let sqlite3 = "/usr/bin/sqlite3"

    // The same rows as `gloss list --json`: every live highlight with its tags and notes.
    let listSQL = """
        SELECT h.id, h.article_id AS articleId, h.exact, h.prefix, h.suffix, h.start, h."end", h.utf16_start AS utf16Start,
               h.utf16_end AS utf16End, h.color, h.anchor, h.anchor_score AS anchorScore, h.created_at AS createdAt,
               h.updated_at AS updatedAt, h.deleted,
               (SELECT json_group_array(tag) FROM (SELECT tag FROM tags WHERE entity_id = h.id AND present = 1 ORDER BY tag)) AS tags,
               (SELECT json_group_array(json_object('id', n.id, 'body', n.body, 'createdAt', n.created_at, 'updatedAt', n.updated_at,
                       'articleId', n.article_id, 'highlightId', n.highlight_id, 'conflicts', json(n.conflicts), 'deleted', n.deleted))
                  FROM notes n WHERE n.highlight_id = h.id AND n.deleted = 0) AS notes
          FROM highlights h WHERE h.deleted = 0 ORDER BY h.created_at DESC, h.id DESC
        """
    let glossList = try measure { try timeProcess(gloss, ["list", "--json"], environment: env) }
    let sqliteList = try measure { try timeProcess(sqlite3, ["-json", libraryPath, listSQL]) }

    let vocabulary = try Vocabulary()
    let terms = [("common word", vocabulary.common[vocabulary.common.count / 2]), ("mid-frequency word", vocabulary.rare[40]),
                 ("rare word", vocabulary.rare[5000])]
    var searchRows: [(String, Double, Double, Double, Int)] = []
    for (label, term) in terms {
        let hits = try library.search(term, limit: 1000).count
        let searchSQL = """
            SELECT * FROM (
              SELECT a.id, a.title, snippet(articles_fts, 1, '[', ']', '…', 12), f.rank AS rank
                FROM (SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH '"\(term)"' ORDER BY rank LIMIT 40) f JOIN articles a ON a.seq = f.rowid
                JOIN articles_fts ON articles_fts.rowid = f.rowid AND articles_fts MATCH '"\(term)"'
              UNION ALL SELECT h.id, NULL, snippet(highlights_fts, 0, '[', ']', '…', 12), f.rank
                FROM (SELECT rowid, rank FROM highlights_fts WHERE highlights_fts MATCH '"\(term)"' ORDER BY rank LIMIT 40) f JOIN highlights h ON h.seq = f.rowid
                JOIN highlights_fts ON highlights_fts.rowid = f.rowid AND highlights_fts MATCH '"\(term)"'
              UNION ALL SELECT n.id, NULL, snippet(notes_fts, 0, '[', ']', '…', 12), f.rank
                FROM (SELECT rowid, rank FROM notes_fts WHERE notes_fts MATCH '"\(term)"' ORDER BY rank LIMIT 40) f JOIN notes n ON n.seq = f.rowid
                JOIN notes_fts ON notes_fts.rowid = f.rowid AND notes_fts MATCH '"\(term)"'
            ) ORDER BY rank LIMIT 20
            """
        let glossSearch = try measure { try timeProcess(gloss, ["search", term], environment: env) }
        let sqliteSearch = try measure { try timeProcess(sqlite3, [libraryPath, searchSQL]) }
        let inProcess = try measure {
            let start = DispatchTime.now()
            _ = try library.search(term)
            return seconds(start)
        }
        searchRows.append(("search, \(label) (\(hits >= 1000 ? "1000+" : String(hits)) hits)", glossSearch, sqliteSearch, inProcess, hits))
    }

    // A highlight: find the quote, write row + journal entry + FTS, commit with fsync.
    let target = try library.articles().first { $0.article.title.hasSuffix(" 5000") } ?? library.articles()[0]
    let text = ArticleText(target.article.text)
    let quote = text.slice(200..<260)
    let glossHighlight = try measure {
        try timeProcess(gloss, ["highlight", target.article.id.description, "--quote", quote, "--occurrence", "1"], environment: env)
    }
    let sqliteInsert = try measure {
        try timeProcess(sqlite3, [libraryPath, "PRAGMA synchronous=FULL; INSERT INTO meta(key, value) VALUES ('bench-\(UUID())', 'x');"])
    }

    let startupVersion = try measure { try timeProcess(gloss, ["--version"]) }
    let startupQuery = try measure { try timeProcess(gloss, ["articles", "--tag", "no-such-tag"], environment: env) }
    let sqliteStartup = try measure { try timeProcess(sqlite3, [libraryPath, "SELECT 1"]) }

    say("median of \(runs) runs after one warm-up; wall time of the whole process")
    say("                                              gloss      sqlite3    ratio   target")
    func row(_ label: String, _ a: Double, _ b: Double, _ target: String) {
        say("\(label.padding(toLength: 42, withPad: " ", startingAt: 0))\(ms(a))  \(ms(b))  \(String(format: "%6.2f×", a / b))   \(target)")
    }
    row("list --json (\(highlightCount) highlights + notes)", glossList, sqliteList, "< 2× sqlite3 -json")
    for (label, g, s, inProcess, _) in searchRows {
        row(label, g, s, "< 50 ms")
        say("    in process (no start-up)                \(ms(inProcess))")
    }
    row("highlight (write + fsync)", glossHighlight, sqliteInsert, "")
    row("start-up: gloss --version", startupVersion, sqliteStartup, "< 30 ms")
    row("start-up: open library + empty query", startupQuery, sqliteStartup, "")
}

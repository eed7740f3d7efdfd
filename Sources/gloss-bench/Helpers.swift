import Foundation
import GlossModel
import GlossStore

let binaryFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
/// The `gloss` binary of the same build.
let gloss = ProcessInfo.processInfo.environment["BENCH_GLOSS"] ?? binaryFolder.appendingPathComponent("gloss").path
let runs = 5

func makeFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-bench-\(getpid())-\(name)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

func seconds(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func ms(_ s: Double) -> String { String(format: "%8.1f ms", s * 1000) }
/// The fastest and slowest of some timings, in milliseconds.
func spread(_ values: [Double]) -> String { String(format: "%.1f–%.1f ms", (values.min() ?? 0) * 1000, (values.max() ?? 0) * 1000) }

/// A memory figure of a process from `/proc/PROCESS/status` (`VmRSS`, `VmHWM`, ...), in KiB; 0
/// when it cannot be read.
func procStatusKiB(_ process: String, _ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// This process's resident memory now, in MiB.
func residentMiB() -> Int { procStatusKiB("self", "VmRSS") / 1024 }

/// Gives the memory this process has freed back to the system. glibc keeps freed small blocks
/// in its arenas; after the sync benchmark's identity check and floor at 1,000,000 annotations
/// that was gigabytes the page cache could not use.
func releaseFreedMemory() {
    #if os(Linux)
    _ = benchMallocTrim(0)
    #endif
}

#if os(Linux)
/// glibc's `int malloc_trim(size_t pad)` (`<malloc.h>`, which Swift's Glibc module does not import).
@_silgen_name("malloc_trim")
private func benchMallocTrim(_ pad: Int) -> Int32
#endif

/// Runs a command with posix_spawn (Foundation's Process adds tens of milliseconds), output to
/// /dev/null; returns its wall time in seconds.
@discardableResult
func timeProcess(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> Double {
    try runProcess(path, args, environment: environment).seconds
}

/// Runs a command as ``timeProcess`` does; returns its wall time and its peak resident memory.
func runProcess(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> (seconds: Double, peakKiB: Int) {
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv { free(p) }; for p in envp { free(p) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    let start = DispatchTime.now()
    guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else { throw BenchError("cannot start \(path)") }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    let elapsed = seconds(start)
    guard status == 0 else { throw BenchError("\(path) \(args.joined(separator: " ")) failed with status \(status)") }
    return (elapsed, usage.ru_maxrss)
}

/// The median of `runs` timings after one warm-up run.
func measure(_ body: () throws -> Double) rethrows -> Double {
    _ = try body()
    return median(try (0..<runs).map { _ in try body() })
}

/// Words for generated articles: the seeds' words (common) and a long tail of invented ones, so
/// that a search term matches a realistic share of the library rather than every article.
struct Vocabulary {
    let common: [String]
    let rare: [String]

    init() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../seeds").standardized
        var words = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: seeds.path) {
            let text = try String(contentsOf: seeds.appendingPathComponent(file), encoding: .utf8)
            for word in text.split(whereSeparator: { !$0.isLetter }) where word.count > 2 { words.insert(word.lowercased()) }
        }
        common = words.sorted()
        let syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "du", "fi"]
        rare = (0..<20_000).map { n in
            var word = ""
            var value = n
            repeat { word += syllables[value % syllables.count]; value /= syllables.count } while value > 0
            return word + "x"
        }
    }

    /// One word in four from the long tail, Zipf-like (low indices far more often).
    func word(_ rng: inout some RandomNumberGenerator) -> String {
        if Int.random(in: 0..<4, using: &rng) == 0 {
            let u = Double.random(in: 0..<1, using: &rng)
            return rare[min(rare.count - 1, Int(pow(Double(rare.count), u)) - 1)]
        }
        return common[Int.random(in: 0..<common.count, using: &rng)]
    }
}

/// Fills a library through the public write API, in transactions of a few hundred changes.
func populate(_ library: Library, articles articleCount: Int, highlights highlightCount: Int, noteEvery: Int) throws {
    let vocabulary = try Vocabulary()
    var rng = SystemRandomNumberGenerator()
    var articles: [(id: ID<Article>, text: ArticleText)] = []
    let perTransaction = 500
    for batch in stride(from: 0, to: articleCount, by: perTransaction) {
        try library.write { t in
            for n in batch..<min(articleCount, batch + perTransaction) {
                let text = "Article \(n). " + (0..<300).map { _ in vocabulary.word(&rng) }.joined(separator: " ")
                let hash = Normalization.contentHash(text)
                let id = Article.id(contentHash: hash)
                try t.apply(t.makeChange(.article, id.uuid, .create, fields: [
                    "title": FieldChange(new: .string("Generated article \(n)")), "url": FieldChange(new: .null),
                    "author": FieldChange(new: .null), "publishedAt": FieldChange(new: .null),
                    "text": FieldChange(new: .string(text)), "contentHash": FieldChange(new: .string(hash)),
                ], tags: n % 10 == 0 ? ["tenth": true] : [:]))
                articles.append((id, ArticleText(text)))
            }
        }
    }
    for batch in stride(from: 0, to: highlightCount, by: perTransaction) {
        try library.write { t in
            for n in batch..<min(highlightCount, batch + perTransaction) {
                let article = articles[n % articles.count]
                let start = Int.random(in: 0..<(article.text.count - 60), using: &rng)
                let selector = TextSelector(text: article.text, start: start, end: start + 40)
                let highlight = ID<Highlight>.timeOrdered()
                try t.apply(t.makeChange(.highlight, highlight.uuid, .create, fields: [
                    "articleId": .string(article.id.description), "exact": .string(selector.exact), "prefix": .string(selector.prefix),
                    "suffix": .string(selector.suffix), "start": .int(Int64(selector.start)), "end": .int(Int64(selector.end)),
                    "utf16Start": .int(Int64(selector.utf16Start)), "utf16End": .int(Int64(selector.utf16End)),
                    "color": .string("yellow"), "anchor": .string("exact"), "anchorScore": .null,
                ].mapValues { FieldChange(new: $0) }, tags: n % 7 == 0 ? ["seventh": true] : [:]))
                if n % noteEvery == 0 {
                    try t.apply(t.makeChange(.note, ID<Note>.timeOrdered().uuid, .create, fields: [
                        "body": .string("Note \(n): " + (0..<12).map { _ in vocabulary.word(&rng) }.joined(separator: " ")),
                        "articleId": .string(article.id.description), "highlightId": .string(highlight.description),
                    ].mapValues { FieldChange(new: $0) }))
                }
            }
        }
    }
}

/// Prints a line at once (standard output is a pipe in CI, where print() would buffer).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// CPU time (user + system) a process has used so far, in seconds: this one by default, or the
/// process `pid` (a server the benchmark started); 0 if `/proc` does not say.
func cpuSeconds(_ pid: Int32? = nil) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/stat", encoding: .utf8),
          let end = stat.lastIndex(of: ")") else { return 0 }
    // After "pid (comm)": state is field 3, utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: end)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

import Foundation
import GlossModel
import GlossStore

/// `gloss-bench export`: `gloss export` of every format on libraries of two sizes, timed as
/// whole processes with their peak memory; flat memory means the 100,000-annotation export
/// needs about what the 10,000 one does. `sqlite3 -json` reading the same rows is the floor.
func exportBenchmark() throws {
    let sizes = (ProcessInfo.processInfo.environment["BENCH_EXPORT_SIZES"] ?? "10000,100000").split(separator: ",").compactMap { Int($0) }
    var peaks: [String: [Int]] = [:]
    for size in sizes {
        let folder = try makeFolder("export-\(size)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // BENCH_EXPORT_LIBRARY=PATH keeps the largest generated library there (and reuses it) for profiling.
        let kept = size == sizes.last ? ProcessInfo.processInfo.environment["BENCH_EXPORT_LIBRARY"] : nil
        let path = kept ?? folder.appendingPathComponent("library.sqlite").path
        let reuse = kept.map { FileManager.default.fileExists(atPath: $0) } ?? false
        let library = try Library(path: path)
        let start = DispatchTime.now()
        if !reuse { try populate(library, articles: max(10, size / 100), highlights: size / 2, noteEvery: 1) }
        say("\n== export: \(size) annotations (\(size / 2) highlights, \(size / 2) notes on \(max(10, size / 100)) articles), built in \(String(format: "%.1f", seconds(start))) s ==")
        let env = ["GLOSS_LIBRARY": path]
        let floor = try measure {
            try timeProcess("/bin/sh", ["-c", """
                /usr/bin/sqlite3 -json \(path) "SELECT * FROM articles; SELECT * FROM highlights; SELECT * FROM notes; SELECT * FROM tags;" > \(folder.path)/floor.json
                """])
        }
        say("format         time      peak memory      output   vs sqlite3")
        for format in ["json", "w3c", "csv", "markdown"] {
            let output = folder.appendingPathComponent("out-\(format)").path
            var peak = 0
            // Each run starts from nothing at the output path (a first export).
            let time = try measure {
                try? FileManager.default.removeItem(atPath: output)
                let run = try runProcess(gloss, ["export", "--format", format, "--output", output], environment: env)
                peak = max(peak, run.peakKiB)
                return run.seconds
            }
            peaks[format, default: []].append(peak)
            say(format.padding(toLength: 9, withPad: " ", startingAt: 0) + ms(time)
                + String(format: " %9.1f MiB %7.1f MiB %7.2f×", Double(peak) / 1024, Double(byteSize(of: output)) / 1_048_576, time / floor))
            if format == "markdown" {
                let again = try measure { try timeProcess(gloss, ["export", "--format", format, "--output", output], environment: env) }
                say("markdown again (same folder, nothing changed) \(ms(again))")
            }
        }
        say("sqlite3 -json of the same rows \(ms(floor))   (target: gloss under 2 s at 100,000)")
    }
    if sizes.count > 1 {
        for (format, values) in peaks.sorted(by: { $0.key < $1.key }) where values.count > 1 {
            say("peak memory of \(format) at \(sizes.last!) vs \(sizes.first!) annotations: " + String(format: "%.2f× (flat: ≈1×)", Double(values.last!) / Double(values.first!)))
        }
    }
}

/// Bytes of a file, or of every file in a folder.
func byteSize(of path: String) -> Int {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return 0 }
    if !isFolder.boolValue { return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
    var total = 0
    guard let files = FileManager.default.enumerator(atPath: path) else { return 0 }
    for case let file as String in files {
        total += (try? FileManager.default.attributesOfItem(atPath: path + "/" + file)[.size] as? Int) ?? 0
    }
    return total
}

import Foundation
import Testing

/// The libFuzzer corpus (seeds and every input that once found a bug) replayed through the same
/// code the fuzzer drives (`gloss-fuzz` built without libFuzzer): none may crash or hang.
@Suite struct FuzzCorpusTests {
    @Test func everyCorpusInputRunsCleanly() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../GlossFuzzTests/Corpus/model").standardized
        let count = try FileManager.default.contentsOfDirectory(atPath: corpus.path).count
        #expect(count >= 8)
        let process = Process()
        process.executableURL = CLIRunner.binary.deletingLastPathComponent().appendingPathComponent("gloss-fuzz")
        process.arguments = [corpus.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("replayed \(count) inputs"), "\(text)")
    }
}

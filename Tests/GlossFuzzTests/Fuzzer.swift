import Foundation
import GlossTestSupport

/// A seeded mutation fuzzer: takes valid inputs (a corpus) and breaks them in the ways files and
/// requests break (flipped bytes, structural characters, cut and repeated pieces, invalid UTF-8,
/// spliced documents). Seeded, so any failure reproduces from its seed and iteration.
///
/// `GLOSS_FUZZ_ITERATIONS` sets the inputs per target (default 300, the quick form run in CI;
/// the long form is e.g. 100000); `GLOSS_FUZZ_SEED` the first seed.
struct Fuzzer {
    static let iterations = Int(ProcessInfo.processInfo.environment["GLOSS_FUZZ_ITERATIONS"] ?? "") ?? 300
    static let seed = UInt64(ProcessInfo.processInfo.environment["GLOSS_FUZZ_SEED"] ?? "") ?? 20261123

    var rng: SeededGenerator
    let corpus: [Data]

    init(corpus: [Data], salt: UInt64) {
        rng = SeededGenerator(seed: Self.seed &+ salt)
        self.corpus = corpus
    }

    /// Bytes that break parsers: JSON and CSV structure, escapes, controls, and invalid UTF-8.
    static let interesting: [UInt8] = Array("{}[]\":,\\\n\r\t0-9e.+ntfu".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE2, 0xFF]
    static let tokens: [String] = [
        "null", "true", "-1", "1e309", "9999999999999999999999", "\"\"", "[]", "{}", "\"\\u0000\"", "\"\\ud800\"",
        "\"type\": \"Annotation\"", "\"rows\": [", "\"format\": \"gloss\"", "\"version\": 1", "\"start\": -5", "\"end\": 2147483648",
        "\"exact\": \"\"", "\"selector\": {}", "\"target\": \"\"", "\"\u{1F600}\"", "\u{202E}", "é", "\"\"\"", ",,,",
    ]

    mutating func next() -> Data {
        var bytes = [UInt8](corpus[Int.random(in: 0..<corpus.count, using: &rng)])
        for _ in 0..<Int.random(in: 1...4, using: &rng) { mutate(&bytes) }
        return Data(bytes)
    }

    mutating func mutate(_ bytes: inout [UInt8]) {
        let count = bytes.count
        func position() -> Int { count == 0 ? 0 : Int.random(in: 0..<count, using: &rng) }
        switch Int.random(in: 0..<9, using: &rng) {
        case 0 where count > 0:
            bytes[position()] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
        case 1:
            bytes.insert(Self.interesting.randomElement(using: &rng)!, at: min(count, position()))
        case 2 where count > 1:
            let start = position()
            bytes.removeSubrange(start..<min(count, start + Int.random(in: 1...32, using: &rng)))
        case 3 where count > 1:
            let start = position(), end = min(count, start + Int.random(in: 1...64, using: &rng))
            bytes.insert(contentsOf: bytes[start..<end], at: position())
        case 4 where count > 0:
            bytes.removeSubrange(position()...)
        case 5:
            bytes.insert(contentsOf: Array(Self.tokens.randomElement(using: &rng)!.utf8), at: min(count, position()))
        case 6:
            let other = corpus.randomElement(using: &rng)!
            let cut = other.isEmpty ? 0 : Int.random(in: 0..<other.count, using: &rng)
            bytes = Array(bytes.prefix(position())) + Array(other.suffix(from: other.startIndex + cut))
        case 7 where count > 0:
            // Replace a string's contents between two quotes.
            let start = position()
            if let open = bytes[start...].firstIndex(of: 0x22), let close = bytes[(open + 1)...].firstIndex(of: 0x22) {
                bytes.replaceSubrange((open + 1)..<close, with: Array(Self.tokens.randomElement(using: &rng)!.utf8))
            }
        default:
            bytes.insert(contentsOf: Array(repeating: Self.interesting.randomElement(using: &rng)!, count: Int.random(in: 1...512, using: &rng)), at: min(count, position()))
        }
    }
}

/// How long one input took, to tell a hang from a slow input.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now()
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
}

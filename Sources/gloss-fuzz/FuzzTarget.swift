import Foundation
import GlossDocuments
import GlossInterchange
import GlossModel

/// One input through the parts that read untrusted bytes: the JSON parser and the change and
/// record decoders behind every push, the quote finder and re-anchoring behind every highlight,
/// the search-query reader, the document readers of `gloss add` (text, Markdown, HTML) and the
/// annotation-file readers of `gloss import` (gloss JSON, W3C, Hypothesis, Readwise CSV). A crash,
/// a trap or a hang here is a finding; a thrown error is the expected refusal.
///
/// The first byte picks the part; the rest is its input.
enum FuzzTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let selector = bytes.first else { return }
        let data = Data(bytes.dropFirst())
        switch selector % 7 {
        case 0:
            _ = try? JSONParser.parse(data)
            checkDeferredParse(data)
        case 1:
            _ = try? Change.decode(data)
            _ = try? EntityRecord.decode(data)
        case 2:
            // Article text and quote split at the first NUL byte.
            let text = String(decoding: data, as: UTF8.self)
            let parts = text.split(separator: "\0", maxSplits: 1, omittingEmptySubsequences: false)
            let article = ArticleText(String(parts.first ?? ""))
            let quote = parts.count > 1 ? String(parts[1]) : ""
            _ = QuoteFinder(text: article).find(quote, hints: .init(occurrence: Int(selector / 5) % 4))
        case 3:
            let text = String(decoding: data, as: UTF8.self)
            let article = ArticleText(text)
            let start = Int(selector) % max(1, article.count + 1)
            let old = TextSelector(exact: String(text.prefix(12)), prefix: "", suffix: String(text.suffix(6)),
                                   start: start, end: start + Int(selector % 9), utf16Start: start, utf16End: start + 3)
            _ = Anchoring.reanchor(old, in: article)
        case 4:
            _ = FullTextQuery.match(String(decoding: data, as: UTF8.self))
        case 5:
            let formats: [DocumentFormat?] = [nil, .text, .markdown, .html]
            _ = try? DocumentReader.read(data, format: formats[Int(selector / 7) % formats.count])
        default:
            _ = try? AnnotationFile.read(data)
        }
    }
}

extension FuzzTarget {
    /// A push is parsed with its changes stepped over, then each change alone: that must accept
    /// exactly the documents the full parse accepts, with the same elements. (Not checked near the
    /// nesting limit, which an element parsed alone meets two levels later.)
    static func checkDeferredParse(_ data: Data) {
        guard data.reduce(0, { $0 + ($1 == 0x5B || $1 == 0x7B ? 1 : 0) }) < 500 else { return }
        let full = try? JSONParser.parse(data, spansOf: "changes")
        let deferred = try? JSONParser.parse(data, deferring: "changes")
        let elements = deferred.map { deferred in
            data.withUnsafeBytes { raw in deferred.spans.map { try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[$0])) } }
        }
        let acceptedApart = elements.map { !$0.contains(nil) } ?? false
        guard let full else {
            precondition(!acceptedApart, "the deferred parse accepted what the full parse refuses")
            return
        }
        precondition(acceptedApart && deferred?.spans == full.spans, "the deferred parse refused or split what the full parse accepts")
        if case .object(let members) = full.value, case .array(let items)? = members["changes"] {
            precondition(elements?.compactMap { $0 } == items, "an element parsed apart differs from the full parse")
        }
        // A pulled page defers its records too: accepted exactly when each member's elements
        // parse apart, with the ranges the single-key parses find.
        let both = try? JSONParser.parse(data, deferring: ["changes", "records"])
        let records = try? JSONParser.parse(data, spansOf: "records")
        let bothApart = both.map { both in
            data.withUnsafeBytes { raw in both.spans.values.joined().allSatisfy { (try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[$0]))) != nil } }
        } ?? false
        precondition(bothApart == (records != nil), "deferring two members accepts what the full parse does not, or the reverse")
        if let both, let records {
            precondition(both.spans["changes"] ?? [] == full.spans && both.spans["records"] ?? [] == records.spans, "deferring two members found other ranges")
        }
    }
}

#if FUZZING
/// libFuzzer's driver, started from this executable's own entry point: SwiftPM links every
/// executable with its `main` renamed to `gloss_fuzz_main`, so libFuzzer's `main` cannot be used.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("gloss_fuzz_main")
func glossFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { start, size in
        FuzzTarget.run(UnsafeRawBufferPointer(start: start, count: size))
        return 0
    }
}
#else
/// Without libFuzzer: runs every file of the corpus folders given (the regression form).
@main
struct ReplayCorpus {
    static func main() throws {
        var count = 0
        for folder in CommandLine.arguments.dropFirst() {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(file))
                data.withUnsafeBytes { FuzzTarget.run($0) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }
}
#endif

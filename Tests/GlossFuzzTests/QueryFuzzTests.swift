import Foundation
import Testing
import GlossModel
import GlossStore
import GlossTestSupport

/// The quote finder, re-anchoring and full-text search with hostile input.
@Suite struct QueryFuzzTests {
    @Test func quoteFinderAndAnchoringStayInBounds() throws {
        var rng = SeededGenerator(seed: Fuzzer.seed &+ 3)
        let texts = try ImporterFuzzTests.seedTexts().map { Normalization.normalize(String(decoding: $0.data, as: UTF8.self)) }
        let noise: [Character] = ["'", "’", "\"", "“", "-", "—", " ", "\u{00A0}", "\n", "é", "e\u{301}", "\u{1F600}", "*", "\\"]
        for iteration in 0..<Fuzzer.iterations {
            let text = ArticleText(texts.randomElement(using: &rng)!)
            let start = Int.random(in: 0..<max(1, text.count - 1), using: &rng)
            let end = min(text.count, start + Int.random(in: 0...120, using: &rng))
            var quote = Array(text.slice(start..<end))
            for _ in 0..<Int.random(in: 0...4, using: &rng) where !quote.isEmpty {
                let at = Int.random(in: 0..<quote.count, using: &rng)
                if Bool.random(using: &rng) { quote[at] = noise.randomElement(using: &rng)! } else { quote.remove(at: at) }
            }
            let typed = String(quote)
            let finder = QuoteFinder(text: text)
            if case .success(let selector) = finder.find(typed, hints: .init(occurrence: Int.random(in: -1...3, using: &rng))) {
                #expect(0 <= selector.start && selector.start <= selector.end && selector.end <= text.count, "iteration \(iteration)")
                #expect(text.slice(selector.start..<selector.end) == selector.exact, "iteration \(iteration): exact is not the article's text")
            }
            let old = TextSelector(exact: typed, prefix: String(typed.prefix(5)), suffix: "", start: Int.random(in: -5...(text.count + 5), using: &rng),
                                   end: Int.random(in: -5...(text.count + 5), using: &rng), utf16Start: 0, utf16End: 0)
            let result = Anchoring.reanchor(old, in: text)
            if let selector = result.selector {
                #expect(0 <= selector.start && selector.start <= selector.end && selector.end <= text.count, "iteration \(iteration)")
            } else {
                #expect(result.status == .orphaned)
            }
        }
    }

    @Test func searchAcceptsAnyQueryOrExplainsTheSyntax() throws {
        var rng = SeededGenerator(seed: Fuzzer.seed &+ 4)
        let library = try Library(inMemoryWithDevice: nil)
        for (index, seed) in try ImporterFuzzTests.seedTexts().enumerated() {
            _ = try library.importArticle(text: Normalization.normalize(String(decoding: seed.data, as: UTF8.self)), title: "Seed \(index)")
        }
        let pieces = ["china", "trade", "\"", "*", "-", "+", "(", ")", "NEAR", "AND", "OR", "NOT", "^", ":", "title:", "{", "}",
                      "é", "中国", "’", "\u{0}", "'", "NEAR(china trade, 2)", "\"unclosed", "a*b", "--", "\\", "%", "_"]
        var explained = 0
        for iteration in 0..<Fuzzer.iterations {
            let query = (0..<Int.random(in: 1...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                .joined(separator: Bool.random(using: &rng) ? " " : "")
            do {
                let hits = try library.search(query)
                #expect(hits.count <= 20)
            } catch let error as LibraryError {
                explained += 1
                guard case .searchSyntax = error else {
                    if case .invalid = error { continue }
                    Issue.record("iteration \(iteration): \(query) -> \(error)")
                    continue
                }
            } catch {
                Issue.record("iteration \(iteration): \(query) -> an error that is not a clear refusal: \(error)")
            }
        }
        print("search fuzz: \(Fuzzer.iterations) queries, \(explained) refused with an explanation")
    }
}

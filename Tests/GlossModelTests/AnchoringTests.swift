import Foundation
import GlossTestSupport
import Testing
@testable import GlossModel

@Suite struct QuoteFinderTests {
    let article = ArticleText("He told Peru\u{2019}s Congress relations were \u{201C}standing at a new historical starting point.\u{201D} The deal\u{2014}worth $10\u{00A0}billion\u{2014}was signed.")

    @Test func straightQuotesFindCurlyQuotesAndTheArticlesOwnTextIsStored() throws {
        let finder = QuoteFinder(text: article)
        let found = try finder.find("Peru's Congress").get()
        #expect(found.exact == "Peru\u{2019}s Congress")
        let phrase = try finder.find("\"standing at a new historical starting point.\"").get()
        #expect(phrase.exact.hasPrefix("\u{201C}standing") && phrase.exact.hasSuffix("\u{201D}"))
    }

    @Test func aSingleHyphenMatchesAnEmDashAndSpacesMatchANoBreakSpace() throws {
        let finder = QuoteFinder(text: article)
        let found = try finder.find("deal-worth $10 billion-was").get()
        #expect(found.exact == "deal\u{2014}worth $10\u{00A0}billion\u{2014}was")
        let spaced = try finder.find("  relations   were\n\"standing ").get()
        #expect(spaced.exact == "relations were \u{201C}standing")
    }

    @Test func positionsCountCodePointsAndUTF16IsReportedBeside() throws {
        let text = ArticleText("🦊 fox and é then the quote here")
        let found = try QuoteFinder(text: text).find("the quote").get()
        // 🦊 is one code point but two UTF-16 units.
        #expect(found.start == 17)
        #expect(found.utf16Start == 18)
        #expect(found.end - found.start == 9 && found.utf16End - found.utf16Start == 9)
        #expect(text.slice(found.start..<found.end) == "the quote")
    }

    @Test func aQuoteInSeveralPlacesIsRefusedWithThePlacesListed() {
        let text = ArticleText("China grows. Then China slows. Finally China waits.")
        let finder = QuoteFinder(text: text)
        guard case .failure(.ambiguous(let places)) = finder.find("China") else {
            Issue.record("expected an ambiguous quote"); return
        }
        #expect(places.map(\.start) == [0, 18, 39])
        #expect(places[1].prefix.hasSuffix("Then "))
    }

    @Test func occurrencePrefixAndSuffixPickOnePlace() throws {
        let text = ArticleText("China grows. Then China slows. Finally China waits.")
        let finder = QuoteFinder(text: text)
        #expect(try finder.find("China", hints: .init(occurrence: 3)).get().start == 39)
        #expect(try finder.find("China", hints: .init(prefix: "Then")).get().start == 18)
        #expect(try finder.find("China", hints: .init(suffix: "waits")).get().start == 39)
        #expect(finder.find("China", hints: .init(occurrence: 4)) == .failure(.occurrenceOutOfRange(requested: 4, found: 3)))
    }

    @Test func aQuoteNotFoundOffersTheNearestPassage() {
        let finder = QuoteFinder(text: article)
        guard case .failure(.notFound(let nearest?)) = finder.find("standing at a new historic startng point") else {
            Issue.record("expected not found with a nearest passage"); return
        }
        #expect(nearest.exact.contains("historical starting point"))
        #expect(finder.find("completely unrelated words nowhere") == .failure(.notFound(nearest: nil)))
        #expect(finder.find("   ") == .failure(.emptyQuote))
    }
}

@Suite struct ApproximateMatcherTests {
    /// Reference: the minimum edit distance of `pattern` to any substring ending at each position.
    func naiveEnds(_ p: [Unicode.Scalar], _ t: [Unicode.Scalar]) -> [Int] {
        var column = Array(0...p.count)
        var result: [Int] = []
        for c in t {
            var next = [0]
            for i in 1...p.count {
                next.append(min(column[i] + 1, next[i - 1] + 1, column[i - 1] + (p[i - 1] == c ? 0 : 1)))
            }
            column = next
            result.append(column[p.count])
        }
        return result
    }

    @Test(arguments: [5, 63, 64, 65, 130, 200])
    func bitParallelDistancesEqualTheDynamicProgrammingOnes(length: Int) {
        var rng = SeededGenerator(seed: UInt64(length))
        let alphabet: [Unicode.Scalar] = ["a", "b", "c", "d"]
        let text = (0..<600).map { _ in alphabet[Int(rng.next() % 4)] }
        var pattern = Array(text[100..<(100 + length)])
        pattern[length / 2] = "z"
        let expected = naiveEnds(pattern, text)
        let ends = ApproximateMatcher.matchEnds(pattern, in: text[...], maxErrors: length)
        let got = Dictionary(uniqueKeysWithValues: ends.map { ($0.end, $0.errors) })
        for (index, distance) in expected.enumerated() where distance <= length {
            #expect(got[index + 1] == distance)
        }
    }

    @Test func searchReturnsTheRangeOfTheBestMatch() throws {
        let text = Array("the quick brown fox jumps over the lazy dog".unicodeScalars)
        let match = try #require(ApproximateMatcher.search(Array("brwn fox".unicodeScalars), in: text, maxErrors: 2).first)
        #expect(match.errors == 1)
        #expect(String(String.UnicodeScalarView(text[match.start..<match.end])) == "brown fox")
    }
}

@Suite struct ReanchoringTests {
    let original = ArticleText("Intro paragraph. The train has left the station, said Kevin Gallagher. Closing words here.")

    func selector(_ quote: String) throws -> TextSelector {
        try QuoteFinder(text: original).find(quote).get()
    }

    @Test func anUnchangedPositionIsExact() throws {
        let s = try selector("The train has left the station")
        let result = Anchoring.reanchor(s, in: original)
        #expect(result.status == .exact && result.selector?.start == s.start)
    }

    @Test func movedTextIsFoundExactlyAtItsNewPosition() throws {
        let s = try selector("The train has left the station")
        let edited = ArticleText("A new first sentence was added. Intro paragraph. The train has left the station, said Kevin Gallagher. Closing words here.")
        let result = Anchoring.reanchor(s, in: edited)
        #expect(result.status == .exact)
        #expect(result.selector.map { edited.slice($0.start..<$0.end) } == "The train has left the station")
    }

    @Test func editedTextIsAFuzzyAnchorWithAScore() throws {
        let s = try selector("The train has left the station")
        let edited = ArticleText("Intro paragraph. The train had left the station, said Kevin Gallagher. Closing words here.")
        let result = Anchoring.reanchor(s, in: edited)
        #expect(result.status == .fuzzy)
        #expect(result.score > 0.9 && result.score < 1)
        #expect(result.selector.map { edited.slice($0.start..<$0.end) } == "The train had left the station")
    }

    @Test func removedTextMakesAnOrphanNotAWrongMatch() throws {
        let s = try selector("The train has left the station")
        let edited = ArticleText("Intro paragraph. Nothing about railways remains in this version at all. Closing words here.")
        let result = Anchoring.reanchor(s, in: edited)
        #expect(result.status == .orphaned)
        #expect(result.selector == nil)
    }
}

/// Inputs the fuzz suites found (Tests/GlossFuzzTests), kept so the bug stays fixed.
@Suite struct FuzzRegressionTests {
    /// GLOSS_FUZZ_SEED=777, QueryFuzzTests: a stored position before the start of the text
    /// crashed re-anchoring (negative array index) instead of falling back to searching.
    @Test func reanchoringAPositionBeforeTheTextSearchesInstead() {
        let text = ArticleText("The train has left the station, said Gallagher.")
        let old = TextSelector(exact: "left the station", prefix: "", suffix: "", start: -3, end: 5, utf16Start: 0, utf16End: 0)
        let result = Anchoring.reanchor(old, in: text)
        #expect(result.status != .orphaned)
        #expect(result.selector.map { text.slice($0.start..<$0.end) } == "left the station")
    }
}

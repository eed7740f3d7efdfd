import Foundation

/// Finds a highlight again in an article whose text changed (DESIGN.md §3).
///
/// Tries the stored position (accepted only if its slice equals the quote), then exact search,
/// then approximate search scored like Hypothesis' `match-quote`:
/// `(50·quote + 20·prefix + 20·suffix + 2·position) / 92`, each part `1 − errors/length`.
/// Below `minimumScore` the highlight is an orphan: kept with its quote, never placed wrongly.
public enum Anchoring {
    public static let minimumScore = 0.6

    public struct Result: Hashable, Sendable {
        public var selector: TextSelector?
        public var status: AnchorStatus
        /// 1 for an exact anchor, the match score for a fuzzy one, the best rejected score (or 0)
        /// for an orphan.
        public var score: Double
    }

    public static func reanchor(_ old: TextSelector, in text: ArticleText) -> Result {
        let quote = Array(old.exact.unicodeScalars)
        if old.start >= 0, old.end <= text.count, old.start <= old.end, text.slice(old.start..<old.end) == old.exact {
            return Result(selector: TextSelector(text: text, start: old.start, end: old.end), status: .exact, score: 1)
        }
        guard !quote.isEmpty else { return Result(selector: nil, status: .orphaned, score: 0) }

        let maxErrors = min(256, quote.count / 2)
        let matches = ApproximateMatcher.search(quote, in: text.scalars, maxErrors: maxErrors, limit: 32)
        var best: (selector: TextSelector, score: Double, errors: Int)? = nil
        for match in matches {
            let selector = TextSelector(text: text, start: match.start, end: match.end)
            let score = self.score(old, candidate: selector, errors: match.errors, textLength: text.count)
            if best == nil || score > best!.score { best = (selector, score, match.errors) }
        }
        guard let best else { return Result(selector: nil, status: .orphaned, score: 0) }
        if best.errors == 0 && best.score >= minimumScore {
            return Result(selector: best.selector, status: .exact, score: 1)
        }
        if best.score >= minimumScore {
            return Result(selector: best.selector, status: .fuzzy, score: best.score)
        }
        return Result(selector: nil, status: .orphaned, score: best.score)
    }

    static func score(_ old: TextSelector, candidate: TextSelector, errors: Int, textLength: Int) -> Double {
        let quoteLength = max(1, old.exact.unicodeScalars.count)
        let quoteScore = 1 - Double(errors) / Double(quoteLength)
        let prefixScore = similarity(old.prefix, candidate.prefix, fromEnd: true)
        let suffixScore = similarity(old.suffix, candidate.suffix, fromEnd: false)
        let positionScore = textLength == 0 ? 1 : 1 - Double(abs(candidate.start - old.start)) / Double(textLength)
        return (50 * quoteScore + 20 * prefixScore + 20 * suffixScore + 2 * max(0, positionScore)) / 92
    }

    /// `1 − distance/length` of two context strings (1 when the old context was empty).
    static func similarity(_ old: String, _ new: String, fromEnd: Bool) -> Double {
        let a = Array(old.unicodeScalars)
        guard !a.isEmpty else { return 1 }
        var b = Array(new.unicodeScalars)
        if b.count > a.count { b = fromEnd ? Array(b.suffix(a.count)) : Array(b.prefix(a.count)) }
        return max(0, 1 - Double(ApproximateMatcher.distance(a, b)) / Double(a.count))
    }
}

import Foundation

/// Finds the passage a person quoted, forgiving typography (DESIGN.md §3).
///
/// The stored quote is always the article's own text. A quote found in several places is an
/// error listing them, unless an occurrence number, a prefix or a suffix picks one; a quote not
/// found is an error offering the nearest passage.
public struct QuoteFinder: Sendable {
    public let text: ArticleText
    private let folded: FoldedText

    public init(text: ArticleText) {
        self.text = text
        self.folded = FoldedText(text.scalars)
    }

    /// What narrows a quote found in several places.
    public struct Hints: Sendable {
        public var prefix: String?
        public var suffix: String?
        /// 1-based, in reading order.
        public var occurrence: Int?
        public init(prefix: String? = nil, suffix: String? = nil, occurrence: Int? = nil) {
            self.prefix = prefix
            self.suffix = suffix
            self.occurrence = occurrence
        }
    }

    public enum Failure: Error, Equatable, Sendable {
        case emptyQuote
        /// Not found; the nearest passage, when one is close enough to offer.
        case notFound(nearest: TextSelector?)
        /// Found in several places; each is listed with its context.
        case ambiguous([TextSelector])
        /// `--occurrence N` past the number of places found.
        case occurrenceOutOfRange(requested: Int, found: Int)
    }

    /// All places where the quote occurs, in reading order.
    public func candidates(of quote: String) -> [TextSelector] {
        let pattern = FoldedText.query(quote)
        return folded.occurrences(of: pattern).map { start in
            let range = folded.originalRange(start, start + pattern.count)
            return TextSelector(text: text, start: range.lowerBound, end: range.upperBound)
        }
    }

    /// The one place the quote names, or why there is not exactly one.
    public func find(_ quote: String, hints: Hints = Hints()) -> Result<TextSelector, Failure> {
        let pattern = FoldedText.query(quote)
        guard !pattern.isEmpty else { return .failure(.emptyQuote) }
        var found = candidates(of: quote)
        if found.isEmpty { return .failure(.notFound(nearest: nearest(pattern))) }
        if let prefix = hints.prefix.map(FoldedText.query), !prefix.isEmpty {
            found = found.filter { FoldedText.query($0.prefixContext(in: text, length: prefix.count + 8)).ends(with: prefix) }
        }
        if let suffix = hints.suffix.map(FoldedText.query), !suffix.isEmpty {
            found = found.filter { FoldedText.query($0.suffixContext(in: text, length: suffix.count + 8)).starts(with: suffix) }
        }
        if found.isEmpty { return .failure(.notFound(nearest: nil)) }
        if let occurrence = hints.occurrence {
            guard occurrence >= 1, occurrence <= found.count else {
                return .failure(.occurrenceOutOfRange(requested: occurrence, found: found.count))
            }
            return .success(found[occurrence - 1])
        }
        return found.count == 1 ? .success(found[0]) : .failure(.ambiguous(found))
    }

    /// The closest passage within `min(256, len/2)` edits, if any.
    func nearest(_ pattern: [Unicode.Scalar]) -> TextSelector? {
        let maxErrors = min(256, pattern.count / 2)
        guard let match = ApproximateMatcher.search(pattern, in: folded.scalars, maxErrors: maxErrors, limit: 1).first,
              match.end > match.start else { return nil }
        let range = folded.originalRange(match.start, match.end)
        return TextSelector(text: text, start: range.lowerBound, end: range.upperBound)
    }
}

extension TextSelector {
    /// Up to `length` code points of the text before the quote (more than the stored 32 if asked).
    func prefixContext(in text: ArticleText, length: Int) -> String {
        text.slice(max(0, start - length)..<start)
    }

    func suffixContext(in text: ArticleText, length: Int) -> String {
        text.slice(end..<min(text.count, end + length))
    }
}

extension Array where Element == Unicode.Scalar {
    func ends(with suffix: [Unicode.Scalar]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

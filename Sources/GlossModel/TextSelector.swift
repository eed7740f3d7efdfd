import Foundation

/// Where a highlight sits in its article: a W3C `TextQuoteSelector` (exact, prefix, suffix) and
/// `TextPositionSelector` (start, end in code points), plus the UTF-16 range for JavaScript.
public struct TextSelector: Hashable, Codable, Sendable {
    public var exact: String
    public var prefix: String
    public var suffix: String
    public var start: Int
    public var end: Int
    public var utf16Start: Int
    public var utf16End: Int

    /// Characters of context kept each side of the quote.
    public static let contextLength = 32

    /// The selector of `text[start..<end]`, counting Unicode code points.
    public init(text: ArticleText, start: Int, end: Int) {
        let s = text.scalars
        self.start = start
        self.end = end
        exact = ArticleText.string(s[start..<end])
        prefix = ArticleText.string(s[max(0, start - Self.contextLength)..<start])
        suffix = ArticleText.string(s[end..<min(s.count, end + Self.contextLength)])
        utf16Start = text.utf16Offset(ofScalar: start)
        utf16End = text.utf16Offset(ofScalar: end)
    }

    public init(exact: String, prefix: String, suffix: String, start: Int, end: Int, utf16Start: Int, utf16End: Int) {
        self.exact = exact
        self.prefix = prefix
        self.suffix = suffix
        self.start = start
        self.end = end
        self.utf16Start = utf16Start
        self.utf16End = utf16End
    }
}

/// An article's normalized text as code points, the unit of W3C positions.
public struct ArticleText: Sendable {
    public let scalars: [Unicode.Scalar]

    public init(_ text: String) { scalars = Array(text.unicodeScalars) }

    public var count: Int { scalars.count }

    public func slice(_ range: Range<Int>) -> String { Self.string(scalars[range]) }

    /// UTF-16 code units before code point `index`.
    public func utf16Offset(ofScalar index: Int) -> Int {
        var offset = 0
        for scalar in scalars[..<index] { offset += scalar.value > 0xFFFF ? 2 : 1 }
        return offset
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

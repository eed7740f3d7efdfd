import Foundation

/// What a person types into search, as an SQLite FTS5 query: shared by `gloss search` and the
/// server's `/v1/search`, so both read a query the same way.
public enum FullTextQuery {
    /// Plain words become quoted FTS5 strings (so `trans-pacific` or `China's` just work, and all
    /// words must occur); a query that uses FTS5 syntax (quotes, `AND`/`OR`/`NOT`, `NEAR`, `*`,
    /// parentheses, `col:`) is kept as written.
    public static func match(_ query: String) -> String {
        let operators = ["\"", "(", ")", "*", "^", ":", "+"]
        let words = query.split(whereSeparator: \.isWhitespace)
        let usesSyntax = operators.contains { query.contains($0) }
            || words.contains { ["AND", "OR", "NOT"].contains(String($0)) || $0.hasPrefix("NEAR") }
        if usesSyntax { return query }
        return words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}

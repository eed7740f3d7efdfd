import Foundation
import GlossModel

/// Plain text: a leading `<https://...>` line is the URL (and leaves the body); the title is the
/// first non-empty line after it, cut at 200 characters.
enum PlainTextReader {
    static func read(_ raw: String) -> ImportedDocument {
        var text = Normalization.normalize(EntityDecoder.decode(raw))
        var url: String? = nil
        if let first = text.split(separator: "\n", maxSplits: 1).first, let link = angleBracketURL(first) {
            url = link
            text = Normalization.normalize(String(text.dropFirst(first.count)))
        }
        return ImportedDocument(title: firstLineTitle(text), url: url, text: text)
    }

    /// `<https://example.org/x>` → `https://example.org/x`.
    static func angleBracketURL(_ line: Substring) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<"), trimmed.hasSuffix(">") else { return nil }
        let inner = String(trimmed.dropFirst().dropLast())
        guard inner.hasPrefix("http://") || inner.hasPrefix("https://"), !inner.contains(" ") else { return nil }
        return inner
    }

    /// The first non-empty line; a long one (a paragraph) gives its first sentence when that is
    /// short, else its first words up to about 80 characters.
    static func firstLineTitle(_ text: String) -> String? {
        guard let line = text.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }) else { return nil }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.count <= 100 { return trimmed }
        if let end = trimmed.range(of: #"[.?!](\s|$)"#, options: .regularExpression),
           case let sentence = trimmed[..<end.upperBound].trimmingCharacters(in: .whitespaces), (40...100).contains(sentence.count) {
            return sentence
        }
        var words = ""
        for word in trimmed.split(separator: " ") {
            if words.count + word.count + 1 > 80 { break }
            words += words.isEmpty ? String(word) : " " + word
        }
        return words + "…"
    }

    static func shorten(_ title: String, limit: Int = 200) -> String {
        title.count <= limit ? title : String(title.prefix(limit - 1)) + "…"
    }
}

/// Markdown: the source is kept as the body (it reads well as text and quotes match it); YAML-style
/// front matter (`title:`, `url:`, `author:`, `date:`) is read and removed; the title is the front
/// matter's, else the first ATX heading, else the first line.
enum MarkdownReader {
    static func read(_ raw: String) -> ImportedDocument {
        var text = Normalization.normalize(EntityDecoder.decode(raw))
        var meta: [String: String] = [:]
        if text.hasPrefix("---\n"), let close = text.range(of: "\n---", range: text.index(text.startIndex, offsetBy: 4)..<text.endIndex) {
            let block = text[text.index(text.startIndex, offsetBy: 4)..<close.lowerBound]
            for line in block.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q { value = String(value.dropFirst().dropLast()) }
                meta[key] = value
            }
            let afterClose = text[close.upperBound...].drop { $0 != "\n" }
            text = Normalization.normalize(String(afterClose))
        }
        var url = meta["url"] ?? meta["source"]
        if url == nil, let first = text.split(separator: "\n", maxSplits: 1).first, let link = PlainTextReader.angleBracketURL(first) {
            url = link
            text = Normalization.normalize(String(text.dropFirst(first.count)))
        }
        let heading = text.split(separator: "\n").first { $0.hasPrefix("# ") }.map { $0.dropFirst(2).trimmingCharacters(in: .whitespaces) }
        let title = meta["title"] ?? heading ?? PlainTextReader.firstLineTitle(text)
        return ImportedDocument(
            title: title.map { PlainTextReader.shorten($0) }, url: url, author: meta["author"],
            publishedAt: (meta["date"] ?? meta["published"]).flatMap(Timestamp.init), text: text
        )
    }
}

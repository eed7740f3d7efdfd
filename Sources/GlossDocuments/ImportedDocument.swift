import Foundation
import GlossModel

/// A document read from a file or standard input: its normalized text and what it says about itself.
public struct ImportedDocument: Sendable, Equatable {
    public var title: String?
    public var url: String?
    public var author: String?
    public var publishedAt: Timestamp?
    /// Normalized as DESIGN.md §3 says; what highlights are anchored in.
    public var text: String

    public init(title: String? = nil, url: String? = nil, author: String? = nil, publishedAt: Timestamp? = nil, text: String) {
        self.title = title
        self.url = url
        self.author = author
        self.publishedAt = publishedAt
        self.text = text
    }
}

/// The formats `gloss add` reads.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case text, markdown, html

    /// The format a file name's extension names; nil for other extensions.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "txt", "text": self = .text
        case "md", "markdown": self = .markdown
        case "html", "htm", "xhtml": self = .html
        default: return nil
        }
    }

    /// A guess for standard input: HTML if it opens with a tag, Markdown if it has an ATX heading.
    public static func sniff(_ text: String) -> DocumentFormat {
        let head = text.prefix(2048).lowercased()
        let trimmed = head.drop { $0.isWhitespace }
        if trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html") || head.contains("<body") || head.contains("<p>") {
            return .html
        }
        if text.split(separator: "\n", maxSplits: 50).contains(where: { $0.hasPrefix("# ") }) || trimmed.hasPrefix("---\n") {
            return .markdown
        }
        return .text
    }
}

/// Why a document cannot become an article. Each message is one sentence for a person.
public enum DocumentError: Error, Equatable, CustomStringConvertible {
    case empty
    case binary
    case notUTF8
    case unsupportedFormat(String)

    public var description: String {
        switch self {
        case .empty: "it holds no text"
        case .binary: "it looks like a binary file, not text"
        case .notUTF8: "it is not valid UTF-8 text"
        case .unsupportedFormat(let ext): "gloss reads .txt, .md and .html files, not .\(ext)"
        }
    }
}

/// Reads text, Markdown and HTML into an `ImportedDocument`.
public enum DocumentReader {
    public static func read(_ data: Data, format: DocumentFormat?) throws(DocumentError) -> ImportedDocument {
        if data.isEmpty { throw .empty }
        if data.prefix(8192).contains(0) { throw .binary }
        guard let raw = String(validating: data, as: UTF8.self) else { throw .notUTF8 }
        let document: ImportedDocument
        switch format ?? DocumentFormat.sniff(raw) {
        case .text: document = PlainTextReader.read(raw)
        case .markdown: document = MarkdownReader.read(raw)
        case .html: document = HTMLReader.read(data)
        }
        if document.text.allSatisfy(\.isWhitespace) { throw .empty }
        return document
    }
}

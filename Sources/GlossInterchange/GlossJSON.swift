import Foundation
import GlossModel
import GlossStore

/// gloss's own export: every entity in its canonical JSON (DESIGN.md §2), kind by kind.
///
/// `{"articles": [...], "format": "gloss", "highlights": [...], "notes": [...], "version": 1}`,
/// keys sorted like everything gloss stores, no export date, so the same library exports to
/// the same bytes.
public enum GlossJSON {
    public static let format = "gloss"
    public static let version = 1

    public static func export(_ library: some AnnotationSource, scope: ExportScope, to sink: ExportSink) throws {
        var w = JSONWriter(capacity: 1 << 20)
        w.beginObject()
        var section = 0
        func open(_ name: StaticString) {
            w.key(name)
            w.beginArray()
            section += 1
        }
        // The three arrays are written in one pass over the kinds, in key order.
        open("articles")
        try library.forEachEntity(
            scope,
            article: { article in
                article.write(to: &w)
                try sink.drain(&w)
            },
            highlight: { highlight in
                if section == 1 {
                    w.endArray()
                    w.key("format"); w.string(format)
                    open("highlights")
                }
                highlight.write(to: &w)
                try sink.drain(&w)
            },
            note: { note in
                if section == 1 { w.endArray(); w.key("format"); w.string(format); open("highlights") }
                if section == 2 { w.endArray(); open("notes") }
                note.write(to: &w)
                try sink.drain(&w)
            }
        )
        if section == 1 { w.endArray(); w.key("format"); w.string(format); open("highlights") }
        if section == 2 { w.endArray(); open("notes") }
        w.endArray()
        w.key("version"); w.int(version)
        w.endObject()
        try sink.write(w.bytes + [0x0A])
        try sink.flush()
    }

    /// The entities of a gloss export, checked.
    public struct Contents {
        public var articles: [Article] = []
        public var highlights: [Highlight] = []
        public var notes: [Note] = []
    }

    static func read(_ root: JSONNode) throws -> Contents {
        let format = try root.requireMember("format")
        guard try format.string() == Self.format else { throw ImportError.at(format.path, "is not \"gloss\"") }
        let versionNode = try root.requireMember("version")
        let version = try versionNode.int()
        guard version <= Self.version else {
            throw ImportError.at(versionNode.path, "the file is format version \(version); this gloss reads up to \(Self.version), so upgrade gloss")
        }
        var contents = Contents()
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ node: JSONNode) throws -> T {
            do {
                return try decoder.decode(T.self, from: CanonicalJSON.encode(node.value))
            } catch let error as DecodingError {
                throw ImportError.at(node.path, describe(error))
            }
        }
        for node in try root.member("articles")?.requireArray() ?? [] {
            let article = try decode(Article.self, node)
            if !article.isPlaceholder && Normalization.contentHash(article.text) != article.contentHash {
                throw ImportError.at(node.path, "contentHash does not match the article's text")
            }
            if !article.isPlaceholder && Article.id(contentHash: article.contentHash) != article.id {
                throw ImportError.at(node.path, "the ID does not derive from the contentHash")
            }
            contents.articles.append(article)
        }
        for node in try root.member("highlights")?.requireArray() ?? [] {
            let highlight = try decode(Highlight.self, node)
            guard highlight.start <= highlight.end else { throw ImportError.at(node.path, "start is after end") }
            contents.highlights.append(highlight)
        }
        for node in try root.member("notes")?.requireArray() ?? [] {
            let note = try decode(Note.self, node)
            guard !note.body.allSatisfy(\.isWhitespace) else { throw ImportError.at(node.path, "the note has no body") }
            contents.notes.append(note)
        }
        return contents
    }

    /// A decoding error in words, with the member it is about.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c).isEmpty ? "" : path(c) + " ")lacks \"\(key.stringValue)\""
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)) has the wrong type"
        case .dataCorrupted(let c): return "\(path(c)) \(c.debugDescription)"
        @unknown default: return "cannot be read"
        }
    }
}

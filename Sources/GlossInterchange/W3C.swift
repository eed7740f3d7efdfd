import Foundation
import GlossModel
import GlossStore

/// The W3C Web Annotation Data Model (https://www.w3.org/TR/annotation-model/) as JSON-LD.
///
/// Export: an `AnnotationCollection` whose first page holds one `Annotation` per highlight
/// (`highlighting`) and per note (`commenting`). A target is the article (its URL, or
/// `urn:gloss:article:ID`) narrowed by a `TextQuoteSelector` and a `TextPositionSelector` (code
/// points); a highlight's colour is a CSS class (`gloss-COLOR`) of the collection's stylesheet;
/// tags are `tagging` bodies; a note's body is a Markdown `TextualBody`. A note on an article
/// targets the article; a standalone note targets `urn:gloss:library`. IDs are `urn:uuid:`.
public enum W3C {
    public static let context = "http://www.w3.org/ns/anno.jsonld"
    static let libraryIRI = "urn:gloss:library"
    static let articlePrefix = "urn:gloss:article:"
    static let colors = ["yellow", "green", "blue", "pink", "purple", "orange", "red"]

    public static func export(_ library: some AnnotationSource, scope: ExportScope, to sink: ExportSink) throws {
        var w = JSONWriter(capacity: 1 << 20)
        w.beginObject()
        w.key("@context"); w.string(context)
        w.key("first")
        w.beginObject()
        w.key("items")
        w.beginArray()
        var total = 0
        try library.forEachArticle(scope, { item in
            let source = item.article.url ?? articlePrefix + item.article.id.description
            for highlight in item.highlights {
                writeHighlight(highlight, source: source, to: &w)
                for note in item.notes(on: highlight) {
                    writeNote(note, target: { writeTarget(highlight, source: source, to: &$0) }, to: &w)
                    total += 1
                }
                total += 1
                try sink.drain(&w)
            }
            for note in item.articleNotes {
                writeNote(note, target: { $0.string(source) }, to: &w)
                total += 1
            }
            try sink.drain(&w)
        }, standalone: { note in
            writeNote(note, target: { $0.string(libraryIRI) }, to: &w)
            total += 1
            try sink.drain(&w)
        })
        w.endArray()
        w.key("type"); w.string("AnnotationPage")
        w.endObject()
        w.key("label"); w.string("gloss export")
        w.key("stylesheet")
        w.beginObject()
        w.key("type"); w.string("CssStylesheet")
        w.key("value"); w.string(colors.map { ".gloss-\($0) { background-color: \($0); }" }.joined(separator: " "))
        w.endObject()
        w.key("total"); w.int(total)
        w.key("type"); w.string("AnnotationCollection")
        w.endObject()
        try sink.write(w.bytes + [0x0A])
        try sink.flush()
    }

    static func writeTarget(_ highlight: Highlight, source: String, to w: inout JSONWriter) {
        w.beginObject()
        w.key("selector")
        w.beginArray()
        w.beginObject()
        w.key("exact"); w.string(highlight.exact)
        w.key("prefix"); w.string(highlight.prefix)
        w.key("suffix"); w.string(highlight.suffix)
        w.key("type"); w.string("TextQuoteSelector")
        w.endObject()
        w.beginObject()
        w.key("end"); w.int(highlight.end)
        w.key("start"); w.int(highlight.start)
        w.key("type"); w.string("TextPositionSelector")
        w.endObject()
        w.endArray()
        w.key("source"); w.string(source)
        w.key("styleClass"); w.string("gloss-" + highlight.color)
        w.endObject()
    }

    static func writeTags(_ tags: [String], to w: inout JSONWriter) {
        for tag in tags {
            w.beginObject()
            w.key("purpose"); w.string("tagging")
            w.key("type"); w.string("TextualBody")
            w.key("value"); w.string(tag)
            w.endObject()
        }
    }

    static func writeHighlight(_ highlight: Highlight, source: String, to w: inout JSONWriter) {
        w.beginObject()
        if !highlight.tags.isEmpty {
            w.key("body")
            w.beginArray()
            writeTags(highlight.tags, to: &w)
            w.endArray()
        }
        w.key("created"); w.string(highlight.createdAt.description)
        w.key("id"); w.string("urn:uuid:" + highlight.id.description)
        w.key("modified"); w.string(highlight.updatedAt.description)
        w.key("motivation"); w.string("highlighting")
        w.key("target"); writeTarget(highlight, source: source, to: &w)
        w.key("type"); w.string("Annotation")
        w.endObject()
    }

    static func writeNote(_ note: Note, target: (inout JSONWriter) -> Void, to w: inout JSONWriter) {
        w.beginObject()
        w.key("body")
        w.beginArray()
        w.beginObject()
        w.key("format"); w.string("text/markdown")
        w.key("purpose"); w.string("commenting")
        w.key("type"); w.string("TextualBody")
        w.key("value"); w.string(note.body)
        w.endObject()
        writeTags(note.tags, to: &w)
        w.endArray()
        w.key("created"); w.string(note.createdAt.description)
        w.key("id"); w.string("urn:uuid:" + note.id.description)
        w.key("modified"); w.string(note.updatedAt.description)
        w.key("motivation"); w.string("commenting")
        w.key("target"); target(&w)
        w.key("type"); w.string("Annotation")
        w.endObject()
    }
}

extension W3C {
    /// Reads a single annotation, an array of them, an `AnnotationPage` or an
    /// `AnnotationCollection` (its embedded pages).
    static func read(_ root: JSONNode) throws -> [ExternalAnnotation] {
        var annotations: [JSONNode] = []
        func collect(_ node: JSONNode) throws {
            if case .array = node.value {
                for item in try node.requireArray() { try collect(item) }
                return
            }
            let types = try node.member("type")?.strings() ?? []
            if types.contains("AnnotationCollection") {
                if let first = try node.member("first"), first.object != nil { try collect(first) }
            } else if types.contains("AnnotationPage") {
                try collect(try node.requireMember("items"))
                if let next = try node.member("next"), next.object != nil { try collect(next) }
            } else if types.contains("Annotation") {
                annotations.append(node)
            } else {
                throw ImportError.at(node.path, "is not an Annotation, AnnotationPage or AnnotationCollection (its type is \(types.isEmpty ? "missing" : types.joined(separator: ", ")))")
            }
        }
        try collect(root)

        var result: [ExternalAnnotation] = []
        // Where each highlighting annotation sits, so a comment on the same place joins it.
        var highlightAt: [String: String] = [:]
        var parsed: [(node: JSONNode, item: ExternalAnnotation, motivation: [String])] = []
        for (index, node) in annotations.enumerated() {
            let id = try node.member("id")?.string()
            let key = "w3c:" + (id ?? "#\(index)")
            let motivation = try node.member("motivation")?.strings() ?? []
            var item = ExternalAnnotation(key: key, document: nil)
            item.createdAt = try node.member("created")?.timestamp()
            item.updatedAt = try node.member("modified")?.timestamp()
            for body in try node.member("body")?.nodes() ?? [] {
                if case .string = body.value { continue }  // a link to an external body: not text we can keep
                let purpose = try body.member("purpose")?.strings() ?? []
                let value = try body.member("value")?.string()
                if purpose.contains("tagging") {
                    if let value, !value.isEmpty { item.tags.append(value) }
                } else if let value {
                    item.note = item.note.map { $0 + "\n\n" + value } ?? value
                }
            }
            let targets = try node.requireMember("target").nodes()
            let target = targets[0]
            if case .string(let iri) = target.value {
                if iri != libraryIRI { item.document = document(iri) }
            } else {
                let source = try target.requireMember("source").string()
                item.document = document(source)
                if let style = try target.member("styleClass")?.string(), style.hasPrefix("gloss-") { item.color = String(style.dropFirst(6)) }
                var quote: ExternalQuote? = nil
                var start: Int? = nil, end: Int? = nil
                for selector in try target.member("selector")?.nodes() ?? [] {
                    let type = try selector.member("type")?.string()
                    if type == "TextQuoteSelector" {
                        quote = ExternalQuote(
                            exact: try selector.requireMember("exact").string(),
                            prefix: try selector.member("prefix")?.string() ?? "", suffix: try selector.member("suffix")?.string() ?? ""
                        )
                    } else if type == "TextPositionSelector" {
                        start = try selector.requireMember("start").int()
                        end = try selector.requireMember("end").int()
                    }
                }
                if var found = quote {
                    found.start = start
                    found.end = end
                    item.quote = found
                }
            }
            let uuid = id.flatMap { $0.hasPrefix("urn:uuid:") ? UUID(hexText: String($0.dropFirst(9))) : nil }
            if motivation.contains("highlighting") || (item.note == nil && item.quote != nil) {
                item.highlightID = uuid.map { ID($0) }
                if let quote = item.quote { highlightAt[place(item.document, quote)] = key }
            } else {
                item.noteID = uuid.map { ID($0) }
            }
            parsed.append((node, item, motivation))
        }
        for var entry in parsed {
            if entry.item.highlightID == nil, let quote = entry.item.quote, let parent = highlightAt[place(entry.item.document, quote)], parent != entry.item.key {
                // A comment on a highlight of the same file: a note on that highlight.
                entry.item.replyTo = parent
                entry.item.quote = nil
            }
            if entry.item.note == nil && entry.item.quote == nil {
                throw ImportError.at(entry.node.path, "has neither a text quote to highlight nor a text body")
            }
            result.append(entry.item)
        }
        return result
    }

    static func document(_ iri: String) -> ExternalDocument {
        if iri.hasPrefix(articlePrefix), let id = ID<Article>(String(iri.dropFirst(articlePrefix.count))) {
            return ExternalDocument(articleID: id)
        }
        return ExternalDocument(url: iri)
    }

    static func place(_ document: ExternalDocument?, _ quote: ExternalQuote) -> String {
        "\(document?.url ?? document?.articleID?.description ?? "")\n\(quote.exact)\n\(quote.start ?? -1)"
    }
}

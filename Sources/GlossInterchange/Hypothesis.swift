import Foundation
import GlossModel
import GlossStore

/// The Hypothesis API's search answer (`GET /api/search`): `{"total": N, "rows": [...]}`, each
/// row an annotation with `uri`, `text`, `tags`, `target[].selector` and `document.title`.
/// Replies (`references`) become notes on the highlight of the annotation they answer; page
/// notes (no selector) become notes on the article.
enum Hypothesis {
    static func read(_ root: JSONNode) throws -> [ExternalAnnotation] {
        var result: [ExternalAnnotation] = []
        for row in try root.requireMember("rows").requireArray() {
            let id = try row.requireMember("id").string()
            let uri = try row.member("uri")?.string()
            let title = try row.member("document")?.member("title")?.strings().first
            var item = ExternalAnnotation(
                key: "hypothesis:" + id, document: ExternalDocument(url: uri, title: title),
                note: try row.member("text")?.string(), tags: try row.member("tags")?.strings() ?? []
            )
            item.createdAt = try row.member("created")?.timestamp()
            item.updatedAt = try row.member("updated")?.timestamp()
            if let references = try row.member("references")?.strings(), let parent = references.last {
                item.replyTo = "hypothesis:" + parent
            }
            for target in try row.member("target")?.nodes() ?? [] {
                if item.document?.url == nil, let source = try target.member("source")?.string() { item.document?.url = source }
                var quote: ExternalQuote? = nil
                var start: Int? = nil, end: Int? = nil
                for selector in try target.member("selector")?.nodes() ?? [] {
                    switch try selector.member("type")?.string() {
                    case "TextQuoteSelector":
                        quote = ExternalQuote(
                            exact: try selector.requireMember("exact").string(),
                            prefix: try selector.member("prefix")?.string() ?? "", suffix: try selector.member("suffix")?.string() ?? ""
                        )
                    case "TextPositionSelector":
                        start = try selector.requireMember("start").int()
                        end = try selector.requireMember("end").int()
                    default: continue
                    }
                }
                if var found = quote {
                    found.start = start
                    found.end = end
                    item.quote = found
                }
            }
            guard item.document?.url != nil else { throw ImportError.at(row.path, "names no document (no \"uri\" and no target source)") }
            if item.quote == nil && (item.note ?? "").allSatisfy(\.isWhitespace) { continue }  // an empty page note
            result.append(item)
        }
        return result
    }
}

import CLibXML2
import Foundation
import GlossModel

/// HTML through libxml2's HTML parser (it decodes every named entity and recovers from broken
/// markup). Scripts, styles and the head are dropped; block elements break lines; white space
/// inside a block collapses to single spaces, except in `<pre>`.
enum HTMLReader {
    static func read(_ data: Data) -> ImportedDocument {
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue)
        let document = data.withUnsafeBytes { buffer -> htmlDocPtr? in
            guard let base = buffer.baseAddress else { return nil }
            return htmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), nil, "UTF-8", options)
        }
        guard let document else { return ImportedDocument(text: "") }
        defer { xmlFreeDoc(document) }
        var walker = TextWalker()
        if let root = xmlDocGetRootElement(document) { walker.walk(root) }
        walker.flushLine()
        var text = Normalization.normalize(walker.lines.joined(separator: "\n"))
        var url = walker.meta["canonical"] ?? walker.meta["og:url"]
        if url == nil, let first = text.split(separator: "\n", maxSplits: 1).first, let link = PlainTextReader.angleBracketURL(first) {
            url = link
            text = Normalization.normalize(String(text.dropFirst(first.count)))
        }
        let title = nonEmpty(walker.title) ?? walker.meta["og:title"] ?? walker.firstHeading ?? PlainTextReader.firstLineTitle(text)
        let author = walker.meta["author"] ?? walker.meta["article:author"] ?? walker.meta["dc.creator"]
        let published = (walker.meta["article:published_time"] ?? walker.meta["date"] ?? walker.meta["dc.date"]).flatMap(Timestamp.init)
        return ImportedDocument(
            title: title.map { PlainTextReader.shorten($0) }, url: url, author: author, publishedAt: published, text: text
        )
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s = s?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
        return s
    }
}

private struct TextWalker {
    var lines: [String] = []
    var line = ""
    var title: String?
    var firstHeading: String?
    var meta: [String: String] = [:]
    var preDepth = 0

    static let skipped: Set<String> = ["script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "head"]
    static let blocks: Set<String> = [
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "pre", "ul", "ol", "li",
        "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption", "address", "form",
        "fieldset", "details", "summary", "body", "html",
    ]

    mutating func walk(_ node: xmlNodePtr) {
        var child: xmlNodePtr? = node
        while let current = child {
            visit(current)
            child = current.pointee.next
        }
    }

    mutating func visit(_ node: xmlNodePtr) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = xmlNodeGetContent(node) {
                append(String(cString: content))
                gloss_xml_free(content)
            }
        case XML_ELEMENT_NODE:
            let name = String(cString: node.pointee.name).lowercased()
            if name == "head" { readHead(node); return }
            if Self.skipped.contains(name) { return }
            if name == "br" { flushLine(); return }
            let block = Self.blocks.contains(name)
            if block { flushLine() }
            if name == "pre" { preDepth += 1 }
            let linesBefore = lines.count
            if let children = node.pointee.children { walk(children) }
            if name == "pre" { preDepth -= 1 }
            if block { flushLine() }
            if firstHeading == nil, name == "h1" || name == "h2", lines.count > linesBefore {
                firstHeading = lines[linesBefore...].joined(separator: " ")
            }
            if name == "p" || name.hasPrefix("h") && name.count == 2 || name == "blockquote" || name == "pre" { lines.append("") }
        default:
            return
        }
    }

    mutating func append(_ text: String) {
        if preDepth > 0 {
            let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i > 0 { flushLine(keepEmpty: true) }
                line += part
            }
            return
        }
        var collapsed = ""
        var lastWasSpace = line.last.map { $0 == " " } ?? true
        for ch in text {
            if ch == " " || ch == "\n" || ch == "\t" || ch == "\r" || ch == "\u{0C}" {
                if !lastWasSpace { collapsed.append(" ") }
                lastWasSpace = true
            } else {
                collapsed.append(ch)
                lastWasSpace = false
            }
        }
        line += collapsed
    }

    mutating func flushLine(keepEmpty: Bool = false) {
        let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: " "))
        if !trimmed.isEmpty || keepEmpty { lines.append(trimmed) }
        line = ""
    }

    mutating func readHead(_ head: xmlNodePtr) {
        var child = head.pointee.children
        while let node = child {
            defer { child = node.pointee.next }
            guard node.pointee.type == XML_ELEMENT_NODE else { continue }
            let name = String(cString: node.pointee.name).lowercased()
            if name == "title", let content = xmlNodeGetContent(node) {
                title = String(cString: content).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                gloss_xml_free(content)
            } else if name == "meta" {
                let key = (attribute(node, "property") ?? attribute(node, "name"))?.lowercased()
                if let key, let value = attribute(node, "content"), !value.isEmpty { meta[key] = value }
            } else if name == "link", attribute(node, "rel")?.lowercased() == "canonical", let href = attribute(node, "href") {
                meta["canonical"] = href
            }
        }
    }

    func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { gloss_xml_free(value) }
        return String(cString: value)
    }
}

import Foundation
import GlossModel
import GlossStore

/// One Markdown file per article, and one per standalone note (in `notes/`), with YAML front
/// matter; highlights as block quotes in reading order with their notes under them.
///
/// File names are a slug of the title and the first 8 characters of the gloss ID
/// (`the-ethics-of-belief-a76c0c1e.md`), so a second export rewrites the same files; when a
/// title changed, the file under the old name (same ID, checked in its front matter) is removed.
public enum MarkdownExport {
    /// The whole scope as one Markdown document (what the HTTP API's `export?format=markdown`
    /// answers): each article under its `#` title, separated by thematic breaks, then the
    /// standalone notes under `# Notes`. Highlights and notes read as in the files.
    public static func document(_ source: some AnnotationSource, scope: ExportScope, to sink: ExportSink) throws {
        var first = true
        var inNotes = false
        try source.forEachArticle(scope, { item in
            try sink.write((first ? "" : "\n---\n") + body(item, inDocument: true))
            first = false
        }, standalone: { note in
            if !inNotes {
                try sink.write((first ? "" : "\n---\n") + "\n# Notes\n")
                inNotes = true
                first = false
            }
            var out = "\n<!-- gloss note \(note.id) -->\n\n" + note.body + "\n"
            if let tags = tagLine(note.tags) { out += "\n" + tags + "\n" }
            try sink.write(out)
        })
        try sink.flush()
    }

    /// Writes the files; returns how many it wrote.
    @discardableResult
    public static func export(_ library: some AnnotationSource, scope: ExportScope, to folder: URL) throws -> Int {
        let files = FileManager.default
        let notes = folder.appendingPathComponent("notes")
        try files.createDirectory(at: folder, withIntermediateDirectories: true)
        var articleFiles = ExistingFiles(folder), noteFiles = ExistingFiles(notes)
        var written = 0
        try library.forEachArticle(scope, { item in
            try articleFiles.write(render(item), id: item.article.id.description, title: item.article.title)
            written += 1
        }, standalone: { note in
            try files.createDirectory(at: notes, withIntermediateDirectories: true)
            let firstLine = note.body.split(separator: "\n").first.map(String.init) ?? "note"
            try noteFiles.write(render(note), id: note.id.description, title: firstLine)
            written += 1
        })
        return written
    }

    /// The Markdown files already in a folder, by the ID prefix at the end of their names (read
    /// once, so an export of thousands of articles does not list the folder for each).
    struct ExistingFiles {
        let folder: URL
        var byPrefix: [String: [String]] = [:]

        init(_ folder: URL) {
            self.folder = folder
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".md") {
                let stem = name.dropLast(3)
                guard let dash = stem.lastIndex(of: "-") else { continue }
                byPrefix[String(stem[stem.index(after: dash)...]), default: []].append(name)
            }
        }

        mutating func write(_ text: String, id: String, title: String) throws {
            let prefix = String(id.prefix(8))
            let name = slug(title) + "-" + prefix + ".md"
            // The same entity under an older title: remove that file (checked by its gloss_id).
            for old in byPrefix[prefix] ?? [] where old != name {
                let path = folder.appendingPathComponent(old)
                if let contents = try? String(contentsOf: path, encoding: .utf8), contents.contains("\ngloss_id: \(id)\n") {
                    try? FileManager.default.removeItem(at: path)
                }
            }
            let existed = byPrefix[prefix]?.contains(name) == true
            byPrefix[prefix] = [name]
            let url = folder.appendingPathComponent(name)
            let data = Data(text.utf8)
            // An unchanged file is left alone, so tools that watch the folder see only real changes.
            if existed, (try? Data(contentsOf: url)) == data { return }
            // Replacing a file goes through a temporary one (a reader never sees half of it); a new
            // file is written in place (half a new file is rewritten by the next export).
            try data.write(to: url, options: existed ? .atomic : [])
        }
    }

    /// Lowercase letters and digits joined by hyphens, at most 60 characters; accents dropped.
    static func slug(_ title: String) -> String {
        let folded = title.applyingTransform(.stripDiacritics, reverse: false) ?? title
        var slug = ""
        for scalar in folded.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
            if slug.count >= 60 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "untitled" : slug
    }

    static func yaml(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func frontMatter(_ pairs: [(String, String?)], tags: [String]) -> String {
        var lines = ["---"]
        for (key, value) in pairs { if let value { lines.append("\(key): \(value)") } }
        lines.append("tags: [" + tags.map(yaml).joined(separator: ", ") + "]")
        lines.append("---")
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n")
    }

    static func tagLine(_ tags: [String]) -> String? {
        tags.isEmpty ? nil : "Tags: " + tags.map { "#" + $0.replacingOccurrences(of: " ", with: "-") }.joined(separator: " ")
    }

    static func render(_ item: ArticleAnnotations) -> String {
        let article = item.article
        let out = frontMatter([
            ("title", yaml(article.title)), ("url", article.url.map(yaml)), ("author", article.author.map(yaml)),
            ("gloss_id", article.id.description), ("created", article.createdAt.description), ("updated", article.updatedAt.description),
        ], tags: article.tags)
        return out + body(item, inDocument: false)
    }

    /// An article's highlights and notes under its title. In one document of the whole library
    /// (where there is no front matter) the article's ID and tags follow the title.
    static func body(_ item: ArticleAnnotations, inDocument: Bool) -> String {
        let article = item.article
        var out = "\n# \(article.title)\n"
        if let url = article.url { out += "\n<\(url)>\n" }
        if inDocument {
            out += "\n<!-- gloss article \(article.id) -->\n"
            if let tags = tagLine(article.tags) { out += "\n" + tags + "\n" }
        }
        for highlight in item.highlights {
            out += "\n" + quote(highlight.exact) + "\n"
            var meta = "<!-- gloss highlight \(highlight.id) \(highlight.color)"
            if highlight.anchor != .exact { meta += " \(highlight.anchor.rawValue)" }
            out += "\n" + meta + " -->\n"
            if let tags = tagLine(highlight.tags) { out += "\n" + tags + "\n" }
            for note in item.notes(on: highlight) { out += "\n" + note.body + "\n" }
        }
        let notes = item.articleNotes
        if !notes.isEmpty {
            out += "\n## Notes\n"
            for note in notes {
                out += "\n" + note.body + "\n"
                if let tags = tagLine(note.tags) { out += "\n" + tags + "\n" }
            }
        }
        return out
    }

    static func render(_ note: Note) -> String {
        var out = frontMatter([
            ("gloss_id", note.id.description), ("created", note.createdAt.description), ("updated", note.updatedAt.description),
        ], tags: note.tags)
        out += "\n" + note.body + "\n"
        return out
    }
}

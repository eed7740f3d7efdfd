import ArgumentParser
import Foundation
import GlossModel
import GlossStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an article with its highlights marked, or one highlight or note.",
        discussion: """
            Highlights are coloured on a terminal and marked [[like this]] otherwise (or when
            NO_COLOR is set).

            Examples:
              gloss show 4c87
              gloss show 0193a7 --json
            """
    )

    @Argument(help: "An article, highlight or note ID (or a unique prefix of 4+ characters).")
    var id: String
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let ref = try library.resolve(id)
        switch ref.kind {
        case .article:
            guard let uuid = ID<Article>(ref.id), let article = try library.article(uuid) else { throw LibraryError.notFound(id) }
            if output.json { return try Output.json(article) }
            let highlights = try library.highlights(of: uuid)
            Output.print(Rendering.header(article, id: short(article.id.description)))
            Output.print("")
            Output.print(Rendering.marked(article.text, highlights: highlights, color: Output.useColor))
            let notes = try library.notes(article: uuid).filter { $0.highlightId == nil }
            if !notes.isEmpty {
                Output.print("\nNotes:")
                for note in notes { Output.print("  \(short(note.id.description))  \(note.body)") }
            }
        case .highlight:
            guard let uuid = ID<Highlight>(ref.id), let highlight = try library.highlight(uuid) else { throw LibraryError.notFound(id) }
            if output.json { return try Output.json(highlight) }
            let article = try library.article(highlight.articleId)
            Output.print("highlight \(short(highlight.id.description)) in \(article?.title ?? short(highlight.articleId.description)) [\(highlight.start)..<\(highlight.end)] \(highlight.color)\(highlight.deleted ? " (deleted)" : "")")
            Output.print("  …\(highlight.prefix)[[\(highlight.exact)]]\(highlight.suffix)…")
            if !highlight.tags.isEmpty { Output.print("  tags: \(highlight.tags.joined(separator: ", "))") }
            for note in try library.notes(highlight: uuid) { Output.print("  note \(short(note.id.description)): \(note.body)") }
        case .note:
            guard let uuid = ID<Note>(ref.id), let note = try library.note(uuid) else { throw LibraryError.notFound(id) }
            if output.json { return try Output.json(note) }
            var about = "standalone"
            if let h = note.highlightId { about = "on highlight \(short(h.description))" } else if let a = note.articleId { about = "on article \(short(a.description))" }
            Output.print("note \(short(note.id.description)) (\(about))\(note.deleted ? " (deleted)" : "")")
            if !note.tags.isEmpty { Output.print("tags: \(note.tags.joined(separator: ", "))") }
            Output.print("")
            Output.print(note.body)
            for (n, conflict) in note.conflicts.enumerated() {
                Output.print("\n--- conflict version \(n + 1) (\(conflict.stamp.device.rawValue.prefix(8))):\n\(conflict.body)")
            }
        }
    }
}

/// Text layouts shared by several commands.
enum Rendering {
    static func header(_ article: Article, id: String) -> String {
        var lines = ["\(article.title)", "id \(id)"]
        if let url = article.url { lines.append("url \(url)") }
        if let author = article.author { lines.append("by \(author)") }
        if !article.tags.isEmpty { lines.append("tags \(article.tags.joined(separator: ", "))") }
        if article.deleted { lines.append("(deleted)") }
        return lines.joined(separator: "\n")
    }

    static let colors: [String: String] = [
        "yellow": "43", "green": "42", "blue": "44", "red": "41", "purple": "45", "magenta": "45", "cyan": "46", "pink": "45",
    ]

    /// The text with each highlight between markers; overlapping highlights are marked as one run.
    static func marked(_ text: String, highlights: [Highlight], color: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var runs: [(start: Int, end: Int, color: String)] = []
        for h in highlights.sorted(by: { $0.start < $1.start }) where h.anchor != .orphaned && h.end <= scalars.count {
            if let last = runs.last, h.start < last.end {
                runs[runs.count - 1].end = max(last.end, h.end)
            } else {
                runs.append((h.start, h.end, h.color))
            }
        }
        var result = String.UnicodeScalarView()
        var position = 0
        for run in runs {
            result.append(contentsOf: scalars[position..<run.start])
            let open = color ? "\u{1B}[30;\(colors[run.color] ?? "43")m" : "[["
            let close = color ? "\u{1B}[0m" : "]]"
            result.append(contentsOf: open.unicodeScalars)
            result.append(contentsOf: scalars[run.start..<run.end])
            result.append(contentsOf: close.unicodeScalars)
            position = run.end
        }
        result.append(contentsOf: scalars[position...])
        return String(result)
    }
}

import ArgumentParser
import Foundation
import GlossModel
import GlossStore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List highlights and notes, newest first.",
        discussion: """
            A highlight is listed with its notes under it; notes on articles and standalone notes
            are listed on their own. In --json each element has "type": "highlight" or "note",
            and a highlight carries its notes in "notes".

            Examples:
              gloss list
              gloss list --article 4c87 --tag thesis
              gloss list --since 2026-11-01 --json
            """
    )

    @Option(help: "Only annotations of this article.")
    var article: String?
    @Option(help: "Only annotations with this tag.")
    var tag: String?
    @Option(help: "Only annotations created on or after this date (2026-11-23 or RFC 3339).")
    var since: String?
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var sinceDate: Timestamp? = nil
        if let since {
            guard let parsed = Timestamp(since) else { throw ValidationError("--since takes a date like 2026-11-23 or 2026-11-23T08:00:00Z, not \"\(since)\".") }
            sinceDate = parsed
        }
        let library = try library.open()
        let short = try library.shortIDs()
        let items = try library.annotations(article: try article.map(library.articleID), tag: tag, since: sinceDate)
        if output.json { return Output.jsonList(items) }
        if items.isEmpty { return Output.note("No highlights or notes match.") }
        for item in items {
            switch item {
            case .highlight(let h, let notes):
                let tags = h.tags.isEmpty ? "" : "  #" + h.tags.joined(separator: " #")
                Output.print("\(short(h.id.description))  highlight  \(h.createdAt.description.prefix(10))  \"\(flat(h.exact, 90))\"\(tags)")
                for n in notes { Output.print("    \(short(n.id.description))  note  \(flat(n.body, 90))") }
            case .note(let n):
                let tags = n.tags.isEmpty ? "" : "  #" + n.tags.joined(separator: " #")
                Output.print("\(short(n.id.description))  note       \(n.createdAt.description.prefix(10))  \(flat(n.body, 90))\(tags)")
            }
        }
    }
}

func flat(_ text: String, _ limit: Int) -> String {
    let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Full-text search over article text, highlight quotes and note bodies.",
        discussion: """
            Plain words must all occur (in any order, any case, accents ignored). FTS5 syntax works
            too: "exact phrase", OR, NOT, NEAR(a b), prefix*.

            Examples:
              gloss search trade deals
              gloss search '"left the station"'
              gloss search 'tariff* OR protectionism'
            """
    )

    @Argument(help: "What to search for.")
    var query: String
    @Option(help: "The most hits to show.")
    var limit: Int = 20
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        let color = !output.json && Output.useColor
        let library = try library.open()
        let short = try library.shortIDs()
        let hits = try library.search(query, limit: limit, open: color ? "\u{1B}[1;33m" : "[", close: color ? "\u{1B}[0m" : "]")
        if output.json { return try Output.json(hits) }
        if hits.isEmpty { return Output.note("Nothing matches \"\(query)\".") }
        for hit in hits {
            let place = hit.type == .article ? (hit.title ?? "") : hit.title.map { "in \($0)" } ?? ""
            Output.print("\(short(hit.id))  \(hit.type.rawValue)  \(place)")
            Output.print("    \(flat(hit.snippet, 200))")
        }
    }
}

import ArgumentParser
import Foundation
import GlossModel
import GlossStore

struct HighlightCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "highlight",
        abstract: "Highlight a passage of an article by quoting it, or by its code-point range.",
        discussion: """
            The quote is found forgivingly: straight or curly quotes and apostrophes, any dash, and
            any run of white space match each other. The highlight stores the article's own text.
            A quote found in several places is refused with the places listed; pick one with
            --occurrence N, --prefix or --suffix. A quote not found is refused with the nearest passage.

            Examples:
              gloss highlight 4c87 --quote "The train has left the station"
              gloss highlight 4c87 --quote "China" --occurrence 3 --color green --note "count these"
              gloss highlight 4c87 --start 120 --end 180
            """
    )

    @Argument(help: "The article ID (or a unique prefix).")
    var article: String
    @Option(help: "The passage, as you would read it aloud.")
    var quote: String?
    @Option(help: "Text just before the passage, to pick one of several places.")
    var prefix: String?
    @Option(help: "Text just after the passage, to pick one of several places.")
    var suffix: String?
    @Option(help: "Which place to take when the quote occurs several times (1 = first).")
    var occurrence: Int?
    @Option(help: "Start of the passage in code points (with --end, instead of --quote).")
    var start: Int?
    @Option(help: "End of the passage in code points (exclusive).")
    var end: Int?
    @Option(help: "A note to attach to the highlight.")
    var note: String?
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag; repeat for more.", valueName: "tag"))
    var tags: [String] = []
    @Option(help: "Highlight colour (yellow, green, blue, red, purple, ...).")
    var color: String = Highlight.defaultColor

    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try validateTags(tags)
        switch (quote, start, end) {
        case (.some, nil, nil): break
        case (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("Give either --quote or --start and --end, not both.")
        default: throw ValidationError("Give the passage with --quote TEXT, or with --start N --end N.")
        }
        if let occurrence, occurrence < 1 { throw ValidationError("--occurrence counts from 1.") }
        if color.isEmpty || color.contains(where: \.isWhitespace) { throw ValidationError("--color takes one word, such as yellow.") }
    }

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let articleID = try library.articleID(article)
        guard let article = try library.article(articleID) else { throw LibraryError.notFound(self.article) }
        let text = ArticleText(article.text)
        let selector: TextSelector
        if let quote {
            let finder = QuoteFinder(text: text)
            switch finder.find(quote, hints: .init(prefix: prefix, suffix: suffix, occurrence: occurrence)) {
            case .success(let found): selector = found
            case .failure(let failure): throw CLIError(Self.explain(failure, title: article.title))
            }
        } else {
            let start = start ?? 0, end = end ?? 0
            guard start >= 0, start < end, end <= text.count else {
                throw CLIError("The range \(start)..<\(end) is outside the article, which has \(text.count) code points; give 0 <= start < end <= \(text.count).")
            }
            selector = TextSelector(text: text, start: start, end: end)
        }
        let highlight = try library.addHighlight(article: articleID, selector: selector, color: color, tags: tags)
        if let note { _ = try library.addNote(body: note, highlight: highlight.id) }
        if output.json { return try Output.json(try library.highlight(highlight.id) ?? highlight) }
        Output.print("highlighted \(short(highlight.id.description)) [\(highlight.start)..<\(highlight.end)]: \(highlight.exact)")
    }

    static func explain(_ failure: QuoteFinder.Failure, title: String) -> String {
        switch failure {
        case .emptyQuote:
            return "The quote is empty."
        case .notFound(let nearest?):
            return "The quote was not found in \"\(title)\"; the nearest passage is \"\(nearest.exact)\" at \(nearest.start)..<\(nearest.end)."
        case .notFound(nil):
            return "The quote was not found in \"\(title)\" (with the given --prefix/--suffix, if any)."
        case .ambiguous(let places):
            let list = places.enumerated().map { n, s in
                "  \(n + 1). [\(s.start)..<\(s.end)] …\(s.prefix.suffix(24))[[\(s.exact)]]\(s.suffix.prefix(24))…"
                    .replacingOccurrences(of: "\n", with: " ")
            }
            return "The quote occurs \(places.count) times in \"\(title)\"; pick one with --occurrence N, --prefix or --suffix:\n" + list.joined(separator: "\n")
        case .occurrenceOutOfRange(let requested, let found):
            return "--occurrence \(requested) asks for more places than the \(found) where the quote occurs."
        }
    }
}

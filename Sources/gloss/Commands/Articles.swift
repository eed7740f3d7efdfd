import ArgumentParser
import Foundation
import GlossStore

struct Articles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List articles with their highlight and note counts, newest first.",
        discussion: """
            Examples:
              gloss articles
              gloss articles --tag china --json
            """
    )

    @Option(help: "Only articles with this tag.")
    var tag: String?
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let library = try library.open()
        let listings = try library.articles(tag: tag)
        let short = try library.shortIDs()
        if output.json { return Output.jsonList(listings) }
        if listings.isEmpty { return Output.note("No articles yet; `gloss add FILE` imports one.") }
        for item in listings {
            let tags = item.article.tags.isEmpty ? "" : "  #" + item.article.tags.joined(separator: " #")
            Output.print("\(short(item.article.id.description))  \(item.article.title)  (\(item.highlightCount) highlights, \(item.noteCount) notes)\(tags)")
        }
    }
}

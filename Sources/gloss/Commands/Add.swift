import ArgumentParser
import Foundation
import GlossDocuments
import GlossModel
import GlossStore

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import articles from text, Markdown or HTML files, folders of them, or standard input.",
        discussion: """
            Each file is normalized (markup and entities dropped for HTML, line endings unified, NFC)
            and stored once: importing the same text again finds the existing article.
            Title, URL and author come from the document when not given: the first heading or line,
            a leading <https://...> line, Markdown front matter, HTML <title> and meta tags.

            Examples:
              gloss add seeds/
              gloss add notes.md --tag reading --tag china
              curl -s https://example.org/post | gloss add - --url https://example.org/post
            """
    )

    @Argument(help: ArgumentHelp("Files, folders (their .txt, .md and .html files), or - for standard input.", valueName: "path"))
    var paths: [String]

    @Option(help: "Title of the article (one document only).")
    var title: String?
    @Option(help: "Source URL of the article (one document only).")
    var url: String?
    @Option(help: "Author of the article (one document only).")
    var author: String?
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag for every article imported; repeat for more.", valueName: "tag"))
    var tags: [String] = []

    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try validateTags(tags)
        if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input (-) can be read only once.") }
    }

    func run() throws {
        // Read every document before writing anything, so bad input leaves the library unchanged.
        var documents: [(source: String, document: ImportedDocument)] = []
        for path in paths {
            for source in try DocumentSources.expand(path) {
                documents.append((source.name, try DocumentSources.read(source)))
            }
        }
        if documents.isEmpty { throw CLIError("No .txt, .md or .html files were found in \(paths.joined(separator: ", ")).") }
        if documents.count > 1 && (title != nil || url != nil || author != nil) {
            throw ValidationError("--title, --url and --author apply to one document, but \(documents.count) were given.")
        }
        let library = try library.open()
        var results: [Article] = []
        for (source, document) in documents {
            let imported = try library.importArticle(
                text: document.text, title: title ?? document.title, url: url ?? document.url,
                author: author ?? document.author, publishedAt: document.publishedAt, tags: tags
            )
            results.append(imported.article)
            if !output.json {
                let short = try library.shortIDs()
                let verb = imported.created ? "added" : "already in the library:"
                Output.print("\(verb) \(short(imported.article.id.description))  \(imported.article.title)  (\(source))")
                if imported.adopted > 0 {
                    Output.print("  moved \(imported.adopted) imported highlights here from a placeholder article, re-anchored")
                }
            }
        }
        if output.json { try Output.json(results) }
    }
}

/// Where documents come from: files, folders, standard input.
enum DocumentSources {
    struct Source {
        var name: String
        var path: String?  // nil: standard input
        var format: DocumentFormat?
    }

    static func expand(_ path: String) throws -> [Source] {
        if path == "-" { return [Source(name: "standard input", path: nil, format: nil)] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("Cannot import \(path): no such file or folder.")
        }
        if !isDirectory.boolValue {
            return [Source(name: path, path: path, format: DocumentFormat(pathExtension: URL(fileURLWithPath: path).pathExtension))]
        }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw CLIError("Cannot import \(path): the folder cannot be read.")
        }
        var sources: [Source] = []
        while let relative = enumerator.nextObject() as? String {
            let full = (path as NSString).appendingPathComponent(relative)
            guard let format = DocumentFormat(pathExtension: (relative as NSString).pathExtension),
                  !(relative as NSString).lastPathComponent.hasPrefix(".") else { continue }
            sources.append(Source(name: full, path: full, format: format))
        }
        return sources.sorted { $0.name < $1.name }
    }

    static func read(_ source: Source) throws -> ImportedDocument {
        let data: Data
        if let path = source.path {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CLIError("Cannot import \(path): the file cannot be read (check its permissions).")
            }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        do {
            return try DocumentReader.read(data, format: source.format)
        } catch {
            throw CLIError("Cannot import \(source.name): \(error).")
        }
    }
}

import ArgumentParser
import Foundation
import GlossInterchange
import GlossModel
import GlossStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the library (or part of it) as gloss JSON, W3C Web Annotations, Markdown or Readwise CSV.",
        discussion: """
            json      every article (with its text), highlight and note in gloss's canonical JSON;
                      `gloss import` of it into an empty library gives the same library back
            w3c       a W3C Web Annotation JSON-LD AnnotationCollection (quote and position selectors)
            markdown  one file per article, highlights as quotes with their notes, standalone
                      notes in notes/; needs --output FOLDER; a second export updates the same files
            csv       one row per highlight in the columns Readwise's CSV import takes

            Examples:
              gloss export --format json --output library.json
              gloss export --format markdown --output ~/notes/gloss
              gloss export --format w3c --tag china > china.jsonld
              gloss export --format csv --article a76c > readwise.csv
            """
    )

    @Option(help: ArgumentHelp("json, w3c, markdown or csv.", valueName: "format"))
    var format: String
    @Option(help: ArgumentHelp("The file to write (the folder for markdown); default: standard output.", valueName: "path"))
    var output: String?
    @Option(help: ArgumentHelp("Only this article (an ID or prefix) and its annotations.", valueName: "id"))
    var article: String?
    @Option(help: ArgumentHelp("Only what carries this tag, and the articles it sits on.", valueName: "tag"))
    var tag: String?
    @Flag(help: "Include deleted entities (tombstones), marked deleted.")
    var includeDeleted = false

    @OptionGroup var library: LibraryOptions

    func validate() throws {
        guard let chosen = ExportFormat(rawValue: format) else {
            throw ValidationError("Unknown format \"\(format)\"; choose json, w3c, markdown or csv.")
        }
        if chosen == .markdown && output == nil { throw ValidationError("Markdown export writes a folder: give --output FOLDER.") }
    }

    func run() throws {
        let library = try library.open()
        let scope = ExportScope(article: try article.map { try library.articleID($0) }, tag: tag, includeDeleted: includeDeleted)
        let chosen = ExportFormat(rawValue: format) ?? .json
        if chosen == .markdown, let output {
            let count = try MarkdownExport.export(library, scope: scope, to: URL(fileURLWithPath: output))
            Output.note("wrote \(count) Markdown files to \(output)")
            return
        }
        // Write to a temporary file next to the target and move it into place, so a failed
        // export never leaves half a file where a good one was.
        let temporary = output.map { $0 + ".gloss-partial" }
        let handle: FileHandle
        if let temporary {
            guard FileManager.default.createFile(atPath: temporary, contents: nil), let file = FileHandle(forWritingAtPath: temporary) else {
                throw CLIError("Cannot write \(output ?? temporary): check that its folder exists and is writable.")
            }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        do {
            let sink = ExportSink(handle: handle)
            switch chosen {
            case .json: try GlossJSON.export(library, scope: scope, to: sink)
            case .w3c: try W3C.export(library, scope: scope, to: sink)
            case .csv: try ReadwiseCSV.export(library, scope: scope, to: sink)
            case .markdown: break
            }
            if let temporary, let output {
                try handle.close()
                _ = try? FileManager.default.removeItem(atPath: output)
                try FileManager.default.moveItem(atPath: temporary, toPath: output)
            }
        } catch {
            if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
            throw error
        }
    }
}

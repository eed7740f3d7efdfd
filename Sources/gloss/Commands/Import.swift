import ArgumentParser
import Foundation
import GlossInterchange
import GlossModel
import GlossStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import annotations: a gloss JSON export, W3C Web Annotations, a Hypothesis API answer, or Readwise CSV.",
        discussion: """
            The format is detected from the contents (--format names it instead). Annotations land
            on the article they name (by gloss ID, URL, or title and author); those whose article
            is not in the library become highlights of a placeholder article that carries their
            quotes, and move onto the real article, re-anchored, when `gloss add` imports it.
            Everything is written in one transaction: a file with a problem changes nothing, and
            the error names the line or JSON path of the first problem. Importing the same file
            twice changes nothing the second time.

            Examples:
              gloss import library.json
              gloss import hypothesis-search.json
              gloss import readwise-export.csv
            """
    )

    @Argument(help: ArgumentHelp("The file to import, or - for standard input.", valueName: "file"))
    var file: String
    @Option(help: ArgumentHelp("gloss, w3c, hypothesis or readwise (default: detected).", valueName: "format"))
    var format: String?

    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let format, AnnotationFile.Format(rawValue: format) == nil {
            throw ValidationError("Unknown format \"\(format)\"; choose gloss, w3c, hypothesis or readwise.")
        }
    }

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard FileManager.default.fileExists(atPath: file) else { throw CLIError("Cannot import \(file): no such file.") }
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIError("Cannot import \(file): the file cannot be read (check its permissions).")
            }
            data = contents
        }
        let name = file == "-" ? "standard input" : file
        let detected: AnnotationFile.Format
        let contents: AnnotationFile.Contents
        do {
            (detected, contents) = try AnnotationFile.read(data, format: format.flatMap(AnnotationFile.Format.init))
        } catch let error as ImportError {
            throw CLIError("Cannot import \(name): \(error.description)")
        }
        let library = try library.open()
        let report: ImportReport
        switch contents {
        case .gloss(let export):
            report = try library.restore(articles: export.articles, highlights: export.highlights, notes: export.notes)
        case .annotations(let annotations):
            report = try library.importAnnotations(annotations)
        }
        if output.json {
            try Output.json(ImportSummary(format: detected.rawValue, report: report))
            return
        }
        var parts: [String] = []
        if report.articles > 0 { parts.append("\(report.articles) articles") }
        if report.placeholders > 0 { parts.append("\(report.placeholders) placeholder articles") }
        parts.append("\(report.highlights) highlights")
        parts.append("\(report.notes) notes")
        var line = "imported \(parts.joined(separator: ", ")) from \(name) (\(detected.rawValue))"
        if report.unchanged > 0 { line += "; \(report.unchanged) already in the library" }
        Output.print(line)
        if report.fuzzy + report.orphaned > 0 {
            Output.print("anchoring: \(report.exact) exact, \(report.fuzzy) fuzzy, \(report.orphaned) orphaned (kept with their quotes)")
        }
        if report.placeholders > 0 {
            Output.print("highlights on placeholder articles move onto the real article when you `gloss add` it (same URL, or same title and author)")
        }
    }
}

/// `gloss import --json`: the format read and what the import did.
struct ImportSummary: Encodable {
    var format: String
    var report: ImportReport

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(format, forKey: .format)
    }

    enum Key: String, CodingKey { case format }
}

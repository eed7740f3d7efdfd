import ArgumentParser
import Foundation
import GlossModel
import GlossStore

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note",
        abstract: "Write a note: on an article, on a highlight, or standalone.",
        discussion: """
            Examples:
              gloss note "Compare with the 2013 figures"
              gloss note --article 4c87 "Argues China filled a vacuum" --tag thesis
              gloss note --highlight 0193a7 "Source for this?"
            """
    )

    @Argument(help: "The note's text (- reads it from standard input).")
    var text: String
    @Option(help: "The article the note is about.")
    var article: String?
    @Option(help: "The highlight the note is about.")
    var highlight: String?
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag; repeat for more.", valueName: "tag"))
    var tags: [String] = []

    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try validateTags(tags)
        if article != nil && highlight != nil { throw ValidationError("A note is on an article or on a highlight, not both.") }
    }

    func run() throws {
        let body = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
        let library = try library.open()
        let short = try library.shortIDs()
        let note = try library.addNote(
            body: body, article: try article.map(library.articleID), highlight: try highlight.map(library.highlightID), tags: tags
        )
        if output.json { return try Output.json(note) }
        Output.print("noted \(short(note.id.description))")
    }
}

struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change a note's body, an article's title, URL or author, or a highlight's colour.",
        discussion: """
            For a note without --body, $VISUAL or $EDITOR (else vi) opens the body.

            Examples:
              gloss edit 0193b2 --body "Rewritten note"
              gloss edit 4c87 --title "Xi in Lima" --author "Reuters"
              gloss edit 0193a7 --color green
            """
    )

    @Argument(help: "The ID (or a unique prefix) of a note, article or highlight.")
    var id: String
    @Option(help: "New body of a note.")
    var body: String?
    @Option(help: "New title of an article.")
    var title: String?
    @Option(help: "New URL of an article (empty removes it).")
    var url: String?
    @Option(help: "New author of an article (empty removes it).")
    var author: String?
    @Option(help: "New colour of a highlight.")
    var color: String?

    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let ref = try library.resolve(id)
        switch ref.kind {
        case .note:
            guard title == nil, url == nil, author == nil, color == nil else { throw CLIError("A note has only a body to edit (--body).") }
            let noteID = try library.noteID(ref.id)
            let newBody: String
            if let body { newBody = body } else {
                guard let current = try library.note(noteID) else { throw LibraryError.notFound(id) }
                newBody = try ExternalEditor.edit(current.body)
            }
            let note = try library.editNote(noteID, body: newBody)
            if output.json { return try Output.json(note) }
            Output.print("edited note \(short(note.id.description))")
        case .article:
            guard body == nil, color == nil else { throw CLIError("An article's --title, --url and --author can be edited, not its body or colour.") }
            guard title != nil || url != nil || author != nil else { throw CLIError("Say what to change: --title, --url or --author.") }
            if let title, title.trimmingCharacters(in: .whitespaces).isEmpty { throw CLIError("An article's title cannot be empty.") }
            let article = try library.editArticle(try library.articleID(ref.id), title: title, url: url, author: author)
            if output.json { return try Output.json(article) }
            Output.print("edited article \(short(article.id.description))  \(article.title)")
        case .highlight:
            guard let color, body == nil, title == nil, url == nil, author == nil else {
                throw CLIError("A highlight's --color can be edited; its passage is fixed (delete it and highlight again).")
            }
            let highlight = try library.editHighlight(try library.highlightID(ref.id), color: color)
            if output.json { return try Output.json(highlight) }
            Output.print("edited highlight \(short(highlight.id.description))  \(highlight.color)")
        }
    }
}

/// Opens $VISUAL or $EDITOR on a temporary file and returns what was saved.
enum ExternalEditor {
    static func edit(_ text: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-note-\(UUID().uuidString).md")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIError("The editor (\(editor)) exited with status \(process.terminationStatus); the note is unchanged.") }
        let edited = try String(contentsOf: file, encoding: .utf8)
        return edited.hasSuffix("\n") && !text.hasSuffix("\n") ? String(edited.dropLast()) : edited
    }
}

import ArgumentParser
import Foundation
import GlossModel
import GlossStore

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the change journal, newest first: when, which device, what changed.",
        discussion: """
            Every change ever made is kept, including what deleted items held.

            Examples:
              gloss log
              gloss log 0193b2 --json
            """
    )

    @Argument(help: "Only changes of this article, highlight or note.")
    var id: String?
    @Option(help: "The most changes to show.")
    var limit: Int?
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let entity = try id.map { try library.resolve($0).id }
        let changes = try library.log(entity: entity, limit: limit)
        if output.json { return try Output.json(changes) }
        if changes.isEmpty { return Output.note("The journal is empty.") }
        for change in changes {
            let own = change.device == library.device ? "this device" : "device \(change.device.rawValue.prefix(8))"
            Output.print("\(change.at)  \(own)  \(change.op.rawValue) \(change.entity.rawValue) \(short(change.entityIdString))")
            for name in change.fields.keys.sorted() where name != "deleted" || change.op == .delete || change.op == .restore {
                guard let field = change.fields[name], field.old != field.new else { continue }
                Output.print("    \(name): \(field.old.summary()) → \(field.new.summary())")
            }
            for tag in change.tags.keys.sorted() {
                Output.print("    tag \(tag): \(change.tags[tag] == true ? "added" : "removed")")
            }
            if !change.resolves.isEmpty { Output.print("    resolved \(change.resolves.count) conflict version(s)") }
        }
    }
}

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List notes with conflict versions left by overlapping edits on two machines.",
        discussion: "Example: gloss conflicts"
    )
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let notes = try library.conflictedNotes()
        if output.json { return try Output.json(notes) }
        if notes.isEmpty { return Output.note("No conflicts.") }
        for note in notes {
            Output.print("\(short(note.id.description))  current: \(flat(note.body, 80))")
            for (n, version) in note.conflicts.enumerated() {
                Output.print("    \(n + 1). \(flat(version.body, 80))  (device \(version.stamp.device.rawValue.prefix(8)))")
            }
        }
    }
}

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve a note's conflicts: keep its body, take a conflict version, or write a new body.",
        discussion: """
            The resolution is a change like any other and syncs to every machine.

            Examples:
              gloss resolve 0193b2 --keep
              gloss resolve 0193b2 --take 1
              gloss resolve 0193b2 --body "Both points, merged by hand"
            """
    )
    @Argument(help: "The note ID (or a unique prefix).") var id: String
    @Flag(help: "Keep the current body.") var keep = false
    @Option(help: "Take conflict version N (as `gloss conflicts` numbers them).") var take: Int?
    @Option(help: "Use this text as the body.") var body: String?
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let chosen = (keep ? 1 : 0) + (take == nil ? 0 : 1) + (body == nil ? 0 : 1)
        if chosen != 1 { throw ValidationError("Choose exactly one of --keep, --take N or --body TEXT.") }
    }

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let noteID = try library.noteID(id)
        guard let note = try library.note(noteID) else { throw LibraryError.notFound(id) }
        var newBody = note.body
        if let take {
            guard take >= 1, take <= note.conflicts.count else {
                throw CLIError("The note \(short(noteID.description)) has \(note.conflicts.count) conflict version(s); --take \(take) is not one of them.")
            }
            newBody = note.conflicts[take - 1].body
        } else if let body {
            newBody = body
        }
        let resolved = try library.resolveConflicts(noteID, body: newBody)
        if output.json { return try Output.json(resolved) }
        Output.print("resolved \(short(resolved.id.description))")
    }
}

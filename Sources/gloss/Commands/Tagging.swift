import ArgumentParser
import GlossStore

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Add tags to an article, highlight or note.",
        discussion: "Example: gloss tag 4c87 china trade"
    )
    @Argument(help: "The ID (or a unique prefix).") var id: String
    @Argument(help: "Tags to add.") var tags: [String]
    @OptionGroup var library: LibraryOptions

    func validate() throws {
        if tags.isEmpty { throw ValidationError("Give at least one tag.") }
        try validateTags(tags)
    }

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let ref = try library.resolve(id)
        try library.setTags(ref, tags, present: true)
        Output.print("tagged \(ref.kind.rawValue) \(short(ref.id)): \(tags.joined(separator: ", "))")
    }
}

struct Untag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove tags from an article, highlight or note.", discussion: "Example: gloss untag 4c87 trade"
    )
    @Argument(help: "The ID (or a unique prefix).") var id: String
    @Argument(help: "Tags to remove.") var tags: [String]
    @OptionGroup var library: LibraryOptions

    func validate() throws {
        if tags.isEmpty { throw ValidationError("Give at least one tag.") }
    }

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let ref = try library.resolve(id)
        try library.setTags(ref, tags, present: false)
        Output.print("untagged \(ref.kind.rawValue) \(short(ref.id)): \(tags.joined(separator: ", "))")
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Delete an article, highlight or note (a tombstone: `gloss restore` brings it back).",
        discussion: "Example: gloss rm 0193a7"
    )
    @Argument(help: "The ID (or a unique prefix).") var id: String
    @OptionGroup var library: LibraryOptions

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let ref = try library.resolve(id)
        try library.setDeleted(ref, true)
        Output.print("deleted \(ref.kind.rawValue) \(short(ref.id)) (gloss restore \(short(ref.id)) brings it back)")
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring back a deleted article, highlight or note.", discussion: "Example: gloss restore 0193a7"
    )
    @Argument(help: "The ID (or a unique prefix).") var id: String
    @OptionGroup var library: LibraryOptions

    func run() throws {
        let library = try library.open()
        let short = try library.shortIDs()
        let ref = try library.resolve(id)
        try library.setDeleted(ref, false)
        Output.print("restored \(ref.kind.rawValue) \(short(ref.id))")
    }
}

import ArgumentParser
import Foundation
import GlossModel
import GlossStore

/// Options every library command takes.
struct LibraryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The library file.", discussion: "Default: $GLOSS_LIBRARY, else $XDG_DATA_HOME/gloss/library.sqlite, else ~/.local/share/gloss/library.sqlite.", valueName: "path"))
    var library: String?

    /// The library path and whether it is the default one (whose folder gloss may create).
    func resolvedPath() -> (path: String, isDefault: Bool) {
        let environment = ProcessInfo.processInfo.environment
        if let library { return (library, false) }
        if let path = environment["GLOSS_LIBRARY"], !path.isEmpty { return (path, false) }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return (data + "/gloss/library.sqlite", true)
    }

    /// Opens the library, creating it (and, for the default path, its folder) on first use.
    func open() throws -> Library {
        let (path, isDefault) = resolvedPath()
        if isDefault {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        return try Library(path: path)
    }
}

/// `--json`: print canonical JSON on standard output and nothing else there.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print canonical JSON (DESIGN.md §2) instead of text.")
    var json = false
}

/// Standard output and error, and whether to colour.
enum Output {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func json<T: Encodable>(_ value: T) throws {
        var data = try CanonicalJSON.encode(value, pretty: false)
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    static var useColor: Bool {
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(STDOUT_FILENO) == 1
    }
}

/// An error of the command line, shown as one sentence on standard error.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Library {
    /// Resolves an ID prefix that must be an article.
    func articleID(_ text: String) throws -> ID<Article> {
        let ref = try resolve(text, as: .article)
        guard let id = ID<Article>(ref.id) else { throw LibraryError.notFound(text) }
        return id
    }

    func highlightID(_ text: String) throws -> ID<Highlight> {
        let ref = try resolve(text, as: .highlight)
        guard let id = ID<Highlight>(ref.id) else { throw LibraryError.notFound(text) }
        return id
    }

    func noteID(_ text: String) throws -> ID<Note> {
        let ref = try resolve(text, as: .note)
        guard let id = ID<Note>(ref.id) else { throw LibraryError.notFound(text) }
        return id
    }
}

/// Checks tags given on the command line.
func validateTags(_ tags: [String]) throws {
    for tag in tags where tag.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || tag != tag.trimmingCharacters(in: .whitespacesAndNewlines) {
        throw ValidationError("A tag cannot be empty or start or end with white space: \"\(tag)\".")
    }
}

extension Output {
    /// Prints a list through the fast canonical writer (byte-identical to `json(_:)`).
    static func jsonList<T: CanonicalJSONWritable>(_ items: [T]) {
        var writer = JSONWriter(capacity: 1 << 20)
        writer.beginArray()
        let handle = FileHandle.standardOutput
        for item in items {
            item.write(to: &writer)
            if writer.bytes.count > 1 << 20 {
                handle.write(Data(writer.takeBytes()))
            }
        }
        writer.endArray()
        handle.write(Data(writer.bytes + [0x0A]))
    }
}

import Foundation

/// Why the library could not do what was asked. Each description is one sentence for a person.
public enum LibraryError: Error, Equatable, CustomStringConvertible {
    case directoryMissing(String)
    case notWritable(String)
    case full(String)
    case notALibrary(String)
    case newerLibrary(path: String, unknownMigrations: [String])
    case notFound(String)
    case ambiguousID(prefix: String, candidates: [String])
    case shortID(String)
    case wrongKind(id: String, expected: String, actual: String)
    case deleted(String)
    case notDeleted(String)
    case invalid(String)
    case searchSyntax(query: String, detail: String)

    public var description: String {
        switch self {
        case .directoryMissing(let path): "The folder \(path) does not exist; create it first or choose another --library path."
        case .notWritable(let path): "The library \(path) cannot be written (check its permissions)."
        case .full(let path): "The disk holding the library \(path) is full; nothing of this change was written and everything stored before is intact. Free some space and try again."
        case .notALibrary(let path): "\(path) is not a gloss library (it is not an SQLite database)."
        case .newerLibrary(let path, let unknown):
            "The library \(path) was written by a newer gloss (migrations \(unknown.joined(separator: ", "))); upgrade gloss to open it."
        case .notFound(let id): "Nothing in the library has the ID \(id)."
        case .ambiguousID(let prefix, let candidates):
            "The ID prefix \(prefix) matches \(candidates.count) items: \(candidates.joined(separator: ", ")); type more characters."
        case .shortID(let prefix): "The ID prefix \(prefix) is too short; give at least 4 characters."
        case .wrongKind(let id, let expected, let actual): "\(id) is a \(actual), not a \(expected)."
        case .deleted(let id): "\(id) is deleted; `gloss restore \(id)` brings it back."
        case .notDeleted(let id): "\(id) is not deleted, so there is nothing to restore."
        case .invalid(let message): message
        case .searchSyntax(let query, let detail): "The search '\(query)' is not valid FTS5 syntax (\(detail))."
        }
    }
}

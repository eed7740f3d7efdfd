import Foundation
import GlossModel

/// A reference to any entity of the library, as the command line resolves a typed ID prefix.
public struct EntityRef: Hashable, Sendable {
    public var kind: EntityKind
    /// The full lowercase UUID.
    public var id: String

    public init(kind: EntityKind, id: String) {
        self.kind = kind
        self.id = id
    }
}

/// An article in a listing, with how many live highlights and notes it has.
public struct ArticleListing: Encodable, Sendable {
    public var article: Article
    public var highlightCount: Int
    public var noteCount: Int

    public func encode(to encoder: any Encoder) throws {
        try article.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(highlightCount, forKey: .highlightCount)
        try c.encode(noteCount, forKey: .noteCount)
    }

    private enum CodingKeys: String, CodingKey { case highlightCount, noteCount }
}

/// One element of `gloss list`: a highlight carrying its notes, or a note not on a highlight.
public enum Annotation: Encodable, Sendable {
    case highlight(Highlight, notes: [Note])
    case note(Note)

    public var createdAt: Timestamp {
        switch self {
        case .highlight(let h, _): h.createdAt
        case .note(let n): n.createdAt
        }
    }

    public var id: String {
        switch self {
        case .highlight(let h, _): h.id.description
        case .note(let n): n.id.description
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .highlight(let highlight, let notes):
            try highlight.encode(to: encoder)
            try c.encode("highlight", forKey: .type)
            try c.encode(notes, forKey: .notes)
        case .note(let note):
            try note.encode(to: encoder)
            try c.encode("note", forKey: .type)
        }
    }

    private enum CodingKeys: String, CodingKey { case type, notes }
}

extension ArticleListing: CanonicalJSONWritable {
    public func writeMembers(to writer: inout JSONWriter) {
        article.writeMembers(to: &writer, counts: (highlightCount, noteCount))
    }
}

extension Annotation: CanonicalJSONWritable {
    public func writeMembers(to writer: inout JSONWriter) {
        switch self {
        case .highlight(let highlight, let notes):
            highlight.writeMembers(to: &writer, notes: notes, type: true)
        case .note(let note):
            note.writeMembers(to: &writer, type: true)
        }
    }
}

import Foundation

/// The fields each kind of entity has, and the JSON type of each: what a change may write.
/// The server checks pushed changes against it, so a broken or hostile client cannot store
/// fields that no reader understands.
public enum FieldType: Sendable {
    case text, optionalText, integer, optionalNumber, boolean

    func accepts(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.text, .string), (.optionalText, .string), (.optionalText, .null), (.integer, .int), (.boolean, .bool),
             (.optionalNumber, .null), (.optionalNumber, .int), (.optionalNumber, .double): true
        default: false
        }
    }
}

extension EntityKind {
    /// Built once: the server checks every pushed change against it.
    public var fieldTypes: [String: FieldType] {
        switch self {
        case .article: Self.articleFields
        case .highlight: Self.highlightFields
        case .note: Self.noteFields
        }
    }

    private static let articleFields: [String: FieldType] = [
        "title": .text, "url": .optionalText, "author": .optionalText, "publishedAt": .optionalText, "text": .text,
        "contentHash": .text, "deleted": .boolean,
    ]
    private static let highlightFields: [String: FieldType] = [
        "articleId": .text, "exact": .text, "prefix": .text, "suffix": .text, "start": .integer, "end": .integer,
        "utf16Start": .integer, "utf16End": .integer, "color": .text, "anchor": .text, "anchorScore": .optionalNumber,
        "deleted": .boolean,
    ]
    private static let noteFields: [String: FieldType] = [
        "body": .text, "articleId": .optionalText, "highlightId": .optionalText, "deleted": .boolean,
    ]
}

extension Change {
    /// Why this change cannot be applied, or nil when it is well formed.
    public var problem: String? {
        let types = entity.fieldTypes
        for (name, field) in fields {
            guard let type = types[name] else { return "a \(entity.rawValue) has no field \"\(name)\"" }
            guard type.accepts(field.new) else { return "the field \"\(name)\" of a \(entity.rawValue) cannot hold \(field.new.summary(limit: 20))" }
        }
        // Counted in bytes first: no longer in characters than in bytes, so only a long one is counted again.
        for tag in tags.keys where tag.isEmpty || (tag.utf8.count > 200 && tag.count > 200) { return "a tag must have 1 to 200 characters" }
        if op == .create, entity == .article, fields["text"] == nil { return "an article is created with its text" }
        // Bytes, not Foundation's `contains(_: StringProtocol)`: that was half of this check's
        // time on the server's writer (docs/performance.md, session 22).
        let device = device.rawValue.utf8
        if device.isEmpty || device.contains(UInt8(ascii: "@")) || (device.count > 100 && self.device.rawValue.count > 100) { return "the device ID is not valid" }
        return nil
    }
}

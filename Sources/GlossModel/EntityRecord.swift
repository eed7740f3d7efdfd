import Foundation

/// The last write to one tag of one entity: present or removed, and when.
public struct TagState: Codable, Hashable, Sendable {
    public var present: Bool
    public var stamp: Stamp
    public init(present: Bool, stamp: Stamp) {
        self.present = present
        self.stamp = stamp
    }
}

/// The mergeable state of one entity: every field with the stamp of the write that set it, every
/// tag ever added with its last add or remove, and a note's unresolved conflict versions.
///
/// The merge function works on records, so it needs to know nothing about articles,
/// highlights or notes beyond which field is a note body.
public struct EntityRecord: Codable, Hashable, Sendable {
    public var kind: EntityKind
    public var id: UUID { didSet { idString = id.lowercaseText } }
    /// `id` as lowercase text (made once).
    public private(set) var idString: String
    /// Field values by their JSON names (`title`, `color`, `body`, `deleted`, ...).
    public var fields: [String: JSONValue]
    /// The write that last set each field.
    public var stamps: [String: Stamp]
    public var tags: [String: TagState]
    public var conflicts: [ConflictVersion]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        kind: EntityKind, id: UUID, fields: [String: JSONValue] = [:], stamps: [String: Stamp] = [:],
        tags: [String: TagState] = [:], conflicts: [ConflictVersion] = [], createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.kind = kind
        self.id = id
        self.idString = id.lowercaseText
        self.fields = fields
        self.stamps = stamps
        self.tags = tags
        self.conflicts = conflicts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var deleted: Bool { fields["deleted"]?.boolValue ?? false }
    /// Tags present now, sorted.
    public var presentTags: [String] { tags.filter(\.value.present).keys.sorted() }

    public func string(_ field: String) -> String? { fields[field]?.stringValue }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(idString, forKey: .id)
        try c.encode(fields, forKey: .fields)
        try c.encode(stamps, forKey: .stamps)
        try c.encode(tags, forKey: .tags)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(EntityKind.self, forKey: .kind)
        let text = try c.decode(String.self, forKey: .id)
        guard let uuid = UUID(hexText: text) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "\"\(text)\" is not a UUID.")
        }
        id = uuid
        idString = uuid.lowercaseText
        fields = try c.decode([String: JSONValue].self, forKey: .fields)
        stamps = try c.decode([String: Stamp].self, forKey: .stamps)
        tags = try c.decode([String: TagState].self, forKey: .tags)
        conflicts = try c.decode([ConflictVersion].self, forKey: .conflicts)
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        updatedAt = try c.decode(Timestamp.self, forKey: .updatedAt)
    }

    private enum CodingKeys: String, CodingKey {
        case kind, id, fields, stamps, tags, conflicts, createdAt, updatedAt
    }
}

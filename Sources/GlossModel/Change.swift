import Foundation

/// What a change does to its entity.
public enum ChangeOperation: String, Codable, Sendable {
    case create, update, delete, restore, tag, untag, resolve
}

/// One field's value before and after a change.
public struct FieldChange: Codable, Hashable, Sendable {
    public var old: JSONValue
    public var new: JSONValue
    public init(old: JSONValue = .null, new: JSONValue) {
        self.old = old
        self.new = new
    }
}

/// One journal entry: who (device) changed what (entity, fields with old and new values) and
/// when (hybrid logical clock). The unit that the journal stores, sync pushes and the merge
/// function applies; its ID makes a repeated push a no-op.
public struct Change: Codable, Hashable, Sendable {
    public var id: ID<Change>
    public var entity: EntityKind
    public var entityId: UUID { didSet { entityIdString = entityId.lowercaseText } }
    /// `entityId` as lowercase text (made once).
    public private(set) var entityIdString: String
    public var op: ChangeOperation
    /// The clock value and device of the write.
    public var clock: HLC
    public var device: DeviceID
    /// Wall-clock time the change was made, for people reading the log.
    public var at: Timestamp
    public var fields: [String: FieldChange]
    /// Tag name → present after the change (true: added, false: removed).
    public var tags: [String: Bool]
    /// For a note body edit: the stamp of the body the edit started from. The merge function
    /// uses it to tell a sequential edit from a concurrent one.
    public var base: Stamp?
    /// Conflict versions (by stamp) that this change resolves.
    public var resolves: [Stamp]

    public init(
        id: ID<Change> = .timeOrdered(), entity: EntityKind, entityId: UUID, op: ChangeOperation, clock: HLC, device: DeviceID,
        at: Timestamp = .now(), fields: [String: FieldChange] = [:], tags: [String: Bool] = [:], base: Stamp? = nil,
        resolves: [Stamp] = []
    ) {
        self.id = id
        self.entity = entity
        self.entityId = entityId
        self.entityIdString = entityId.lowercaseText
        self.op = op
        self.clock = clock
        self.device = device
        self.at = at
        self.fields = fields
        self.tags = tags
        self.base = base
        self.resolves = resolves
    }

    public var stamp: Stamp { Stamp(clock: clock, device: device) }


    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(entity, forKey: .entity)
        try c.encode(entityIdString, forKey: .entityId)
        try c.encode(op, forKey: .op)
        try c.encode(clock, forKey: .clock)
        try c.encode(device, forKey: .device)
        try c.encode(at, forKey: .at)
        try c.encode(fields, forKey: .fields)
        try c.encode(tags, forKey: .tags)
        try c.encode(base, forKey: .base)
        try c.encode(resolves, forKey: .resolves)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ID<Change>.self, forKey: .id)
        entity = try c.decode(EntityKind.self, forKey: .entity)
        let entityText = try c.decode(String.self, forKey: .entityId)
        guard let uuid = UUID(hexText: entityText) else {
            throw DecodingError.dataCorruptedError(forKey: .entityId, in: c, debugDescription: "\"\(entityText)\" is not a UUID.")
        }
        entityId = uuid
        entityIdString = uuid.lowercaseText
        op = try c.decode(ChangeOperation.self, forKey: .op)
        clock = try c.decode(HLC.self, forKey: .clock)
        device = try c.decode(DeviceID.self, forKey: .device)
        at = try c.decode(Timestamp.self, forKey: .at)
        fields = try c.decodeIfPresent([String: FieldChange].self, forKey: .fields) ?? [:]
        tags = try c.decodeIfPresent([String: Bool].self, forKey: .tags) ?? [:]
        base = try c.decodeIfPresent(Stamp.self, forKey: .base)
        resolves = try c.decodeIfPresent([Stamp].self, forKey: .resolves) ?? []
    }

    private enum CodingKeys: String, CodingKey {
        case id, entity, entityId, op, clock, device, at, fields, tags, base, resolves
    }
}

import Foundation
import GRDB
import GlossModel
import GlossSQLite

/// One open write transaction on the library. Every change made through it gets the next
/// hybrid-logical-clock timestamp, passes through ``Merge/apply(_:to:)``, and is written as the
/// entity's row and a journal entry together.
public final class WriteTransaction {
    let db: Database
    public let device: DeviceID
    var clock: HybridClock
    /// Full-text changes of the rows written so far, written by ``finish()``; nil while a long
    /// pull has deferred the full-text index (``Library/deferUpkeepForLongPull()``), which is then
    /// rebuilt from the rows.
    var search: [RecordStore.SearchUpdate]?

    init(db: Database, device: DeviceID, physicalClock: @escaping @Sendable () -> UInt64) throws {
        self.db = db
        self.device = device
        let meta = try Row.fetchAll(db.cachedStatement(sql: "SELECT key, value FROM meta WHERE key IN ('clock', ?)"), arguments: [Library.deferredUpkeepKey])
        let last = meta.first { $0[0] == "clock" }.flatMap { HLC($0[1] as String) } ?? .zero
        clock = HybridClock(last: last, physical: physicalClock)
        search = meta.contains { $0[0] == Library.deferredUpkeepKey } ? nil : []
    }

    /// The last writes before the commit: the queued full-text changes and the clock.
    func finish() throws {
        if let search { try RecordStore.flushSearch(search, in: db) }
        search = search.map { _ in [] }
        try setSetting("clock", clock.last.description)
    }

    public func setting(_ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    public func setSetting(_ key: String, _ value: String?) throws {
        if let value {
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        } else {
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
        }
    }

    /// Makes a local change stamped with this device's next clock value.
    public func makeChange(
        _ entity: EntityKind, _ entityId: UUID, _ op: ChangeOperation, fields: [String: FieldChange] = [:],
        tags: [String: Bool] = [:], base: Stamp? = nil, resolves: [Stamp] = []
    ) -> Change {
        Change(
            entity: entity, entityId: entityId, op: op, clock: clock.now(), device: device,
            fields: fields, tags: tags, base: base, resolves: resolves
        )
    }

    /// Applies a local change and journals it; returns the record after the merge.
    @discardableResult
    public func apply(_ change: Change, pushed: Bool = false) throws -> (record: EntityRecord?, outcome: MergeOutcome) {
        let current = try RecordStore.load(change.entity, id: change.entityIdString, in: db)
        let (record, outcome) = Merge.apply(change, to: current)
        if let record, record != current { try RecordStore.save(record, in: db, search: &search) }
        try journal(change, pushed: pushed)
        return (record, outcome)
    }

    /// Appends a change to the journal (as `json` when given: its canonical JSON as received);
    /// a change already there (same ID) is ignored.
    func journal(_ change: Change, pushed: Bool, json given: String? = nil) throws {
        try journal(Self.journalEntry(change, pushed: pushed, json: given))
    }

    /// Appends a journal entry prepared by ``journalEntry(_:pushed:json:)``.
    func journal(_ entry: [DatabaseValue]) throws {
        try db.cachedStatement(sql: """
            INSERT INTO journal(id, clock, device, entity, entity_id, op, at, change, pushed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
            """).run(entry)
    }

    /// A change's journal row as the insert binds it, worked out apart from the writing (a pulled
    /// page prepares its entries on all cores).
    static func journalEntry(_ change: Change, pushed: Bool, json given: String? = nil) -> [DatabaseValue] {
        let json = given ?? JSONWriter.string(change)
        return [
            change.id.description.databaseValue, change.clock.description.databaseValue, change.device.rawValue.databaseValue,
            change.entity.rawValue.databaseValue, change.entityIdString.databaseValue, change.op.rawValue.databaseValue,
            change.at.description.databaseValue, json.databaseValue, pushed.databaseValue,
        ]
    }

    /// The current record of an entity, or nil.
    public func record(_ kind: EntityKind, _ id: String) throws -> EntityRecord? {
        try RecordStore.load(kind, id: id, in: db)
    }

    /// Merges a timestamp pulled from the sync server into this library's clock. The server has
    /// already bounded the clocks it hands out (docs/sync-protocol.md), so they are taken as they
    /// are: a machine whose clock runs behind moves past them, and its next edit orders after
    /// what it has seen instead of losing to it.
    public func receive(_ remote: HLC) {
        clock.receive(remote, bounded: false)
    }
}

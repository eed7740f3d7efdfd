import Foundation
import GRDB
import GlossModel
import GlossSync

/// One user's library inside a write transaction of ``SQLiteServerStore``: its version (the
/// sync cursor), its clock, and how changes are applied to it. Pushes and the HTTP API's edits
/// both go through ``apply(_:device:db:)``, so both pass the same checks and the same merge.
struct LibraryState {
    let user: UserID
    /// The version before this transaction.
    let current: Int64
    /// The version this transaction raised the library to (once, on its first applied change).
    private(set) var raised: Int64?
    private var seq: Int64 = 0
    var clock: HybridClock
    let physicalClock: @Sendable () -> UInt64
    let maximumDrift: UInt64

    init(_ db: Database, user: UserID, maximumDrift: UInt64, physicalClock: @escaping @Sendable () -> UInt64) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT version, clock FROM libraries WHERE user_id = ?", arguments: [user.rawValue]) else {
            throw ServerError.invalid("The user has no library.")
        }
        self.user = user
        current = row["version"]
        clock = HybridClock(last: HLC(row["clock"] as String) ?? .zero, maximumDrift: maximumDrift, physical: physicalClock)
        self.physicalClock = physicalClock
        self.maximumDrift = maximumDrift
    }

    var version: Int64 { raised ?? current }

    /// Applies each change through the merge function and journals it; a change already applied
    /// (same ID) or not well formed is reported, not applied.
    mutating func apply(_ changes: [Change], device: DeviceID, db: Database) throws -> [PushResult] {
        var results: [PushResult] = []
        results.reserveCapacity(changes.count)
        // What the batch needs from the database, in two queries rather than two per change:
        // the change IDs the server already has, and the records of the entities it touches
        // (decoded when first used; a record this batch wrote is taken from `written`).
        var known = try Self.fetch(db, "SELECT id FROM changes WHERE user_id = ? AND id IN", user: user, changes.map(\.id.description))
            .reduce(into: Set<String>()) { $0.insert($1.0) }
        let stored = try Self.fetch(db, "SELECT id, record FROM entities INDEXED BY entities_id WHERE user_id = ? AND id IN", user: user, Array(Set(changes.map(\.entityIdString))))
            .reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        var written: [String: EntityRecord] = [:]
        for change in changes {
            if known.contains(change.id.description) {
                results.append(PushResult(id: change.id, outcome: .duplicate))
                continue
            }
            if let problem = change.problem {
                results.append(PushResult(id: change.id, outcome: .rejected, reason: problem))
                continue
            }
            guard change.device == device else {
                results.append(PushResult(id: change.id, outcome: .rejected, reason: "a device pushes only its own changes"))
                continue
            }
            var accepted = change
            if clock.isTooFarAhead(change.clock) {
                // Clamp a clock running far ahead: stamp the change with the server's clock instead.
                accepted.clock = clock.receive(HLC(milliseconds: physicalClock() + maximumDrift, counter: 0))
            } else {
                clock.receive(change.clock)
            }
            let existing = try written[accepted.entityIdString] ?? stored[accepted.entityIdString].map { try EntityRecord.decode(Data($0.utf8)) }
            if let existing, existing.kind != accepted.entity {
                results.append(PushResult(id: change.id, outcome: .rejected, reason: "\(accepted.entityIdString) is a \(existing.kind.rawValue)"))
                continue
            }
            let (merged, outcome) = Merge.apply(accepted, to: existing)
            guard let merged, outcome != .rejected else {
                results.append(PushResult(id: change.id, outcome: .rejected, reason: "no \(accepted.entity.rawValue) \(accepted.entityIdString) exists"))
                continue
            }
            let next = raised ?? current + 1
            raised = next
            seq += 1
            try db.cachedStatement(sql: """
                INSERT INTO entities(user_id, id, kind, record, version, deleted, article_id, highlight_id, updated_at, listed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(user_id, kind, id) DO UPDATE SET record = excluded.record, version = excluded.version, deleted = excluded.deleted,
                    article_id = excluded.article_id, highlight_id = excluded.highlight_id, updated_at = excluded.updated_at, listed = excluded.listed
                """).execute(
                arguments: [user.rawValue, merged.idString, merged.kind.rawValue, JSONWriter.string(merged), next, merged.deleted,
                            merged.string("articleId"), merged.string("highlightId"), merged.updatedAt.description, ListedJSON.render(merged)]
            )
            try db.cachedStatement(
                sql: "INSERT INTO changes(user_id, id, version, seq, entity_id, device, outcome, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ).execute(
                arguments: [user.rawValue, accepted.id.description, next, seq, accepted.entityIdString, accepted.device.rawValue,
                            outcome.rawValue, JSONWriter.string(accepted)]
            )
            known.insert(change.id.description)
            written[merged.idString] = merged
            results.append(PushResult(id: change.id, outcome: PushOutcome(outcome)))
        }
        return results
    }

    /// Rows `(id, second column or "")` of `sql` (ending in `IN`) for the given IDs of one user.
    private static func fetch(_ db: Database, _ sql: String, user: UserID, _ ids: [String]) throws -> [(String, String)] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: "\(sql) (\(marks))", arguments: StatementArguments([user.rawValue] + ids)).map { row in
            (row[0] as String, row.count > 1 ? (row[1] as String) : "")
        }
    }

    /// The current record of an entity of this library, or nil.
    func record(_ id: String, db: Database) throws -> EntityRecord? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT record FROM entities WHERE user_id = ? AND id = ?"), arguments: [user.rawValue, id])
            .map { try EntityRecord.decode(Data($0.utf8)) }
    }

    /// Saves the version and clock, and notes the device as seen.
    func save(_ db: Database, device: DeviceID) throws {
        try db.execute(sql: "UPDATE libraries SET version = ?, clock = ? WHERE user_id = ?",
                       arguments: [version, clock.last.description, user.rawValue])
        try db.execute(
            sql: "INSERT INTO devices(user_id, device, last_seen) VALUES (?, ?, ?) ON CONFLICT(user_id, device) DO UPDATE SET last_seen = excluded.last_seen",
            arguments: [user.rawValue, device.rawValue, Timestamp.now().description]
        )
    }
}

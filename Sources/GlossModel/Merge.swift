import Foundation

/// What became of a change when it was merged into an entity.
public enum MergeOutcome: String, Codable, Sendable {
    /// Every part of it took effect.
    case applied
    /// It took effect together with a concurrent edit (a clean three-way merge of a note body),
    /// or some fields lost to later writes.
    case merged
    /// A note body edit overlapped a concurrent edit; one body won, the other is a conflict version.
    case conflicted
    /// Nothing changed: later writes already covered every part of it.
    case superseded
    /// The change names an entity that does not exist and does not create it.
    case rejected
}

/// The merge rules of DESIGN.md §5, as one pure function shared by the library and the server.
///
/// - Scalar fields: per field, the later stamp (clock, then device) wins.
/// - Tags: per tag, the later add or remove wins, so concurrent additions both survive.
/// - Note bodies: an edit made on an older body than the current one is merged three-way at the
///   word level; overlapping edits keep the later body and store the other as a conflict version.
/// - Delete vs edit: `deleted` is a field like the others, and every edit also writes
///   `deleted = false`, so the later of a delete and a concurrent edit wins.
/// - `createdAt` keeps the earliest value (the same article imported on two machines).
public enum Merge {
    /// Applies `change` to `record` (nil when the entity does not exist yet).
    public static func apply(_ change: Change, to record: EntityRecord?) -> (record: EntityRecord?, outcome: MergeOutcome) {
        let stamp = change.stamp
        guard var record else {
            guard change.op == .create else { return (nil, .rejected) }
            var created = EntityRecord(
                kind: change.entity, id: change.entityId, createdAt: change.at, updatedAt: change.at
            )
            for (name, field) in change.fields {
                created.fields[name] = field.new
                created.stamps[name] = stamp
            }
            created.fields["deleted"] = .bool(false)
            created.stamps["deleted"] = stamp
            for (tag, present) in change.tags { created.tags[tag] = TagState(present: present, stamp: stamp) }
            return (created, .applied)
        }

        var tookEffect = false
        var lostSomething = false
        var outcome = MergeOutcome.applied

        var fields = change.fields
        if change.op != .delete && fields["deleted"] == nil {
            fields["deleted"] = FieldChange(old: .bool(false), new: .bool(false))
        }
        for name in fields.keys.sorted() {
            guard let field = fields[name] else { continue }
            let current = record.stamps[name]
            if name == "body", record.kind == .note, let base = change.base, let current, current != base, current > base {
                // A concurrent body edit: merge against the body both sides started from.
                switch mergeBody(base: field.old.stringValue ?? "", current: record.string("body") ?? "",
                                 currentStamp: current, incoming: field.new.stringValue ?? "", incomingStamp: stamp) {
                case .clean(let merged):
                    if merged != record.string("body") { tookEffect = true }
                    record.fields["body"] = .string(merged)
                    record.stamps["body"] = max(current, stamp)
                    outcome = .merged
                case .conflict(let winner, let loser):
                    record.fields["body"] = .string(winner.body)
                    record.stamps["body"] = winner.stamp
                    if !record.conflicts.contains(where: { $0.stamp == loser.stamp }) {
                        record.conflicts.append(loser)
                        record.conflicts.sort { $0.stamp < $1.stamp }
                    }
                    tookEffect = true
                    outcome = .conflicted
                }
                continue
            }
            if current.map({ stamp > $0 }) ?? true {
                if record.fields[name] != field.new { tookEffect = true }
                record.fields[name] = field.new
                record.stamps[name] = stamp
            } else if current != stamp && record.fields[name] != field.new {
                lostSomething = true
            }
        }
        if change.op == .create {
            record.createdAt = min(record.createdAt, change.at)
        }
        for tag in change.tags.keys.sorted() {
            guard let present = change.tags[tag] else { continue }
            if record.tags[tag].map({ stamp > $0.stamp }) ?? true {
                if record.tags[tag]?.present != present { tookEffect = true }
                record.tags[tag] = TagState(present: present, stamp: stamp)
            } else {
                lostSomething = true
            }
        }
        if !change.resolves.isEmpty {
            let before = record.conflicts.count
            record.conflicts.removeAll { change.resolves.contains($0.stamp) }
            if record.conflicts.count != before { tookEffect = true }
        }
        record.updatedAt = max(record.updatedAt, change.at)
        if outcome == .applied {
            if !tookEffect && lostSomething { outcome = .superseded }
            else if lostSomething { outcome = .merged }
        }
        return (record, outcome)
    }

    enum BodyMerge {
        case clean(String)
        case conflict(winner: ConflictVersion, loser: ConflictVersion)
    }

    static func mergeBody(base: String, current: String, currentStamp: Stamp, incoming: String, incomingStamp: Stamp) -> BodyMerge {
        if current == incoming { return .clean(current) }
        if let merged = ThreeWayMerge.merge(base: base, ours: current, theirs: incoming) {
            return .clean(merged)
        }
        let mine = ConflictVersion(body: current, stamp: currentStamp)
        let theirs = ConflictVersion(body: incoming, stamp: incomingStamp)
        return incomingStamp > currentStamp ? .conflict(winner: theirs, loser: mine) : .conflict(winner: mine, loser: theirs)
    }
}

import Foundation
import GlossModel
import GlossSync

/// One user's library while a batch of changes is applied to it, without storage: its version
/// (the sync cursor), its clock, and what the merge function makes of each change. Both server
/// stores read what a batch needs (the change IDs they already have, the records it touches),
/// hand it here, and write the rows in ``writes``; so the checks and the merge are the same
/// code whichever store runs, for pushes and for the HTTP API's edits alike.
package struct LibraryBatch {
    /// The version before this transaction.
    package let current: Int64
    /// The version this transaction raises the library to (once, on its first applied change).
    package private(set) var raised: Int64?
    private var seq: Int64 = 0
    package var clock: HybridClock
    let physicalClock: @Sendable () -> UInt64
    let maximumDrift: UInt64
    /// The rows to write, in the order the changes were applied.
    package private(set) var writes: [Write] = []
    /// Records written by this batch, by entity ID (a later change of the batch merges onto them).
    private var written: [String: EntityRecord] = [:]

    /// One applied change: the entity's merged record and the journal row.
    package struct Write {
        package var record: EntityRecord
        package var recordJSON: String
        package var listedJSON: String?
        package var change: Change
        package var changeJSON: String
        package var outcome: MergeOutcome
        package var version: Int64
        package var seq: Int64
    }

    package init(version: Int64, clock: String, maximumDrift: UInt64, physicalClock: @escaping @Sendable () -> UInt64) {
        current = version
        self.clock = HybridClock(last: HLC(clock) ?? .zero, maximumDrift: maximumDrift, physical: physicalClock)
        self.physicalClock = physicalClock
        self.maximumDrift = maximumDrift
    }

    package var version: Int64 { raised ?? current }

    /// The records this batch wrote, by entity ID.
    package var records: [String: EntityRecord] { written }

    /// Applies each change through the merge function; a change already applied (its ID is in
    /// `known`, or earlier in the batch) or not well formed is reported, not applied.
    /// `stored` holds the stored JSON of the records the changes touch, by entity ID.
    /// `changeJSON`, when given, holds each change's canonical JSON (made while the request was
    /// decoded); the journal row of a change whose clock is not clamped uses it as it is.
    package mutating func apply(_ changes: [Change], device: DeviceID, known: Set<String>, stored: [String: String], changeJSON: [String]? = nil) throws -> [PushResult] {
        let encoded = changeJSON?.count == changes.count ? changeJSON : nil
        var known = known
        var results: [PushResult] = []
        results.reserveCapacity(changes.count)
        // The merges run in order (a change may build on the one before it); the JSON of what
        // they wrote is made afterwards, on all cores for a large batch (``render(_:)``).
        var merges: [Merged] = []
        for (index, change) in changes.enumerated() {
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
            var acceptedJSON = encoded?[index]
            if clock.isTooFarAhead(change.clock) {
                acceptedJSON = nil
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
            merges.append(Merged(record: merged, change: accepted, changeJSON: acceptedJSON, outcome: outcome, version: next, seq: seq))
            known.insert(change.id.description)
            written[merged.idString] = merged
            results.append(PushResult(id: change.id, outcome: PushOutcome(outcome)))
        }
        writes += Self.render(merges)
        return results
    }

    /// A change applied, before the JSON of its row and journal entry is made.
    struct Merged {
        var record: EntityRecord
        var change: Change
        var changeJSON: String?
        var outcome: MergeOutcome
        var version: Int64
        var seq: Int64
    }

    /// Batches with at least this many writes render their JSON on all cores.
    static let parallelRenderMinimum = 128

    /// The rows of the merges: each record's stored and list JSON, and the change's journal JSON
    /// unless it came with the request. A fifth of a large push's transaction was this
    /// rendering, on one core while the other waited (docs/performance.md, session 9).
    static func render(_ merges: [Merged]) -> [Write] {
        Parallel.map(merges, minimum: parallelRenderMinimum) { merge in
            Write(
                record: merge.record, recordJSON: JSONWriter.string(merge.record), listedJSON: ListedJSON.render(merge.record),
                change: merge.change, changeJSON: merge.changeJSON ?? JSONWriter.string(merge.change), outcome: merge.outcome,
                version: merge.version, seq: merge.seq
            )
        }
    }
}

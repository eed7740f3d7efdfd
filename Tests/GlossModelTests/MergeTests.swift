import Foundation
import Testing
@testable import GlossModel

@Suite struct ThreeWayMergeTests {
    @Test func editsOfDifferentSentencesAreBothKept() {
        let base = "China signed 40 deals. Trade ballooned twenty-fold. The reset is overdue."
        let ours = "China signed more than 40 deals. Trade ballooned twenty-fold. The reset is overdue."
        let theirs = "China signed 40 deals. Trade ballooned twenty-fold. The reset is long overdue."
        #expect(ThreeWayMerge.merge(base: base, ours: ours, theirs: theirs)
                == "China signed more than 40 deals. Trade ballooned twenty-fold. The reset is long overdue.")
    }

    @Test func overlappingEditsAreNotMerged() {
        let base = "The reset is overdue."
        #expect(ThreeWayMerge.merge(base: base, ours: "The reset is late.", theirs: "The reset is urgent.") == nil)
        // Two different insertions at one place overlap too.
        #expect(ThreeWayMerge.merge(base: "a c", ours: "a b c", theirs: "a x c") == nil)
    }

    @Test func identicalEditsAndOneSidedEditsMergeTrivially() {
        #expect(ThreeWayMerge.merge(base: "a", ours: "b", theirs: "b") == "b")
        #expect(ThreeWayMerge.merge(base: "a", ours: "a", theirs: "c") == "c")
        #expect(ThreeWayMerge.merge(base: "one two", ours: "one two three", theirs: "zero one two") == "zero one two three")
    }
}

@Suite struct MergeRuleTests {
    let id = UUID()
    let a = DeviceID(rawValue: "device-a"), b = DeviceID(rawValue: "device-b")

    func change(_ op: ChangeOperation, _ ms: UInt64, _ device: DeviceID, fields: [String: FieldChange] = [:],
                tags: [String: Bool] = [:], base: Stamp? = nil, entity: EntityKind = .note) -> Change {
        Change(entity: entity, entityId: id, op: op, clock: HLC(milliseconds: ms, counter: 0), device: device,
               at: Timestamp(milliseconds: Int64(ms)), fields: fields, tags: tags, base: base)
    }

    var created: EntityRecord {
        Merge.apply(change(.create, 10, a, fields: ["body": FieldChange(new: .string("Base sentence one. Base sentence two.")),
                                                     "color": FieldChange(new: .string("yellow"))]), to: nil).record!
    }

    @Test func perFieldTheLaterClockWinsInEitherOrder() {
        let x = change(.update, 20, a, fields: ["color": FieldChange(old: .string("yellow"), new: .string("green"))])
        let y = change(.update, 30, b, fields: ["color": FieldChange(old: .string("yellow"), new: .string("blue"))])
        let xy = Merge.apply(y, to: Merge.apply(x, to: created).record).record
        let yx = Merge.apply(x, to: Merge.apply(y, to: created).record)
        #expect(xy == yx.record)
        #expect(xy?.string("color") == "blue")
        #expect(yx.outcome == .superseded)
    }

    @Test func concurrentEditsOfDifferentFieldsBothSurvive() {
        let x = change(.update, 20, a, fields: ["color": FieldChange(old: .string("yellow"), new: .string("green"))])
        let y = change(.update, 21, b, fields: ["title": FieldChange(old: .null, new: .string("T"))])
        let result = Merge.apply(x, to: Merge.apply(y, to: created).record).record
        #expect(result?.string("color") == "green" && result?.string("title") == "T")
    }

    @Test func concurrentTagAdditionsBothSurviveAndAddRemoveIsOrderedByClock() {
        let addX = change(.tag, 20, a, tags: ["china": true])
        let addY = change(.tag, 21, b, tags: ["trade": true])
        var record = Merge.apply(addY, to: Merge.apply(addX, to: created).record).record
        #expect(record?.presentTags == ["china", "trade"])
        // Remove on one machine, re-add later on another: the re-add wins in either order.
        let remove = change(.untag, 30, a, tags: ["china": false])
        let readd = change(.tag, 31, b, tags: ["china": true])
        let one = Merge.apply(readd, to: Merge.apply(remove, to: record).record).record
        let two = Merge.apply(remove, to: Merge.apply(readd, to: record).record).record
        #expect(one == two && one?.presentTags == ["china", "trade"])
        record = Merge.apply(change(.untag, 40, a, tags: ["china": false]), to: one).record
        #expect(record?.presentTags == ["trade"])
    }

    @Test func theLaterOfADeleteAndAConcurrentEditWins() {
        let delete = change(.delete, 20, a, fields: ["deleted": FieldChange(old: .bool(false), new: .bool(true))])
        let laterEdit = change(.update, 25, b, fields: ["color": FieldChange(old: .string("yellow"), new: .string("red"))])
        let revived = Merge.apply(laterEdit, to: Merge.apply(delete, to: created).record).record
        #expect(revived?.deleted == false && revived?.string("color") == "red")
        let earlierEdit = change(.update, 15, b, fields: ["color": FieldChange(old: .string("yellow"), new: .string("red"))])
        let gone = Merge.apply(earlierEdit, to: Merge.apply(delete, to: created).record).record
        #expect(gone?.deleted == true)
        // The edit's value is still recorded: restore brings the edited entity back.
        #expect(gone?.string("color") == "red")
    }

    @Test func concurrentBodyEditsOfDifferentSentencesMergeCleanly() {
        let base = created.stamps["body"]
        let x = change(.update, 20, a, fields: ["body": FieldChange(old: .string("Base sentence one. Base sentence two."), new: .string("Edited sentence one. Base sentence two."))], base: base)
        let y = change(.update, 21, b, fields: ["body": FieldChange(old: .string("Base sentence one. Base sentence two."), new: .string("Base sentence one. Base sentence two, extended."))], base: base)
        let first = Merge.apply(x, to: created)
        #expect(first.outcome == .applied)
        let second = Merge.apply(y, to: first.record)
        #expect(second.outcome == .merged)
        #expect(second.record?.string("body") == "Edited sentence one. Base sentence two, extended.")
        #expect(second.record?.conflicts.isEmpty == true)
    }

    @Test func overlappingBodyEditsKeepTheLaterBodyAndTheOtherAsAConflict() {
        let base = created.stamps["body"]
        let old = JSONValue.string("Base sentence one. Base sentence two.")
        let x = change(.update, 20, a, fields: ["body": FieldChange(old: old, new: .string("Mine entirely."))], base: base)
        let y = change(.update, 21, b, fields: ["body": FieldChange(old: old, new: .string("Theirs entirely."))], base: base)
        for order in [[x, y], [y, x]] {
            var record: EntityRecord? = created
            var outcomes: [MergeOutcome] = []
            for c in order {
                let r = Merge.apply(c, to: record)
                record = r.record
                outcomes.append(r.outcome)
            }
            #expect(outcomes.last == .conflicted)
            #expect(record?.string("body") == "Theirs entirely.")
            #expect(record?.conflicts.map(\.body) == ["Mine entirely."])
        }
    }

    @Test func aSequentialEditIsNotAConflict() {
        let first = change(.update, 20, a, fields: ["body": FieldChange(old: .string("Base sentence one. Base sentence two."), new: .string("v2"))], base: created.stamps["body"])
        let afterFirst = Merge.apply(first, to: created).record
        let second = change(.update, 30, b, fields: ["body": FieldChange(old: .string("v2"), new: .string("v3"))], base: afterFirst?.stamps["body"])
        let result = Merge.apply(second, to: afterFirst)
        #expect(result.outcome == .applied && result.record?.string("body") == "v3" && result.record?.conflicts.isEmpty == true)
    }

    @Test func applyingAChangeTwiceChangesNothingTheSecondTime() {
        let x = change(.update, 20, a, fields: ["color": FieldChange(old: .string("yellow"), new: .string("green"))], tags: ["t": true])
        let once = Merge.apply(x, to: created).record
        let twice = Merge.apply(x, to: once).record
        #expect(once == twice)
    }

    @Test func anEditOfAnUnknownEntityIsRejected() {
        let x = change(.update, 20, a, fields: ["color": FieldChange(old: .null, new: .string("green"))])
        #expect(Merge.apply(x, to: nil).outcome == .rejected)
    }

    @Test func theSameArticleCreatedTwiceKeepsTheEarliestCreationTime() {
        let one = change(.create, 50, a, fields: ["title": FieldChange(new: .string("From A"))], entity: .article)
        let two = change(.create, 40, b, fields: ["title": FieldChange(new: .string("From B"))], entity: .article)
        let merged = Merge.apply(two, to: Merge.apply(one, to: nil).record).record
        #expect(merged?.createdAt == Timestamp(milliseconds: 40))
        #expect(merged?.string("title") == "From A")
    }
}

@Suite struct NormalizationTests {
    @Test func lineEndingsNFCAndBlankLinesAreNormalized() {
        let raw = "\u{FEFF}\r\n\r\nTitle  \r\nCafe\u{0301}\r\n\r\n\r\n\rEnd\t\n\n"
        #expect(Normalization.normalize(raw) == "Title\nCaf\u{00E9}\n\nEnd")
    }
}

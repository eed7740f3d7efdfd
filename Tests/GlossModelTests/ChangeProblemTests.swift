import Foundation
import Testing
@testable import GlossModel

/// `Change.problem`: what the server refuses to store from a push or an API edit. Lengths are
/// in characters, whatever their bytes.
@Suite struct ChangeProblemTests {
    func note(device: String = "laptop", tags: [String: Bool] = [:], fields: [String: FieldChange] = ["body": FieldChange(new: .string("b"))]) -> Change {
        Change(entity: .note, entityId: UUID(), op: .update, clock: HLC(milliseconds: 1, counter: 0), device: DeviceID(rawValue: device),
               at: Timestamp(milliseconds: 1), fields: fields, tags: tags)
    }

    @Test func aWellFormedChangeHasNoProblem() {
        #expect(note().problem == nil)
        #expect(note(device: String(repeating: "é", count: 100), tags: [String(repeating: "中", count: 200): true]).problem == nil)
    }

    @Test func devicesAndTagsOutsideTheRulesAreNamed() {
        for device in ["", "lap@top", String(repeating: "d", count: 101), String(repeating: "é", count: 101)] {
            #expect(note(device: device).problem == "the device ID is not valid", "\(device.prefix(12))")
        }
        for tag in ["", String(repeating: "t", count: 201), String(repeating: "中", count: 201)] {
            #expect(note(tags: [tag: true]).problem == "a tag must have 1 to 200 characters", "\(tag.prefix(12))")
        }
    }

    @Test func fieldsAreCheckedAgainstTheKindsSchema() {
        #expect(note(fields: ["colour": FieldChange(new: .string("red"))]).problem == "a note has no field \"colour\"")
        #expect(note(fields: ["body": FieldChange(new: .int(3))]).problem?.hasPrefix("the field \"body\" of a note cannot hold") == true)
        let article = Change(entity: .article, entityId: UUID(), op: .create, clock: HLC(milliseconds: 1, counter: 0), device: DeviceID(rawValue: "d"),
                             at: Timestamp(milliseconds: 1), fields: ["title": FieldChange(new: .string("t"))])
        #expect(article.problem == "an article is created with its text")
    }
}

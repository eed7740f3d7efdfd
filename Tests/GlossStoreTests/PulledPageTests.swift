import Foundation
import GRDB
import Synchronization
import Testing
@testable import GlossModel
@testable import GlossStore

/// A pulled page's rows are worked out before its transaction (on all cores once a page holds
/// `Library.parallelPrepareMinimum` entries) and bound through SQLite's C interface
/// (`Statement.run`). These check that what lands in the library is what the source holds,
/// whichever way a page went.
@Suite struct PulledPageTests {
    /// 3 articles, 75 highlights with tags (three taken off again) and colours, 75 notes (three
    /// edited, three deleted):
    /// 153 entities and more changes, both over the parallel minimum of 128.
    static func sourceLibrary() throws -> Library {
        // A clock a second further on at each reading, so an edit's updatedAt differs from createdAt.
        let ticks = Ticks()
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "source"), physicalClock: { ticks.next() })
        for n in 0..<3 {
            let text = "Article \(n) on \"quoted\" lighthouses, granite — tides, and barometers. Ünïcode \u{1F30A} stays.\nLine two."
            let article = try library.importArticle(text: text, title: "Keeper \(n)", tags: ["sea", "n\(n)"]).article
            for h in 0..<25 {
                let start = h % 10 * 3
                let highlight = try library.addHighlight(article: article.id, selector: TextSelector(text: ArticleText(article.text), start: start, end: start + 7),
                                                         color: h % 2 == 0 ? "blue" : Highlight.defaultColor, tags: ["h\(h % 4)"])
                if h == 7 { try library.setTags(EntityRef(kind: .highlight, id: highlight.id.description), ["h\(h % 4)"], present: false) }
                let note = try library.addNote(body: "Note \(n).\(h) on barometers", article: article.id, highlight: highlight.id)
                if h == 3 { _ = try library.editNote(note.id, body: "Edited porridge \(n)") }
                if h == 5 { try library.setDeleted(EntityRef(kind: .note, id: note.id.description), true) }
            }
        }
        return library
    }

    @Test func onePageOnAllCoresAndSmallPagesGiveTheSourcesRecords() throws {
        let source = try Self.sourceLibrary()
        let changes = try source.log()
        let records = try source.allRecords()
        #expect(changes.count >= Library.parallelPrepareMinimum && records.count >= Library.parallelPrepareMinimum)

        let whole = try Library(inMemoryWithDevice: DeviceID(rawValue: "whole"))
        try whole.applyPulled(changes: changes, records: records, cursor: "c1", changeJSON: changes.map { Array(JSONWriter.encode($0)) })
        let paged = try Library(inMemoryWithDevice: DeviceID(rawValue: "paged"))
        for (n, start) in stride(from: 0, to: records.count, by: 20).enumerated() {
            let page = Array(records[start..<min(records.count, start + 20)])
            let ids = Set(page.map(\.idString))
            try paged.applyPulled(changes: changes.filter { ids.contains($0.entityIdString) }, records: page, cursor: "p\(n)")
        }

        // What the records must be, worked out apart from the library's rows: the merge function
        // folded over the journal, oldest first.
        var folded: [String: EntityRecord] = [:]
        for change in changes.reversed() { folded[change.entityIdString] = Merge.apply(change, to: folded[change.entityIdString]).record }
        let order = EntityKind.allCases
        let expected = try CanonicalJSON.encode(folded.values.sorted { (order.firstIndex(of: $0.kind)!, $0.idString) < (order.firstIndex(of: $1.kind)!, $1.idString) })
        #expect(try CanonicalJSON.encode(records) == expected)
        for library in [whole, paged] {
            #expect(try CanonicalJSON.encode(library.allRecords()) == expected)
            #expect(try Set(library.log().map(\.id)) == Set(changes.map(\.id)))
            #expect(try library.unpushedChanges(limit: 1).isEmpty)  // pulled entries join the journal as pushed
            #expect(try library.search("porridge").count == 3)
            try SearchIndexTests.expectIndexesMatchTheRows(library)
        }
        #expect(try whole.setting("sync.cursor") == "c1")
        // The journal keeps each change's JSON as it arrived, byte for byte.
        #expect(try Set(whole.log().map { Array(JSONWriter.encode($0)) }) == Set(source.log().map { Array(JSONWriter.encode($0)) }))
    }
}

/// Milliseconds from 2026-01-01, a second more at each call.
private final class Ticks: Sendable {
    private let last = Atomic<UInt64>(1_767_225_600_000)
    func next() -> UInt64 { last.add(1_000, ordering: .relaxed).newValue }
}

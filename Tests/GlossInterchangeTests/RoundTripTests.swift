import Foundation
import Testing
import GlossModel
import GlossStore
@testable import GlossInterchange

@Suite struct RoundTripTests {
    @Test func glossJSONIntoAnEmptyLibraryGivesTheSameLibraryBack() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        #expect(try a.annotations().count > 5)
        let exported = try a.export(.json, scope: ExportScope(includeDeleted: true), folder: folder)
        let b = try Library(inMemoryWithDevice: DeviceID(rawValue: "other"))
        let report = try b.importFile(exported)
        #expect(report.articles == 5)
        #expect(try b.visibleState() == a.visibleState())
        // Tombstones came along, still deleted; the export of the copy is byte-identical.
        #expect(try b.export(.json, scope: ExportScope(includeDeleted: true), folder: folder) == exported)
        // The import is in the journal, so it syncs.
        #expect(try b.unpushedCount() >= report.articles + report.highlights + report.notes)
    }

    @Test func importingTheSameFileTwiceChangesNothingTheSecondTime() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        for format in [ExportFormat.json, .w3c, .csv] {
            let data = try a.export(format, folder: folder)
            let b = try Library(inMemoryWithDevice: nil)
            if format != .json { try Seeds.add(to: b) }
            let first = try b.importFile(data)
            let journal = try b.log().count
            let state = try b.visibleState()
            let second = try b.importFile(data)
            #expect(first.highlights > 0, "\(format)")
            #expect(second.highlights == 0 && second.notes == 0 && second.articles == 0, "\(format)")
            #expect(second.unchanged > 0, "\(format)")
            #expect(try b.log().count == journal, "\(format): the second import wrote to the journal")
            #expect(try b.visibleState() == state, "\(format)")
        }
    }

    @Test func w3cIntoALibraryWithTheArticlesKeepsIDsPlacesColoursTagsAndNotes() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        let data = try a.export(.w3c, folder: folder)
        let collection = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(collection["@context"] as? String == "http://www.w3.org/ns/anno.jsonld")
        #expect(collection["type"] as? String == "AnnotationCollection")
        let items = try #require((collection["first"] as? [String: Any])?["items"] as? [[String: Any]])
        #expect(collection["total"] as? Int == items.count)
        let highlighting = try #require(items.first { $0["motivation"] as? String == "highlighting" })
        let target = try #require(highlighting["target"] as? [String: Any])
        let selectors = try #require(target["selector"] as? [[String: Any]])
        #expect(Set(selectors.compactMap { $0["type"] as? String }) == ["TextQuoteSelector", "TextPositionSelector"])

        let b = try Library(inMemoryWithDevice: nil)
        try Seeds.add(to: b)
        let report = try b.importFile(data)
        #expect(report.orphaned == 0 && report.fuzzy == 0)
        #expect(try summary(b) == summary(a))
    }

    @Test func readwiseCSVOfAnEmptyLibraryMakesPlaceholdersThatReanchorWhenTheArticlesArrive() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        let csv = try a.export(.csv, folder: folder)
        let text = String(decoding: csv, as: UTF8.self)
        #expect(text.hasPrefix("Highlight,Title,Author,URL,Note,Tags,Location,Date\r\n"))

        let b = try Library(inMemoryWithDevice: nil)
        let report = try b.importFile(csv)
        #expect(report.placeholders == 5)
        let placeholders = try b.articles()
        #expect(placeholders.allSatisfy { $0.article.isPlaceholder })
        // Each placeholder carries its quotes.
        for highlight in try b.annotations().compactMap(\.highlightValue) {
            let article = try #require(try b.article(highlight.articleId))
            #expect(article.text.contains(highlight.exact))
        }
        try Seeds.add(to: b)
        let adopted = try b.articles().reduce(0) { $0 + $1.highlightCount }
        #expect(try b.articles().allSatisfy { !$0.article.isPlaceholder })
        let expected = try a.annotations().compactMap(\.highlightValue).count
        #expect(adopted == expected)
        // Same quotes at the same places, exactly anchored; notes still on their highlights.
        let highlightsA = try a.annotations().compactMap(\.highlightValue).map { "\($0.articleId) \($0.start) \($0.end) \($0.exact)" }.sorted()
        let highlightsB = try b.annotations().compactMap(\.highlightValue)
        #expect(highlightsB.allSatisfy { $0.anchor == .exact })
        #expect(highlightsB.map { "\($0.articleId) \($0.start) \($0.end) \($0.exact)" }.sorted() == highlightsA)
        let notesA = try a.annotations().flatMap(\.highlightNotes).map(\.body).sorted()
        #expect(try b.annotations().flatMap(\.highlightNotes).map(\.body).sorted() == notesA)
    }

    @Test func markdownWritesOneStableFilePerArticleWithQuotesAndNotesInReadingOrder() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        let out = folder.url.appendingPathComponent("notes")
        let count = try MarkdownExport.export(a, scope: ExportScope(), to: out)
        #expect(count == 6)
        let article = try #require(try a.articles().first { $0.highlightCount > 1 }).article
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix("-\(article.id.description.prefix(8)).md") })
        let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
        #expect(text.hasPrefix("---\ntitle: \"\(article.title)\"\n"))
        #expect(text.contains("\ngloss_id: \(article.id)\n"))
        let highlights = try a.highlights(of: article.id)
        let positions = highlights.map { text.range(of: "> " + $0.exact.split(separator: "\n")[0])?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "highlights in reading order")
        let note = try #require(try a.notes(highlight: highlights[0].id).first)
        #expect(text.contains("\n" + note.body + "\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("notes").path).count == 1)

        // A second export after a title change updates the same article's file under its new name,
        // and leaves the files of unchanged articles as they were (same bytes, same inode).
        let other = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".md") && $0 != name })
        let before = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(other).path)[.systemFileNumber] as? Int
        _ = try a.editArticle(article.id, title: "Renamed Títle")
        try MarkdownExport.export(a, scope: ExportScope(), to: out)
        let after = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(other).path)[.systemFileNumber] as? Int
        #expect(before != nil && before == after, "an unchanged article's file was rewritten")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".md") }
        #expect(names.count == 5)
        #expect(names.contains("renamed-title-\(article.id.description.prefix(8)).md"))
    }

    @Test func scopeByArticleAndByTag() throws {
        let folder = try TemporaryFolder()
        let a = try Seeds.annotatedLibrary()
        let first = try #require(try a.articles().first { $0.highlightCount > 0 }).article
        let byArticle = try AnnotationFile.read(try a.export(.json, scope: ExportScope(article: first.id), folder: folder)).1
        guard case .gloss(let only) = byArticle else { Issue.record("not gloss JSON"); return }
        #expect(only.articles.map(\.id) == [first.id])
        #expect(only.highlights.allSatisfy { $0.articleId == first.id } && !only.highlights.isEmpty)

        let byTag = try AnnotationFile.read(try a.export(.json, scope: ExportScope(tag: "china"), folder: folder)).1
        guard case .gloss(let tagged) = byTag else { Issue.record("not gloss JSON"); return }
        #expect(!tagged.highlights.isEmpty && tagged.highlights.allSatisfy { $0.tags.contains("china") })
        #expect(Set(tagged.articles.map(\.id)) == Set(tagged.highlights.map(\.articleId)))
        #expect(tagged.notes.allSatisfy { note in note.tags.contains("china") || tagged.highlights.contains { $0.id == note.highlightId } })
    }

    /// Highlights (article, place, quote, colour, tags) and notes (body, highlight, article, tags).
    func summary(_ library: Library) throws -> [String] {
        try library.annotations().flatMap { item -> [String] in
            switch item {
            case .highlight(let h, let notes):
                ["H \(h.id) \(h.articleId) \(h.start) \(h.end) \(h.exact) \(h.color) \(h.tags)"]
                    + notes.map { "N \($0.id) \($0.highlightId?.description ?? "-") \($0.body) \($0.tags)" }
            case .note(let n):
                ["N \(n.id) \(n.articleId?.description ?? "-") \(n.body) \(n.tags)"]
            }
        }.sorted()
    }
}

extension Annotation {
    var highlightValue: Highlight? { if case .highlight(let h, _) = self { h } else { nil } }
    var highlightNotes: [Note] { if case .highlight(_, let notes) = self { notes } else { [] } }
}

@Suite struct ConflictRoundTripTests {
    /// A note with unresolved conflict versions keeps them through export and import: the same
    /// bodies, listed by `gloss conflicts`; only their stamps are new (the import is a new write).
    @Test func conflictVersionsSurviveAGlossJSONRoundTrip() throws {
        let folder = try TemporaryFolder()
        let a = try Library(inMemoryWithDevice: DeviceID(rawValue: "device-a"))
        let note = try a.addNote(body: "The original sentence.")
        let original = try #require(try a.write { t in try t.record(.note, note.id.description)?.stamps["body"] })
        _ = try a.editNote(note.id, body: "An edit made here.")
        // An edit made elsewhere on the original, merged in: overlapping, so a conflict version.
        try a.write { t in
            _ = try t.apply(t.makeChange(.note, note.id.uuid, .update,
                                         fields: ["body": FieldChange(old: .string("The original sentence."), new: .string("A concurrent edit elsewhere."))],
                                         base: original))
        }
        let conflicted = try #require(try a.note(note.id))
        #expect(conflicted.conflicts.count == 1)

        let b = try Library(inMemoryWithDevice: nil)
        try b.importFile(try a.export(.json, folder: folder))
        let restored = try #require(try b.note(note.id))
        #expect(restored.body == conflicted.body)
        #expect(restored.conflicts.map(\.body) == conflicted.conflicts.map(\.body))
        #expect(try b.conflictedNotes().map(\.id) == [note.id])
        #expect(restored.createdAt == conflicted.createdAt && restored.updatedAt == conflicted.updatedAt)
    }
}

@Suite struct TombstoneReferenceTests {
    /// A live note on a deleted highlight, and a live highlight on a deleted article: an export
    /// without --include-deleted still holds what they point to, so the import succeeds and
    /// shows what `gloss list` showed.
    @Test func liveAnnotationsOnDeletedThingsSurviveAnExportWithoutTombstones() throws {
        let folder = try TemporaryFolder()
        let a = try Library(inMemoryWithDevice: nil)
        let articles = try Seeds.add(to: a)
        let first = ArticleText(articles[0].text), second = ArticleText(articles[1].text)
        let highlight = try a.addHighlight(article: articles[0].id, selector: TextSelector(text: first, start: 10, end: 40))
        _ = try a.addNote(body: "a note that outlives its highlight", highlight: highlight.id)
        try a.setDeleted(EntityRef(kind: .highlight, id: highlight.id.description), true)
        _ = try a.addHighlight(article: articles[1].id, selector: TextSelector(text: second, start: 5, end: 30))
        try a.setDeleted(EntityRef(kind: .article, id: articles[1].id.description), true)

        let b = try Library(inMemoryWithDevice: nil)
        try b.importFile(try a.export(.json, folder: folder))
        #expect(try b.visibleState() == a.visibleState())
    }
}

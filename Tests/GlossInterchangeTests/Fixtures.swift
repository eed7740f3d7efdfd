import Testing
import Foundation
import GlossModel
import GlossStore
@testable import GlossInterchange

/// A temporary folder removed at the end of the test.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-interchange-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

enum Seeds {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../seeds").standardized

    /// The seed articles as normalized text (the files' names, sorted).
    static func texts() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".txt") }.sorted()
        return try names.map { Normalization.normalize(try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) }
    }

    static let urls = ["https://example.org/seed-0", "https://example.org/seed-1", nil, "https://example.org/seed-3", nil]

    /// Imports the seeds (some with URLs, some without).
    @discardableResult
    static func add(to library: Library) throws -> [Article] {
        try texts().enumerated().map { index, text in
            try library.importArticle(text: text, title: "Seed \(index)", url: urls[index], author: index == 2 ? "A. Author" : nil).article
        }
    }

    /// A library with the seeds and annotations in non-ASCII passages: colours, tags, notes on
    /// highlights, on an article and standalone, and a deleted highlight and note.
    static func annotatedLibrary() throws -> Library {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "seed-device"))
        let articles = try add(to: library)
        var made = 0
        for article in articles {
            let text = ArticleText(article.text)
            // Passages around curly quotes, accents and dashes, where code points and UTF-16 differ most.
            let interesting = article.text.unicodeScalars.enumerated().filter { $0.element.value > 0x7F }.map(\.offset)
            for (n, offset) in interesting.prefix(40).enumerated() where n % 13 == 0 {
                let start = max(0, offset - 10), end = min(text.count, offset + 15)
                let selector = TextSelector(text: text, start: start, end: end)
                guard (try? QuoteFinder(text: text).find(selector.exact).get()) != nil else { continue }
                let highlight = try library.addHighlight(
                    article: article.id, selector: selector, color: ["yellow", "green", "blue"][made % 3], tags: made % 2 == 0 ? ["china", "ü-tag"] : []
                )
                _ = try library.addNote(body: "Note \(made) — «naïve» café, 中国, “quoted”", highlight: highlight.id, tags: made % 3 == 0 ? ["idea"] : [])
                made += 1
            }
        }
        _ = try library.addNote(body: "On the whole article: Ωμέγα", article: articles[0].id, tags: ["reading"])
        _ = try library.addNote(body: "A standalone thought\nwith two lines", tags: ["idea"])
        let doomed = try library.addHighlight(article: articles[1].id, selector: TextSelector(text: ArticleText(articles[1].text), start: 0, end: 12))
        try library.setDeleted(EntityRef(kind: .highlight, id: doomed.id.description), true)
        let doomedNote = try library.addNote(body: "deleted note", article: articles[1].id)
        try library.setDeleted(EntityRef(kind: .note, id: doomedNote.id.description), true)
        return library
    }
}

extension Library {
    /// Everything a person sees: `gloss list --json` and `gloss articles --json`, as canonical JSON.
    func visibleState() throws -> String {
        String(decoding: try CanonicalJSON.encode(annotations()), as: UTF8.self) + "\n"
            + String(decoding: try CanonicalJSON.encode(articles()), as: UTF8.self)
    }

    func export(_ format: ExportFormat, scope: ExportScope = ExportScope(), folder: TemporaryFolder) throws -> Data {
        let path = folder.path("export-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let sink = ExportSink(handle: handle)
        switch format {
        case .json: try GlossJSON.export(self, scope: scope, to: sink)
        case .w3c: try W3C.export(self, scope: scope, to: sink)
        case .csv: try ReadwiseCSV.export(self, scope: scope, to: sink)
        case .markdown: Issue.record("markdown writes a folder")
        }
        try handle.close()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Reads a file and imports it as `gloss import` does.
    @discardableResult
    func importFile(_ data: Data) throws -> ImportReport {
        switch try AnnotationFile.read(data).1 {
        case .gloss(let contents): return try restore(articles: contents.articles, highlights: contents.highlights, notes: contents.notes)
        case .annotations(let annotations): return try importAnnotations(annotations)
        }
    }
}


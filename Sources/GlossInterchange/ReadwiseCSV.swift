import Foundation
import GlossModel
import GlossStore

/// Readwise's CSV layout: one row per highlight. gloss writes the columns of Readwise's CSV
/// import (Highlight, Title, Author, URL, Note, Tags, Location, Date) and reads both that and
/// Readwise's own export (Book Title, Book Author, Highlighted at, ...).
public enum ReadwiseCSV {
    public static let columns = ["Highlight", "Title", "Author", "URL", "Note", "Tags", "Location", "Date"]

    public static func export(_ library: some AnnotationSource, scope: ExportScope, to sink: ExportSink) throws {
        try sink.write(CSV.row(columns))
        try library.forEachArticle(scope, { item in
            for highlight in item.highlights {
                let notes = item.notes(on: highlight).map(\.body).joined(separator: "\n\n")
                try sink.write(CSV.row([
                    highlight.exact, item.article.title, item.article.author ?? "", item.article.url ?? "", notes,
                    highlight.tags.joined(separator: ", "), String(highlight.start), date(highlight.createdAt),
                ]))
            }
        }, standalone: { _ in })
        try sink.flush()
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC, the form Readwise's importer takes.
    static func date(_ time: Timestamp) -> String {
        let text = time.description
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
    }

    static func looksLikeCSV(_ text: String) -> Bool {
        guard let header = text.split(separator: "\n", maxSplits: 1).first else { return false }
        let names = header.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"\r \u{FEFF}")) }
        return names.contains("Highlight")
    }

    static func read(_ text: String) throws -> [ExternalAnnotation] {
        let records = try CSV.parse(text)
        guard let header = records.first else { throw ImportError("The CSV file is empty.") }
        let names = header.fields.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF} ")) }
        func column(_ candidates: String...) -> Int? { candidates.lazy.compactMap { names.firstIndex(of: $0) }.first }
        guard let highlightColumn = column("Highlight") else {
            throw ImportError("Line 1: the CSV header has no \"Highlight\" column, so it is not a Readwise file.")
        }
        let titleColumn = column("Title", "Book Title")
        let authorColumn = column("Author", "Book Author")
        let urlColumn = column("URL", "Source URL")
        let noteColumn = column("Note")
        let tagsColumn = column("Tags")
        let locationColumn = column("Location")
        let dateColumn = column("Date", "Highlighted at")
        let colorColumn = column("Color")
        var result: [ExternalAnnotation] = []
        for record in records.dropFirst() {
            /// A field's text, nil when empty; `exact` keeps surrounding white space (it is part of a quote).
            func value(_ index: Int?, exact: Bool = false) -> String? {
                guard let index, index < record.fields.count else { return nil }
                let text = record.fields[index]
                if text.allSatisfy(\.isWhitespace) { return nil }
                return exact ? text : text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard record.fields.count <= names.count else {
                throw ImportError("Line \(record.line): the row has \(record.fields.count) fields but the header names \(names.count).")
            }
            guard let quote = value(highlightColumn, exact: true) else {
                throw ImportError("Line \(record.line): the row has no highlight text.")
            }
            let title = value(titleColumn)
            let location = value(locationColumn)
            var created: Timestamp? = nil
            if let text = value(dateColumn) {
                guard let time = LenientTime.parse(text) else { throw ImportError("Line \(record.line): \"\(text)\" is not a date.") }
                created = time
            }
            let start = location.flatMap { Int($0) }
            let document = ExternalDocument(url: value(urlColumn), title: title ?? "Readwise highlights", author: value(authorColumn))
            let key = "readwise:" + sha256Hex([title ?? "", value(authorColumn) ?? "", quote, location ?? ""].joined(separator: "\n"))
            let tags = (value(tagsColumn) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            result.append(ExternalAnnotation(
                key: key, document: document,
                quote: ExternalQuote(exact: quote, start: start, end: start.map { $0 + quote.unicodeScalars.count }),
                note: value(noteColumn, exact: true), tags: tags, color: value(colorColumn)?.lowercased(), createdAt: created
            ))
        }
        return result
    }
}

import Foundation
import GlossModel

/// The JSON of an entity as the HTTP API's lists show it: the canonical entity, an article without
/// its text. Rendered when a record is written (``LibraryBatch``) and kept beside it, so that a
/// list page is spliced from stored text instead of decoding and re-encoding every record.
public enum ListedJSON {
    public static func render(_ record: EntityRecord) -> String? {
        var writer = JSONWriter(capacity: 1024)
        switch record.kind {
        case .article:
            guard let article = Article(record: record) else { return nil }
            writer.beginObject()
            article.writeMembers(to: &writer, counts: nil, withText: false)
            writer.endObject()
        case .highlight:
            guard let highlight = Highlight(record: record) else { return nil }
            highlight.write(to: &writer)
        case .note:
            guard let note = Note(record: record) else { return nil }
            note.write(to: &writer)
        }
        return String(decoding: writer.takeBytes(), as: UTF8.self)
    }
}

import Foundation
import GRDB
import GlossModel
import GlossSQLite

/// Maps ``EntityRecord`` (what the merge function works on) to and from the library's rows.
enum RecordStore {
    /// A record field and the column that stores it.
    struct Column {
        enum Kind { case text, integer, real, boolean }
        let field: String
        let column: String
        let kind: Kind
    }

    static func table(_ kind: EntityKind) -> String {
        switch kind {
        case .article: "articles"
        case .highlight: "highlights"
        case .note: "notes"
        }
    }

    static func columns(_ kind: EntityKind) -> [Column] {
        switch kind {
        case .article:
            [.init(field: "title", column: "title", kind: .text), .init(field: "url", column: "url", kind: .text),
             .init(field: "author", column: "author", kind: .text), .init(field: "publishedAt", column: "published_at", kind: .text),
             .init(field: "text", column: "text", kind: .text), .init(field: "contentHash", column: "content_hash", kind: .text),
             .init(field: "deleted", column: "deleted", kind: .boolean)]
        case .highlight:
            [.init(field: "articleId", column: "article_id", kind: .text), .init(field: "exact", column: "exact", kind: .text),
             .init(field: "prefix", column: "prefix", kind: .text), .init(field: "suffix", column: "suffix", kind: .text),
             .init(field: "start", column: "start", kind: .integer), .init(field: "end", column: "end", kind: .integer),
             .init(field: "utf16Start", column: "utf16_start", kind: .integer), .init(field: "utf16End", column: "utf16_end", kind: .integer),
             .init(field: "color", column: "color", kind: .text), .init(field: "anchor", column: "anchor", kind: .text),
             .init(field: "anchorScore", column: "anchor_score", kind: .real), .init(field: "deleted", column: "deleted", kind: .boolean)]
        case .note:
            [.init(field: "body", column: "body", kind: .text), .init(field: "articleId", column: "article_id", kind: .text),
             .init(field: "highlightId", column: "highlight_id", kind: .text), .init(field: "deleted", column: "deleted", kind: .boolean)]
        }
    }

    static func load(_ kind: EntityKind, id: String, in db: Database) throws -> EntityRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM \(table(kind)) WHERE id = ?"), arguments: [id]),
              let uuid = UUID(hexText: id) else { return nil }
        let decoder = JSONDecoder()
        var record = EntityRecord(
            kind: kind, id: uuid,
            stamps: stamps(row["stamps"] as String? ?? "{}", decoder),
            createdAt: Timestamp(row["created_at"] as String? ?? "") ?? Timestamp(milliseconds: 0),
            updatedAt: Timestamp(row["updated_at"] as String? ?? "") ?? Timestamp(milliseconds: 0)
        )
        for column in columns(kind) {
            let value: JSONValue
            switch column.kind {
            case .text: value = (row[column.column] as String?).map(JSONValue.string) ?? .null
            case .integer: value = (row[column.column] as Int64?).map(JSONValue.int) ?? .null
            case .real: value = (row[column.column] as Double?).map(JSONValue.double) ?? .null
            case .boolean: value = .bool((row[column.column] as Int64? ?? 0) != 0)
            }
            record.fields[column.field] = value
        }
        if kind == .note {
            record.conflicts = (try? decoder.decode([ConflictVersion].self, from: Data((row["conflicts"] as String? ?? "[]").utf8))) ?? []
        }
        for tagRow in try Row.fetchAll(db.cachedStatement(sql: "SELECT tag, present, stamp FROM tags WHERE entity_id = ?"), arguments: [id]) {
            guard let stamp = Stamp(tagRow["stamp"] as String? ?? "") else { continue }
            record.tags[tagRow["tag"]] = TagState(present: (tagRow["present"] as Int64? ?? 0) != 0, stamp: stamp)
        }
        return record
    }

    /// `{"field": "CLOCK@DEVICE"}` through the fast parser (every load reads one).
    static func stamps(_ json: String, _ decoder: JSONDecoder) -> [String: Stamp] {
        if let value = try? JSONParser.parse(json), case .object(let members) = value {
            var stamps: [String: Stamp] = [:]
            for (name, text) in members {
                guard let text = text.stringValue, let stamp = Stamp(text) else { return (try? decoder.decode([String: Stamp].self, from: Data(json.utf8))) ?? [:] }
                stamps[name] = stamp
            }
            return stamps
        }
        return (try? decoder.decode([String: Stamp].self, from: Data(json.utf8))) ?? [:]
    }

    /// One change to a full-text table, written when the transaction ends (``flushSearch``).
    struct SearchUpdate {
        var kind: EntityKind
        var seq: Int64
        /// The indexed text taken out (the row's text before this write), if it was indexed.
        var old: [DatabaseValue]?
        var new: [DatabaseValue]
    }

    /// A record as its rows bind it: the entity's column values (in the order of
    /// `columnNames(kind)`) and its tags' values. Worked out apart from the writing, so a pulled
    /// page can prepare its rows on all cores and leave the writer only the statements.
    struct PreparedRecord {
        let kind: EntityKind
        let id: String
        let values: [DatabaseValue]
        let tags: [[DatabaseValue]]
    }

    static func prepare(_ record: EntityRecord) -> PreparedRecord {
        var values: [DatabaseValue] = [
            record.idString.databaseValue, record.createdAt.description.databaseValue, record.updatedAt.description.databaseValue,
            { var w = JSONWriter(capacity: 256); JSONWriter.writeStamps(record.stamps, to: &w); return String(decoding: w.bytes, as: UTF8.self) }().databaseValue,
        ]
        for column in columns(record.kind) {
            values.append(databaseValue(record.fields[column.field] ?? .null, column.kind, field: column.field, record: record)?.databaseValue ?? .null)
        }
        if record.kind == .note {
            var writer = JSONWriter(capacity: 64)
            JSONWriter.writeConflicts(record.conflicts, to: &writer)
            values.append(String(decoding: writer.bytes, as: UTF8.self).databaseValue)
        }
        let tags = record.tags.map { tag, state in
            [record.idString.databaseValue, tag.databaseValue, state.present.databaseValue, state.stamp.description.databaseValue]
        }
        return PreparedRecord(kind: record.kind, id: record.idString, values: values, tags: tags)
    }

    /// Writes `record`'s row (and tags); what its full-text table needs is queued in `search`,
    /// for ``flushSearch(_:in:)`` at the end of the transaction (nothing while `search` is nil:
    /// the full-text index is deferred and will be rebuilt from the rows).
    static func save(_ record: EntityRecord, in db: Database, search: inout [SearchUpdate]?) throws {
        try save(prepare(record), in: db, search: &search)
    }

    /// Writes a prepared record's row and tags (see ``save(_:in:search:)``).
    static func save(_ record: PreparedRecord, in db: Database, search: inout [SearchUpdate]?) throws {
        // The indexed text before the write, which the full-text change needs (not read while deferred).
        let existing = search == nil ? nil : try Row.fetchOne(db.cachedStatement(sql: searchSQL[record.kind]!.current), arguments: [record.id])
        try db.cachedStatement(sql: upsertSQL[record.kind]!).run(record.values)
        if search != nil, let update = try searchUpdate(record.kind, existing: existing, values: record.values, in: db) { search?.append(update) }
        guard !record.tags.isEmpty else { return }
        let tags = try db.cachedStatement(sql: """
            INSERT INTO tags(entity_id, tag, present, stamp) VALUES (?, ?, ?, ?)
            ON CONFLICT(entity_id, tag) DO UPDATE SET present = excluded.present, stamp = excluded.stamp
            """)
        for values in record.tags { try tags.run(values) }
    }

    /// The columns of each kind's full-text table (`articles_fts`, ...), which indexes those
    /// columns of the row whose `seq` is its rowid.
    static func searchColumns(_ kind: EntityKind) -> [String] {
        switch kind {
        case .article: ["title", "text"]
        case .highlight: ["exact"]
        case .note: ["body"]
        }
    }

    /// Per kind: the indexed text of a row before it is written, and the full-text table's
    /// insert and delete (an external-content FTS5 table deletes by the old values).
    static let searchSQL: [EntityKind: (current: String, insert: String, delete: String)] = Dictionary(uniqueKeysWithValues: EntityKind.allCases.map { kind in
        let columns = searchColumns(kind).joined(separator: ", ")
        let fts = table(kind) + "_fts"
        let marks = Array(repeating: "?", count: searchColumns(kind).count).joined(separator: ", ")
        return (kind, (
            current: "SELECT seq, \(columns) FROM \(table(kind)) WHERE id = ?",
            insert: "INSERT INTO \(fts)(rowid, \(columns)) VALUES (?, \(marks))",
            delete: "INSERT INTO \(fts)(\(fts), rowid, \(columns)) VALUES ('delete', ?, \(marks))"
        ))
    })

    /// Where each full-text column sits among the values `save` binds (`columnNames(kind)`).
    static let searchPositions: [EntityKind: [Int]] = Dictionary(uniqueKeysWithValues: EntityKind.allCases.map { kind in
        (kind, searchColumns(kind).map { columnNames(kind).firstIndex(of: $0)! })
    })

    /// What the full-text index needs after the row was written: a new row is indexed, a row
    /// whose indexed text changed is taken out under its old text and indexed again.
    private static func searchUpdate(_ kind: EntityKind, existing: Row?, values: [DatabaseValue], in db: Database) throws -> SearchUpdate? {
        let indexed = searchPositions[kind]!.map { values[$0] }
        guard let existing else { return SearchUpdate(kind: kind, seq: db.lastInsertedRowID, old: nil, new: indexed) }
        let old = (1...indexed.count).map { existing[$0] as DatabaseValue }
        return old == indexed ? nil : SearchUpdate(kind: kind, seq: existing[0], old: old, new: indexed)
    }

    /// Writes the queued full-text changes, in order. They wait for the end of the transaction
    /// because once a transaction has written an FTS5 table, every later statement that opens a
    /// savepoint (an upsert does) makes FTS5 flush its pending terms into a new segment: per row,
    /// that was a third of a pulled page's time (docs/performance.md).
    static func flushSearch(_ updates: [SearchUpdate], in db: Database) throws {
        for update in updates {
            let sql = searchSQL[update.kind]!
            if let old = update.old {
                try db.cachedStatement(sql: sql.delete).execute(arguments: StatementArguments([update.seq.databaseValue] + old))
            }
            try db.cachedStatement(sql: sql.insert).execute(arguments: StatementArguments([update.seq.databaseValue] + update.new))
        }
    }

    /// The columns `save` writes, in its order.
    static func columnNames(_ kind: EntityKind) -> [String] {
        ["id", "created_at", "updated_at", "stamps"] + columns(kind).map(\.column) + (kind == .note ? ["conflicts"] : [])
    }

    /// Each kind's upsert, built once: the same text each time, so SQLite's prepared statement is reused.
    static let upsertSQL: [EntityKind: String] = Dictionary(uniqueKeysWithValues: EntityKind.allCases.map { ($0, upsertSQL($0, columnNames($0))) })

    static func upsertSQL(_ kind: EntityKind, _ names: [String]) -> String {
        let quoted = names.map { "\"\($0)\"" }
        let updates = quoted.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(table(kind)) (\(quoted.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", "))) ON CONFLICT(id) DO UPDATE SET \(updates)"
    }

    private static func databaseValue(_ value: JSONValue, _ kind: Column.Kind, field: String, record: EntityRecord) -> (any DatabaseValueConvertible)? {
        switch (value, kind) {
        case (.null, .boolean): return false
        case (.null, .text) where field == "anchor": return AnchorStatus.exact.rawValue
        case (.null, .text) where field == "color": return Highlight.defaultColor
        case (.null, .text) where ["title", "exact", "prefix", "suffix", "body", "text", "contentHash", "color", "anchor"].contains(field):
            return ""
        case (.null, .integer) where field != "anchorScore": return 0
        case (.null, _): return nil
        case (.bool(let b), _): return b
        case (.int(let i), .real): return Double(i)
        case (.int(let i), _): return i
        case (.double(let d), .integer): return Int64(d)
        case (.double(let d), _): return d
        case (.string(let s), _): return s
        case (.array, _), (.object, _): return String(decoding: (try? CanonicalJSON.encode(value)) ?? Data(), as: UTF8.self)
        }
    }
}

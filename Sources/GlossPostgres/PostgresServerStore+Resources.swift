import Foundation
import GlossModel
import GlossServer
import GlossSync
import NIOCore
import PostgresNIO

extension PostgresServerStore {
    public func record(user: UserID, id: String) async throws -> EntityRecord? {
        try await unavailableOnFailure {
            for try await json in try await self.client.execute(RecordStatement(user: user.rawValue, id: id.lowercased()), logger: self.logger) {
                return try EntityRecord.decode(Data(json.utf8))
            }
            return nil
        }
    }

    public func listed(user: UserID, _ query: RecordQuery) async throws -> ListedRows {
        var binds = PostgresBindings()
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        // The record only where there is no list JSON: an article's record carries its whole text.
        var sql = "SELECT id, listed, CASE WHEN listed IS NULL THEN record END FROM entities WHERE user_id = \(bind(user.rawValue)) AND kind = \(bind(query.kind.rawValue))"
        if let article = query.articleId { sql += " AND article_id = \(bind(article))" }
        if let highlight = query.highlightId { sql += " AND highlight_id = \(bind(highlight))" }
        if let after = query.after { sql += " AND id > \(bind(after))" }
        if !query.includeDeleted { sql += " AND NOT deleted" }
        if let tag = query.tag { sql += " AND (record::jsonb #> ARRAY['tags', \(bind(tag)), 'present']) = 'true'::jsonb" }
        if query.standalone { sql += " AND article_id IS NULL AND highlight_id IS NULL" }
        if query.conflicted { sql += " AND jsonb_array_length(record::jsonb -> 'conflicts') > 0" }
        if let updated = query.updatedAfter { sql += " AND updated_at > \(bind(updated.description))" }
        let empty = ListedRows(limit: query.limit)
        sql += " ORDER BY id LIMIT \(bind(empty.rowsToRead))"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await unavailableOnFailure {
            var rows = empty
            for try await (id, listed, record) in try await self.client.query(statement, logger: self.logger).decode((String, String?, String?).self) {
                if let listed {
                    rows.append(json: listed, id: id)
                } else if let record, let entity = try? EntityRecord.decode(Data(record.utf8)), let json = ListedJSON.render(entity) {
                    rows.append(json: json, id: id)
                }
            }
            return rows
        }
    }

    public func edit(user: UserID, _ build: @escaping @Sendable (inout ServerEdit) throws -> Void) async throws -> EditResult {
        try await transaction { connection in
            guard let (version, clock) = try await connection.query(
                "SELECT version, clock FROM libraries WHERE user_id = \(user.rawValue) FOR UPDATE", logger: self.logger
            ).decode((Int64, String).self).first(where: { _ in true }) else {
                throw ServerError.invalid("The user has no library.")
            }
            var batch = LibraryBatch(version: version, clock: clock, maximumDrift: self.maximumDrift, physicalClock: self.physicalClock)
            // The edit reads synchronously; what it asks for and this transaction has not read yet
            // stops it, is read, and the edit runs again from the start (it only builds changes).
            var records: [String: EntityRecord?] = [:]
            var bodies: [String: String?] = [:]
            var edit: ServerEdit
            while true {
                edit = ServerEdit(
                    lookup: { id in
                        guard let known = records[id.lowercased()] else { throw NotRead.record(id.lowercased()) }
                        return known
                    },
                    history: { id, stamp in
                        guard let known = bodies["\(id) \(stamp)"] else { throw NotRead.body(id, stamp) }
                        return known
                    },
                    clock: batch.clock
                )
                do {
                    try build(&edit)
                    break
                } catch NotRead.record(let id) {
                    records[id] = try await self.lookup(id, user: user, connection)
                } catch NotRead.body(let id, let stamp) {
                    bodies["\(id) \(stamp)"] = try await self.body(writtenBy: stamp, note: id, user: user, connection)
                }
            }
            batch.clock = edit.clock
            let outcomes = try await self.apply(edit.changes, device: ServerEdit.device, to: &batch, user: user, connection)
            if !edit.changes.isEmpty { try await self.save(batch, user: user, device: ServerEdit.device, connection) }
            var answer: [String: EntityRecord] = [:]
            for id in Set(edit.changes.map(\.entityIdString)).union(edit.read) {
                if let record = batch.records[id] ?? records[id] ?? nil { answer[id] = record }
            }
            let created = zip(edit.changes, outcomes).filter { $0.op == .create && $1.outcome == .applied }.map(\.0.entityIdString)
            return EditResult(outcomes: outcomes, records: answer, created: Set(created))
        }
    }

    /// What an edit asked for that its transaction has not read yet.
    private enum NotRead: Error {
        case record(String)
        case body(String, Stamp)
    }

    private func lookup(_ id: String, user: UserID, _ connection: PostgresConnection) async throws -> EntityRecord? {
        for try await json in try await connection.query(
            "SELECT record FROM entities WHERE user_id = \(user.rawValue) AND id = \(id)", logger: logger
        ).decode(String.self) {
            return try EntityRecord.decode(Data(json.utf8))
        }
        return nil
    }

    private func body(writtenBy stamp: Stamp, note id: String, user: UserID, _ connection: PostgresConnection) async throws -> String? {
        for try await json in try await connection.query(
            "SELECT change FROM changes WHERE user_id = \(user.rawValue) AND entity_id = \(id) AND device = \(stamp.device.rawValue)", logger: logger
        ).decode(String.self) {
            if let change = try? Change.decode(Data(json.utf8)), change.clock == stamp.clock { return change.fields["body"]?.new.stringValue }
        }
        return nil
    }
}

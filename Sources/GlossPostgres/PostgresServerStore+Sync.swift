import Foundation
import GlossModel
import GlossServer
import GlossSync
import PostgresNIO

extension PostgresServerStore {
    public func push(user: UserID, _ request: PushRequest) async throws -> PushResponse {
        guard request.changes.count <= PushRequest.maximumChanges else { throw ServerError.tooManyChanges(request.changes.count) }
        return try await transaction { connection in
            // Raising the version first locks the library's row: pushes into one library wait
            // for each other here, so versions commit in the order they were handed out.
            var batch = try await self.raiseVersion(user: user, connection)
            try await self.checkOrder(user: user, device: request.device, afterPush: request.afterPush, connection)
            let results = try await self.apply(request.changes, device: request.device, changeJSON: request.changeJSON, to: &batch, user: user, connection)
            let pushes = try await self.save(batch, user: user, device: request.device, connection)
            return PushResponse(version: batch.version, results: results, pushes: pushes)
        }
    }

    public func pull(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> PullResponse {
        let page = try await page(user: user, after: cursor, limit: limit)
        return PullResponse(
            changes: try page.changes.map { try Change.decode(Data($0.utf8)) },
            records: try page.records.map { try EntityRecord.decode(Data($0.utf8)) },
            cursor: page.cursor.description, hasMore: page.hasMore
        )
    }

    public func pullJSON(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> Data {
        let page = try await page(user: user, after: cursor, limit: limit)
        return PullResponse.encode(changes: page.changes, records: page.records, cursor: page.cursor.description, hasMore: page.hasMore)
    }

    /// One page of the change feed as the stored canonical JSON, read in one snapshot: the
    /// changes after `cursor` and the current records of the entities they touch.
    func page(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> (changes: [String], records: [String], cursor: SyncCursor, hasMore: Bool) {
        try await transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            var rows: [(version: Int64, seq: Int64, entity: String, change: String)] = []
            for try await row in try await connection.query("""
                SELECT version, seq, entity_id, change FROM changes
                WHERE user_id = \(user.rawValue) AND (version, seq) > (\(cursor.version), \(cursor.seq))
                ORDER BY version, seq LIMIT \(limit + 1)
                """, logger: self.logger).decode((Int64, Int64, String, String).self) {
                rows.append(row)
            }
            let page = rows.prefix(limit)
            var seen = Set<String>()
            let ids = page.map(\.entity).filter { seen.insert($0).inserted }
            var records: [String] = []
            if !ids.isEmpty {
                for try await record in try await connection.query(
                    "SELECT record FROM entities WHERE user_id = \(user.rawValue) AND id = ANY(\(ids)) ORDER BY id", logger: self.logger
                ).decode(String.self) {
                    records.append(record)
                }
            }
            let last = page.last.map { SyncCursor(version: $0.version, seq: $0.seq) } ?? cursor
            return (page.map(\.change), records, last, rows.count > limit)
        }
    }

    /// Raises the library's version by one, locking its row until the transaction ends, and
    /// returns the batch that applies changes at the new version.
    func raiseVersion(user: UserID, _ connection: PostgresConnection) async throws -> LibraryBatch {
        for try await (version, clock) in try await connection.query(
            "UPDATE libraries SET version = version + 1 WHERE user_id = \(user.rawValue) RETURNING version, clock", logger: logger
        ).decode((Int64, String).self) {
            return LibraryBatch(version: version - 1, clock: clock, maximumDrift: maximumDrift, physicalClock: physicalClock)
        }
        throw ServerError.invalid("The user has no library.")
    }

    /// Applies changes through the merge function and writes what they did: the merged records
    /// and the journal rows, each in one statement.
    func apply(_ changes: [Change], device: DeviceID, changeJSON: [String]? = nil, to batch: inout LibraryBatch, user: UserID, _ connection: PostgresConnection) async throws -> [PushResult] {
        let ids = changes.map(\.id.description)
        var known = Set<String>()
        if !ids.isEmpty {
            for try await id in try await connection.query(
                "SELECT id FROM changes WHERE user_id = \(user.rawValue) AND id = ANY(\(ids))", logger: logger
            ).decode(String.self) {
                known.insert(id)
            }
        }
        let entities = Array(Set(changes.map(\.entityIdString)))
        var stored: [String: String] = [:]
        if !entities.isEmpty {
            for try await (id, record) in try await connection.query(
                "SELECT id, record FROM entities WHERE user_id = \(user.rawValue) AND id = ANY(\(entities))", logger: logger
            ).decode((String, String).self) {
                stored[id] = record
            }
        }
        let already = batch.writes.count
        let results = try batch.apply(changes, device: device, known: known, stored: stored, changeJSON: changeJSON)
        try await write(Array(batch.writes[already...]), user: user, connection)
        return results
    }

    /// Writes a batch's rows: every journal row, and each entity's last record (one statement
    /// may not update a row twice).
    private func write(_ writes: [LibraryBatch.Write], user: UserID, _ connection: PostgresConnection) async throws {
        guard !writes.isEmpty else { return }
        var last: [String: LibraryBatch.Write] = [:]
        for write in writes { last[write.record.idString] = write }
        let rows = last.values.sorted { $0.record.idString < $1.record.idString }
            .map { StoredEntity(record: $0.record, json: $0.recordJSON, version: $0.version, listed: $0.listedJSON) }
        try await upsertEntities(rows, user: user, connection)
        try await connection.query("""
            INSERT INTO changes(user_id, id, version, seq, entity_id, device, outcome, change)
            SELECT \(user.rawValue), * FROM unnest(\(writes.map(\.change.id.description))::text[], \(writes.map(\.version))::bigint[],
                \(writes.map(\.seq))::bigint[], \(writes.map(\.change.entityIdString))::text[], \(writes.map(\.change.device.rawValue))::text[],
                \(writes.map(\.outcome.rawValue))::text[], \(writes.map(\.changeJSON))::text[])
            """, logger: logger)
    }

    /// Saves the version (back to what it was when nothing was applied) and clock, and notes the
    /// device as seen and its push as committed; returns the device's committed pushes.
    @discardableResult
    func save(_ batch: LibraryBatch, user: UserID, device: DeviceID, _ connection: PostgresConnection) async throws -> Int64 {
        try await connection.query(
            "UPDATE libraries SET version = \(batch.version), clock = \(batch.clock.last.description) WHERE user_id = \(user.rawValue)", logger: logger
        )
        for try await pushes in try await connection.query("""
            INSERT INTO devices(user_id, device, last_seen, pushes) VALUES (\(user.rawValue), \(device.rawValue), \(Timestamp.now().description), 1)
            ON CONFLICT (user_id, device) DO UPDATE SET last_seen = excluded.last_seen, pushes = devices.pushes + 1
            RETURNING pushes
            """, logger: logger).decode(Int64.self) {
            return pushes
        }
        return 0
    }

    /// Refuses a batch sent ahead unless the device's committed pushes are what it names (the
    /// library's row is locked by then, so no other push of this library is in between).
    func checkOrder(user: UserID, device: DeviceID, afterPush: Int64?, _ connection: PostgresConnection) async throws {
        guard let afterPush else { return }
        var committed: Int64 = 0
        for try await pushes in try await connection.query(
            "SELECT pushes FROM devices WHERE user_id = \(user.rawValue) AND device = \(device.rawValue)", logger: logger
        ).decode(Int64.self) {
            committed = pushes
        }
        guard committed == afterPush else { throw PushOutOfOrder(expected: afterPush, committed: committed) }
    }
}

import Foundation
import GlossModel
import GlossServer
import GlossSync
import PostgresNIO

extension PostgresServerStore: ServerStateSource {
    public func accountRows() async throws -> AccountRows {
        try await transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            var rows = AccountRows()
            for try await (id, name, created) in try await connection.query("SELECT id, name, created_at FROM users", logger: self.logger).decode((String, String, String).self) {
                rows.users.append(.init(id: id, name: name, createdAt: created))
            }
            for try await (hash, user, created, revoked) in try await connection.query(
                "SELECT hash, user_id, created_at, revoked_at FROM tokens", logger: self.logger
            ).decode((String, String, String, String?).self) {
                rows.tokens.append(.init(hash: hash, userID: user, createdAt: created, revokedAt: revoked))
            }
            for try await (user, version, clock) in try await connection.query("SELECT user_id, version, clock FROM libraries", logger: self.logger).decode((String, Int64, String).self) {
                rows.libraries.append(.init(userID: user, version: version, clock: clock))
            }
            for try await (user, device, seen) in try await connection.query("SELECT user_id, device, last_seen FROM devices", logger: self.logger).decode((String, String, String).self) {
                rows.devices.append(.init(userID: user, device: device, lastSeen: seen))
            }
            return rows
        }
    }

    public func entityRows(user: UserID, after: String?, limit: Int) async throws -> [EntityRow] {
        try await unavailableOnFailure {
            var rows: [EntityRow] = []
            for try await (id, version, record) in try await self.client.query(
                "SELECT id, version, record FROM entities WHERE user_id = \(user.rawValue) AND id > \(after ?? "") ORDER BY id LIMIT \(limit)",
                logger: self.logger
            ).decode((String, Int64, String).self) {
                rows.append(EntityRow(id: id, version: version, record: record))
            }
            return rows
        }
    }

    public func changeRows(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> [ChangeRow] {
        try await unavailableOnFailure {
            var rows: [ChangeRow] = []
            for try await (version, seq, id, entity, device, outcome, change) in try await self.client.query("""
                SELECT version, seq, id, entity_id, device, outcome, change FROM changes
                WHERE user_id = \(user.rawValue) AND (version, seq) > (\(cursor.version), \(cursor.seq)) ORDER BY version, seq LIMIT \(limit)
                """, logger: self.logger).decode((Int64, Int64, String, String, String, String, String).self) {
                rows.append(ChangeRow(version: version, seq: seq, id: id, entityID: entity, device: device, outcome: outcome, change: change))
            }
            return rows
        }
    }

    /// Copies accounts, tokens, libraries and devices; what is already here is kept or brought
    /// up to date (a token revoked since, a library's newer version), so running it again is safe.
    /// Refuses when a library here is ahead of the copy (this store took pushes of its own).
    public func importAccounts(_ rows: AccountRows) async throws {
        try await transaction { connection in
            for library in rows.libraries {
                for try await version in try await connection.query(
                    "SELECT version FROM libraries WHERE user_id = \(library.userID)", logger: self.logger
                ).decode(Int64.self) where version > library.version {
                    throw ServerError.invalid("The PostgreSQL store is ahead of the copy for user \(library.userID) (version \(version) > \(library.version)): it took pushes of its own, so copying would lose them.")
                }
            }
            for user in rows.users {
                let inserted = try await connection.query(
                    "INSERT INTO users(id, name, created_at) VALUES (\(user.id), \(user.name), \(user.createdAt)) ON CONFLICT (id) DO NOTHING RETURNING id",
                    logger: self.logger
                ).collect()
                if inserted.isEmpty {
                    let same = try await connection.query("SELECT 1 FROM users WHERE id = \(user.id) AND name = \(user.name)", logger: self.logger).collect()
                    guard !same.isEmpty else { throw ServerError.invalid("The PostgreSQL store has user \(user.id) under another name.") }
                }
            }
            for library in rows.libraries {
                try await connection.query("""
                    INSERT INTO libraries(user_id, version, clock) VALUES (\(library.userID), \(library.version), \(library.clock))
                    ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, clock = excluded.clock
                    """, logger: self.logger)
            }
            for token in rows.tokens {
                try await connection.query("""
                    INSERT INTO tokens(hash, user_id, created_at, revoked_at) VALUES (\(token.hash), \(token.userID), \(token.createdAt), \(token.revokedAt))
                    ON CONFLICT (hash) DO UPDATE SET revoked_at = excluded.revoked_at
                    """, logger: self.logger)
            }
            for device in rows.devices {
                try await connection.query("""
                    INSERT INTO devices(user_id, device, last_seen) VALUES (\(device.userID), \(device.device), \(device.lastSeen))
                    ON CONFLICT (user_id, device) DO UPDATE SET last_seen = excluded.last_seen
                    """, logger: self.logger)
            }
        }
    }

    /// Copies entity rows as they are (their records and versions), with the columns this store
    /// derives from a record (list JSON, search text, filters); rows already here are replaced.
    public func importEntities(user: UserID, _ rows: [EntityRow]) async throws {
        guard !rows.isEmpty else { return }
        let entities = try rows.map { row in
            let record = try EntityRecord.decode(Data(row.record.utf8))
            return StoredEntity(record: record, json: row.record, version: row.version, listed: ListedJSON.render(record))
        }
        try await transaction { connection in try await self.upsertEntities(entities, user: user, connection) }
    }

    /// Copies journal rows as they are; rows already here (same version and seq) are kept.
    public func importChanges(user: UserID, _ rows: [ChangeRow]) async throws {
        guard !rows.isEmpty else { return }
        _ = try await unavailableOnFailure {
            try await self.client.query("""
                INSERT INTO changes(user_id, version, seq, id, entity_id, device, outcome, change)
                SELECT \(user.rawValue), * FROM unnest(\(rows.map(\.version))::bigint[], \(rows.map(\.seq))::bigint[], \(rows.map(\.id))::text[],
                    \(rows.map(\.entityID))::text[], \(rows.map(\.device))::text[], \(rows.map(\.outcome))::text[], \(rows.map(\.change))::text[])
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
        }
    }
}

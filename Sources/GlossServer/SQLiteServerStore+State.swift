import Foundation
import GRDB
import GlossModel
import GlossSync

extension SQLiteServerStore: ServerStateSource {
    public func accountRows() async throws -> AccountRows {
        try await readAside { db in
            var rows = AccountRows()
            rows.users = try Row.fetchAll(db, sql: "SELECT id, name, created_at FROM users").map { .init(id: $0[0], name: $0[1], createdAt: $0[2]) }
            rows.tokens = try Row.fetchAll(db, sql: "SELECT hash, user_id, created_at, revoked_at FROM tokens").map {
                .init(hash: $0[0], userID: $0[1], createdAt: $0[2], revokedAt: $0[3])
            }
            rows.libraries = try Row.fetchAll(db, sql: "SELECT user_id, version, clock FROM libraries").map { .init(userID: $0[0], version: $0[1], clock: $0[2]) }
            rows.devices = try Row.fetchAll(db, sql: "SELECT user_id, device, last_seen FROM devices").map { .init(userID: $0[0], device: $0[1], lastSeen: $0[2]) }
            return rows
        }
    }

    public func entityRows(user: UserID, after: String?, limit: Int) async throws -> [EntityRow] {
        try await readAside { db in
            try Row.fetchAll(
                db, sql: "SELECT id, version, record FROM entities INDEXED BY entities_id WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [user.rawValue, after ?? "", limit]
            ).map { EntityRow(id: $0[0], version: $0[1], record: $0[2]) }
        }
    }

    public func changeRows(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> [ChangeRow] {
        try await readAside { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT version, seq, id, entity_id, device, outcome, change FROM changes
                    WHERE user_id = ? AND (version, seq) > (?, ?) ORDER BY version, seq LIMIT ?
                    """,
                arguments: [user.rawValue, cursor.version, cursor.seq, limit]
            ).map { ChangeRow(version: $0[0], seq: $0[1], id: $0[2], entityID: $0[3], device: $0[4], outcome: $0[5], change: $0[6]) }
        }
    }
}

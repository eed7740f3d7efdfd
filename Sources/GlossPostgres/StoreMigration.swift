import Foundation
import GlossServer
import GlossSync

/// Moves a server's whole state into a PostgreSQL store (`gloss admin migrate-store`): accounts,
/// then each user's entities and journal, page by page; then both stores are read again and
/// compared by counts and checksums. Running it again copies what changed and verifies again.
public enum StoreMigration {
    public struct Report: Sendable {
        public var source: ServerStateDigest
        public var target: ServerStateDigest
        public var verified: Bool { source == target }
    }

    public static func copy(
        from source: some ServerStateSource, to target: PostgresServerStore, page: Int = 2000,
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let accounts = try await source.accountRows()
        try await target.importAccounts(accounts)
        progress("copied \(accounts.users.count) users, \(accounts.tokens.count) tokens, \(accounts.devices.count) devices")
        for user in accounts.users {
            let id = UserID(rawValue: user.id)
            var entities = 0, changes = 0
            var after: String? = nil
            while true {
                let rows = try await source.entityRows(user: id, after: after, limit: page)
                try await target.importEntities(user: id, rows)
                entities += rows.count
                guard rows.count == page, let last = rows.last else { break }
                after = last.id
            }
            var cursor = SyncCursor.start
            while true {
                let rows = try await source.changeRows(user: id, after: cursor, limit: page)
                try await target.importChanges(user: id, rows)
                changes += rows.count
                guard rows.count == page, let last = rows.last else { break }
                cursor = SyncCursor(version: last.version, seq: last.seq)
            }
            progress("copied \(user.name): \(entities) entities, \(changes) changes")
        }
        progress("verifying")
        return Report(source: try await ServerStateDigest.of(source, page: page), target: try await ServerStateDigest.of(target, page: page))
    }
}

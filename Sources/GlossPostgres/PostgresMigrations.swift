import Foundation
import GlossServer
import Logging
import PostgresNIO

/// The numbered migrations of schema/postgres, applied at start-up.
enum PostgresMigrations {
    /// Any 64-bit number the processes of one deployment agree on: gloss's migration lock.
    static let lockKey: Int64 = 0x676C_6F73_735F_6D69  // "gloss_mi"

    static var known: [String] { embeddedMigrations.map(\.name) }

    /// Applies what the database lacks, each migration in its own transaction, holding a
    /// session advisory lock so that processes starting together wait for one another and the
    /// second finds nothing left to do. A database migrated by a newer gloss is refused.
    static func apply(_ client: PostgresClient, schema: String?, logger: Logger) async throws {
        try await client.withConnection { connection in
            // A migration (or the wait for another process's) may take longer than the statement
            // timeout the store's connections carry; this connection lifts it until it is done.
            try await connection.query("SET statement_timeout = 0", logger: logger)
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            if let schema {
                // The connections' search_path names it; it may not exist yet.
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
            }
            do {
                try await migrate(connection, logger: logger)
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                _ = try? await connection.query("RESET statement_timeout", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            try await connection.query("RESET statement_timeout", logger: logger)
        }
    }

    /// The migrations this database has, in order.
    static func applied(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        var names: [String] = []
        for try await name in try await client.query("SELECT name FROM gloss_migrations ORDER BY name", logger: logger).decode(String.self) {
            names.append(name)
        }
        return names
    }

    private static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("CREATE TABLE IF NOT EXISTS gloss_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", logger: logger)
        var applied = Set<String>()
        for try await name in try await connection.query("SELECT name FROM gloss_migrations", logger: logger).decode(String.self) {
            applied.insert(name)
        }
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw ServerError.invalid("The database was migrated by a newer gloss (\(unknown.sorted().joined(separator: ", "))); upgrade gloss.")
        }
        for migration in embeddedMigrations where !applied.contains(migration.name) {
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            try await connection.query("BEGIN", logger: logger)
            do {
                // One migration file is several statements; PostgreSQL's extended protocol takes
                // one per query, so the file runs as the body of one anonymous PL/pgSQL block.
                try await connection.query(PostgresQuery(unsafeSQL: "DO $gloss_migration$ BEGIN\n\(migration.sql)\nEND $gloss_migration$"), logger: logger)
                try await connection.query("INSERT INTO gloss_migrations(name, applied_at) VALUES (\(migration.name), \(Date().ISO8601Format()))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                await PostgresServerStore.rollBack(connection, logger: logger)
                throw error
            }
        }
    }
}

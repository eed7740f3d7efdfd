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
            // and lock timeouts the store's connections carry (the advisory lock is a lock: a
            // wait past lock_timeout is cancelled); this connection lifts both until it is done.
            try await connection.query("SET statement_timeout = 0", logger: logger)
            try await connection.query("SET lock_timeout = 0", logger: logger)
            // Read to the end: PostgresNIO hands back a SELECT's rows as soon as their description
            // arrives, and an error while it runs (a cancelled wait) comes only with the rows.
            _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger).collect()
            do {
                if let schema {
                    // The connections' search_path names it; it may not exist yet.
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
                }
                try await migrate(connection, logger: logger)
            } catch {
                await release(connection, logger: logger)
                guard let error = error as? PSQLError, !PostgresFailure.isUnavailable(error) else { throw error }
                logger.error("migrations failed", metadata: ["error": "\(String(reflecting: error))"])
                throw ServerError.invalid("Preparing the database failed: \(PostgresFailure.serverMessage(error)).")
            }
            await release(connection, logger: logger)
        }
    }

    /// Gives the lock back and the connection its timeouts (it returns to the pool).
    private static func release(_ connection: PostgresConnection, logger: Logger) async {
        for statement: PostgresQuery in ["SELECT pg_advisory_unlock(\(lockKey))", "RESET statement_timeout", "RESET lock_timeout"] {
            do { _ = try await connection.query(statement, logger: logger).collect() } catch {
                // A connection in an unknown state must not serve queries without its timeouts.
                logger.warning("could not reset the migration connection; closing it", metadata: ["error": "\(String(reflecting: error))"])
                try? await connection.close()
                return
            }
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
                guard let error = error as? PSQLError, !PostgresFailure.isUnavailable(error) else { throw error }
                logger.error("migration failed", metadata: ["migration": "\(migration.name)", "error": "\(String(reflecting: error))"])
                throw ServerError.invalid("Migration \(migration.name) failed: \(PostgresFailure.serverMessage(error)); nothing of it was applied.")
            }
        }
    }
}

import Foundation
import GlossModel
@testable import GlossPostgres
import GlossServer
import Logging
import PostgresNIO
import Testing

/// What only the PostgreSQL store does (the other suites run on it too, through TestStores).
@Suite(.enabled(if: TestStores.postgresURL != nil, "needs GLOSS_TEST_DATABASE (bash scripts/with-postgres swift test)"))
struct PostgresStoreTests {
    /// Processes starting together on a new database: the advisory lock lets one migrate, the
    /// others find the work done; every migration is applied once and all of them serve.
    @Test func storesOpeningTogetherMigrateOnce() async throws {
        let url = try #require(TestStores.postgresURL)
        let schema = "race_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let configuration = try PostgresStoreConfiguration(url: url, poolSize: 2, schema: schema)
        let stores = try await withThrowingTaskGroup(of: PostgresServerStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresServerStore.open(configuration, logger: .quiet) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // What fails without the advisory lock is the opening itself: two stores creating the same
        // tables and text-search configuration at once, one of them throws. (That each migration
        // is recorded once below is also what gloss_migrations' primary key guarantees.)
        #expect(stores.count == 4)
        let applied = try await stores[0].appliedMigrations()
        #expect(!applied.isEmpty && applied == Array(Set(applied)).sorted(), "migrations applied more than once: \(applied)")
        let (user, token) = try await stores[1].addUser(name: "ana")
        for store in stores { #expect(try await store.authenticate(token: token) == user) }
        for store in stores { await store.close() }
    }

    /// A process that starts while another is migrating waits for it, however long that takes:
    /// the advisory lock is a lock, and the connections' lock_timeout must not cut the wait.
    @Test func aStoreWaitsOutAnotherProcesssMigrationPastTheLockTimeout() async throws {
        let url = try #require(TestStores.postgresURL)
        let schema = "wait_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let configuration = try PostgresStoreConfiguration(url: url, poolSize: 2, lockTimeout: .seconds(1), schema: schema)
        // The other process: a connection of its own holding gloss's migration lock for 2.5 s.
        let other = PostgresClient(configuration: configuration.client)
        let runner = Task { await other.run() }
        defer { runner.cancel() }
        let store = try await other.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(PostgresMigrations.lockKey))", logger: .quiet).collect()
            let opening = Task { try await PostgresServerStore.open(configuration, logger: .quiet) }
            try await Task.sleep(for: .milliseconds(2500))
            // Had the store not waited, its migrations would be recorded by now.
            let early = try await connection.query(PostgresQuery(unsafeSQL: "SELECT to_regclass('\(schema).gloss_migrations')::text"), logger: .quiet)
                .collect().first?.decode(String?.self) ?? nil
            #expect(early == nil, "the store migrated while another process held the migration lock")
            _ = try await connection.query("SELECT pg_advisory_unlock(\(PostgresMigrations.lockKey))", logger: .quiet).collect()
            return try await opening.value
        }
        #expect(try await store.appliedMigrations() == PostgresMigrations.known.sorted())
        // Both of the pool's connections (one of them ran the migration) have their timeouts back.
        let show = { (connection: PostgresConnection) in
            try await connection.query("SHOW lock_timeout", logger: .quiet).collect().first?.decode(String.self)
        }
        let timeouts = try await store.client.withConnection { first in
            try await store.client.withConnection { second in [try await show(first), try await show(second)] }
        }
        #expect(timeouts == ["1s", "1s"])
        await store.close()
    }

    /// A migration PostgreSQL refuses (here: a schema that already has a table of gloss's name)
    /// is reported with what PostgreSQL said, and none of it is applied.
    @Test func aRefusedMigrationSaysWhyAndLeavesNothingHalfDone() async throws {
        let url = try #require(TestStores.postgresURL)
        let schema = "taken_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let configuration = try PostgresStoreConfiguration(url: url, poolSize: 1, schema: schema)
        let other = PostgresClient(configuration: configuration.client)
        let runner = Task { await other.run() }
        defer { runner.cancel() }
        try await other.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: .quiet)
        try await other.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(schema).users (something INT)"), logger: .quiet)
        let error = await #expect(throws: ServerError.self) { try await PostgresServerStore.open(configuration, logger: .quiet) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("0001_server") && message.contains("\"users\" already exists") && message.contains("42P07"), "\(message)")
        let tables = try await other.query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(schema) ORDER BY 1", logger: .quiet)
            .collect().map { try $0.decode(String.self) }
        #expect(tables == ["gloss_migrations", "users"], "a refused migration left \(tables)")
    }
}

/// The database URL is checked before anything connects (no database needed).
@Suite struct PostgresConfigurationTests {
    @Test func aDatabaseURLThatIsNotPostgresIsRefusedInOneSentence() throws {
        #expect(throws: ServerError.self) { try PostgresStoreConfiguration(url: "mysql://gloss@db/gloss") }
        #expect(throws: ServerError.self) { try PostgresStoreConfiguration(url: "postgres://db/gloss") }
        #expect(throws: ServerError.self) { try PostgresStoreConfiguration(url: "postgres://gloss@db/") }
        #expect(throws: ServerError.self) { try PostgresStoreConfiguration(url: "postgres://gloss@db/gloss?sslmode=maybe") }
        #expect(throws: ServerError.self) { try PostgresStoreConfiguration(url: "postgres://gloss@db/gloss?schema=a;drop") }
    }
}

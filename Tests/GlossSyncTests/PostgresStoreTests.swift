import Foundation
import GlossModel
import GlossPostgres
import GlossServer
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

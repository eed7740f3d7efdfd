import Foundation
import GlossModel
import GlossPostgres
import GlossServer
import Logging

/// The server store the tests run against: SQLite in a temporary folder, or, when
/// `GLOSS_TEST_DATABASE` names a PostgreSQL database (scripts/with-postgres sets it), a
/// PostgreSQL store in a schema of its own, so every test starts from an empty store.
enum TestStores {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["GLOSS_TEST_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Which store the suites run against, for messages.
    static var kind: String { postgresURL == nil ? "SQLite" : "PostgreSQL" }

    static func make(in folder: URL, physicalClock: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds) async throws -> any ServerStore {
        guard let url = postgresURL else {
            return try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path, physicalClock: physicalClock)
        }
        let schema = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return try await PostgresServerStore.open(
            PostgresStoreConfiguration(url: url, poolSize: 4, schema: schema), physicalClock: physicalClock, logger: .quiet
        )
    }
}

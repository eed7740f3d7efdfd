import Foundation
import GlossModel
import GlossServer
import GlossSync
import Logging
import PostgresNIO
import _ConnectionPoolModule

/// The server's store in PostgreSQL: any number of `gloss serve` processes share one database
/// and keep nothing between requests outside it. The HTTP layer and the merge function are the
/// same as over SQLite (``ServerStore``); what differs is how rows are read and written.
public final class PostgresServerStore: ServerStore {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    /// How far ahead of the server's clock a pushed change's clock may be before it is clamped.
    public let maximumDrift: UInt64
    let physicalClock: @Sendable () -> UInt64
    let logger: Logger

    /// Opens the database at `configuration`, applying the migrations of schema/postgres that it
    /// lacks (under an advisory lock, so processes starting together migrate once).
    public static func open(
        _ configuration: PostgresStoreConfiguration, maximumDrift: UInt64 = 5 * 60 * 1000,
        physicalClock: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds,
        logger: Logger = Logger(label: "gloss.postgres")
    ) async throws -> PostgresServerStore {
        let store = PostgresServerStore(configuration, maximumDrift: maximumDrift, physicalClock: physicalClock, logger: logger)
        do {
            // Reachable at all? (Without a limit, the pool retries a refused connection for a minute.)
            try await store.unavailableOnFailure(timeout: .seconds(10)) { _ = try await store.client.query("SELECT 1", logger: logger).collect() }
            // No time limit: a migration takes as long as it takes (another process waits on the lock).
            try await store.unavailableOnFailure(timeout: nil) {
                try await PostgresMigrations.apply(store.client, schema: configuration.schema, logger: logger)
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private init(_ configuration: PostgresStoreConfiguration, maximumDrift: UInt64, physicalClock: @escaping @Sendable () -> UInt64, logger: Logger) {
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        self.client = client
        // Started immediately, so that run() is under way before the migrations lease a connection.
        runner = Task.immediate { await client.run() }
        self.maximumDrift = maximumDrift
        self.physicalClock = physicalClock
        self.logger = logger
    }

    deinit { runner.cancel() }

    /// The migrations of schema/postgres this database has, each once, in order.
    public func appliedMigrations() async throws -> [String] {
        try await unavailableOnFailure { try await PostgresMigrations.applied(self.client, logger: self.logger) }
    }

    /// Closes the connections (requests still waiting for one fail); waits at most 5 seconds
    /// for the pool to wind down.
    public func close() async {
        runner.cancel()
        let runner = runner
        _ = try? await Deadline.run(within: .seconds(5)) { await runner.value }
    }

    public func addUser(name: String) async throws -> (user: UserID, token: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.contains(where: \.isWhitespace) else {
            throw ServerError.invalid("A user name is 1 to 100 characters without spaces.")
        }
        let id = ID<UserID>.timeOrdered().description
        let token = Tokens.generate()
        let now = Timestamp.now().description
        try await transaction { connection in
            let inserted = try await connection.query(
                "INSERT INTO users(id, name, created_at) VALUES (\(id), \(trimmed), \(now)) ON CONFLICT (name) DO NOTHING RETURNING id",
                logger: self.logger
            ).collect()
            guard !inserted.isEmpty else { throw ServerError.userExists(trimmed) }
            try await connection.query("INSERT INTO libraries(user_id) VALUES (\(id))", logger: self.logger)
            try await connection.query("INSERT INTO tokens(hash, user_id, created_at) VALUES (\(Tokens.hash(token)), \(id), \(now))", logger: self.logger)
        }
        return (UserID(rawValue: id), token)
    }

    public func issueToken(name: String) async throws -> String {
        let token = Tokens.generate()
        let inserted = try await unavailableOnFailure {
            try await self.client.query("""
                INSERT INTO tokens(hash, user_id, created_at) SELECT \(Tokens.hash(token)), id, \(Timestamp.now().description)
                FROM users WHERE name = \(name) RETURNING user_id
                """, logger: self.logger).collect()
        }
        guard !inserted.isEmpty else { throw ServerError.unknownUser(name) }
        return token
    }

    public func revokeToken(_ token: String) async throws {
        let revoked = try await unavailableOnFailure {
            try await self.client.query(
                "UPDATE tokens SET revoked_at = \(Timestamp.now().description) WHERE hash = \(Tokens.hash(token)) AND revoked_at IS NULL RETURNING hash",
                logger: self.logger
            ).collect()
        }
        if revoked.isEmpty { throw ServerError.unknownToken }
    }

    public func authenticate(token: String) async throws -> UserID? {
        let hash = Tokens.hash(token)
        return try await unavailableOnFailure {
            for try await (stored, user) in try await self.client.execute(AuthenticateStatement(hash: hash), logger: self.logger)
            where Tokens.constantTimeEqual(stored, hash) {
                return UserID(rawValue: user)
            }
            return nil
        }
    }

    public func records(user: UserID) async throws -> [EntityRecord] {
        try await unavailableOnFailure {
            var records: [EntityRecord] = []
            for try await json in try await self.client.query(
                "SELECT record FROM entities WHERE user_id = \(user.rawValue) ORDER BY array_position(ARRAY['article','highlight','note'], kind), id",
                logger: self.logger
            ).decode(String.self) {
                records.append(try EntityRecord.decode(Data(json.utf8)))
            }
            return records
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back
    /// when it throws (its own error is rethrown as it is).
    @discardableResult
    func transaction<T: Sendable>(
        _ isolationLevel: String = "", timeout: Duration? = PostgresServerStore.operationTimeout,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await unavailableOnFailure(timeout: timeout) {
            try await self.client.withConnection { connection in
                guard !connection.isClosed else { throw ServerError.unavailable("The server's database connection closed; try again shortly.") }
                try await connection.query(PostgresQuery(unsafeSQL: "BEGIN \(isolationLevel)"), logger: self.logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: self.logger)
                    return value
                } catch {
                    await Self.rollBack(connection, logger: self.logger)
                    throw error
                }
            }
        }
    }

    /// Rolls back the open transaction; a connection that cannot (the database went away, and a
    /// query written to a closed connection may never be answered) is closed rather than
    /// returned to the pool in the middle of a transaction.
    static func rollBack(_ connection: PostgresConnection, logger: Logger) async {
        if !connection.isClosed, (try? await Deadline.run(within: .seconds(2), { try await connection.query("ROLLBACK", logger: logger) })) != nil {
            return
        }
        try? await connection.close()
    }

    /// How long one request's work with the database may take before it is answered 503: a
    /// little longer than the statement timeout, so a query PostgreSQL cancels is reported as
    /// such; this limit catches waits PostgreSQL cannot end (a connection that died mid-query).
    static let operationTimeout: Duration = .seconds(12)

    /// Runs `body` (for at most `timeout`), turning a database that cannot be reached (down,
    /// restarting, refusing connections, out of connections, not answering) into
    /// ``ServerError/unavailable(_:)``: a 503 with `Retry-After`, not a failed or hung server.
    func unavailableOnFailure<T: Sendable>(timeout: Duration? = PostgresServerStore.operationTimeout, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            guard let timeout else { return try await body() }
            return try await Deadline.run(within: timeout, body)
        } catch is Deadline.Exceeded {
            logger.warning("PostgreSQL did not answer in time", metadata: ["timeout": "\(timeout.map { "\($0)" } ?? "")"])
            throw ServerError.unavailable("The server's database did not answer in time; try again shortly.")
        } catch let error as PSQLError where PostgresFailure.isUnavailable(error) {
            logger.warning("PostgreSQL is unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw ServerError.unavailable("The server's database is unavailable; try again shortly.")
        } catch let error as ConnectionPoolError {
            logger.warning("PostgreSQL is unavailable", metadata: ["error": "\(error)"])
            throw ServerError.unavailable("The server's database is unavailable; try again shortly.")
        }
    }
}

/// Which PostgreSQL errors mean "the database cannot answer now" rather than a bug.
enum PostgresFailure {
    static func isUnavailable(_ error: PSQLError) -> Bool {
        guard error.code == .server else { return error.code != .tooManyParameters }  // connection-level: closed, refused, TLS, timeouts
        let state = error.serverInfo?[.sqlState] ?? ""
        // 08: connection exception; 53: insufficient resources; 57: operator intervention
        // (shutdown, restart, cannot connect now); 40: serialization failure, deadlock (retryable).
        return ["08", "53", "57", "40"].contains(String(state.prefix(2)))
    }

    /// What PostgreSQL said, with its SQLSTATE (PSQLError's own description hides both, so
    /// that a query's parameters never reach a log by accident; a failed migration has none).
    static func serverMessage(_ error: PSQLError) -> String {
        guard let message = error.serverInfo?[.message] else { return String(reflecting: error) }
        return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
    }
}

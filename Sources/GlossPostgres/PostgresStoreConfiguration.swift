import Foundation
import GlossServer
import PostgresNIO

/// Where the PostgreSQL store connects and how: parsed from a URL,
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&schema=NAME]`.
public struct PostgresStoreConfiguration: Sendable {
    public var client: PostgresClient.Configuration
    /// The schema the tables live in, when not the database's default (`public`).
    public var schema: String?

    /// - Parameters:
    ///   - url: the database URL (`postgresql://` is accepted too).
    ///   - poolSize: the most connections this process opens.
    ///   - statementTimeout: the longest one statement may run before PostgreSQL cancels it.
    ///   - lockTimeout: the longest one statement may wait for a lock (a row another push holds).
    ///   - schema: the schema the store's tables live in (tests give each store its own); the
    ///     URL's `schema` parameter says the same.
    public init(url: String, poolSize: Int = 10, statementTimeout: Duration = .seconds(10), lockTimeout: Duration = .seconds(15), schema: String? = nil) throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty else {
            throw ServerError.invalid("The database URL is postgres://USER@HOST:PORT/DATABASE, not \(url).")
        }
        guard let user = parts.user, !user.isEmpty else {
            throw ServerError.invalid("The database URL \(url) names no user (postgres://USER@HOST:PORT/DATABASE).")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !database.isEmpty else {
            throw ServerError.invalid("The database URL \(url) names no database (postgres://USER@HOST:PORT/DATABASE).")
        }
        guard (1...1000).contains(poolSize) else { throw ServerError.invalid("The connection pool holds 1 to 1000 connections.") }
        let schema = schema ?? parts.queryItems?.first(where: { $0.name == "schema" })?.value
        let tls: PostgresClient.Configuration.TLS
        switch parts.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        case let other: throw ServerError.invalid("sslmode is disable, prefer or require, not \(other).")
        }
        client = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: parts.password?.removingPercentEncoding, database: database.removingPercentEncoding ?? database, tls: tls
        )
        client.options.maximumConnections = poolSize
        client.options.connectTimeout = .seconds(5)
        var parameters = [("statement_timeout", "\(statementTimeout.components.seconds * 1000)"), ("lock_timeout", "\(lockTimeout.components.seconds * 1000)")]
        if let schema {
            guard !schema.isEmpty, schema.count <= 63, schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ServerError.invalid("A schema name is 1 to 63 letters, digits and underscores, not \(schema).")
            }
            parameters.append(("search_path", schema))
        }
        self.schema = schema
        client.options.additionalStartupParameters = parameters
    }
}

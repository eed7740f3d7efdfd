import ArgumentParser
import Foundation
import GlossServer
import Logging
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the sync server.",
        discussion: """
            Serves the sync protocol (docs/sync-protocol.md) and the HTTP API (docs/api.md) from one
            SQLite database (the default), or from PostgreSQL with --database, where any number of
            `gloss serve` processes can share one database (docs/operations.md).
            Create an account first with `gloss user add NAME`. SIGTERM or SIGINT stops it after
            the requests in flight finish. Logs go to standard error, one line per request with its ID.

            Examples:
              gloss serve
              gloss serve --host 0.0.0.0 --port 9000 --data /srv/gloss/server.sqlite
              gloss serve --database postgres://gloss@db.internal:5432/gloss --pool-size 20
            """
    )

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "The largest request body accepted, in MiB.") var maxBody = 16
    @Option(help: "The most requests served at once; more are answered 503 with Retry-After.") var maxConcurrent = 64
    @Option(help: ArgumentHelp("full (each commit synced to disk) or normal (synced at checkpoints; see docs/operations.md).", valueName: "mode"))
    var durability = "full"
    @Option(name: .customLong("cors-origin"), help: ArgumentHelp("A browser origin allowed to call the API, like https://notes.example.org (repeatable; none by default).", valueName: "origin"))
    var corsOrigins: [String] = []
    @OptionGroup var data: ServerDataOptions

    func validate() throws {
        for origin in corsOrigins where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origin.hasSuffix("/") {
            throw ValidationError("--cors-origin takes an origin like https://notes.example.org (scheme and host, no path), not \(origin).")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port is 0 to 65535.") }
        guard (1...1024).contains(maxBody) else { throw ValidationError("--max-body is 1 to 1024 MiB.") }
        guard (1...100_000).contains(maxConcurrent) else { throw ValidationError("--max-concurrent is 1 to 100000.") }
        guard SQLiteServerStore.Durability(rawValue: durability) != nil else { throw ValidationError("--durability is full or normal.") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
        let logger = Logger(label: "gloss.serve")
        try await data.withStore(durability: SQLiteServerStore.Durability(rawValue: durability) ?? .full, logger: logger) { store in
            try await serve(store, logger: logger)
        }
    }

    private func serve(_ store: some ServerStore, logger: Logger) async throws {
        MemoryTrim.keepFreedMemoryForReuse()
        var configuration = ServerConfiguration(host: host, port: port, maximumBodyBytes: maxBody * 1024 * 1024, maximumConcurrentRequests: maxConcurrent)
        configuration.corsOrigins = corsOrigins
        if let sqlite = store as? SQLiteServerStore, let pageSize = try? await sqlite.pageSize(), pageSize < SQLiteServerStore.pageSize {
            logger.notice("This server database uses \(pageSize)-byte pages; `gloss admin compact` (with the server stopped) rebuilds it at about half the size, with faster pushes (docs/operations.md).")
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        configuration.metrics = registry
        let app = buildApplication(
            store: store, configuration: configuration, logger: logger,
            onServerRunning: { port in logger.notice("gloss serve listening", metadata: ["address": "http://\(host):\(port)"]) }
        )
        try await app.runService()
    }
}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the sync server's accounts and API tokens.",
        subcommands: [UserAdd.self, UserToken.self, UserRevoke.self]
    )
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create an account and print its first API token (shown once).",
        discussion: "Example: gloss user add ana --data /srv/gloss/server.sqlite"
    )
    @Argument(help: "The account name (no spaces).") var name: String
    @OptionGroup var data: ServerDataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let (_, token) = try await data.withStore { try await $0.addUser(name: name) }
        if output.json { return try Output.json(["user": name, "token": token]) }
        Output.print(token)
        Output.note("Created \(name). Keep the token: it is stored only as a hash and cannot be shown again.")
    }
}

struct UserToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue another API token for an account.", discussion: "Example: gloss user token ana"
    )
    @Argument(help: "The account name.") var name: String
    @OptionGroup var data: ServerDataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let token = try await data.withStore { try await $0.issueToken(name: name) }
        if output.json { return try Output.json(["user": name, "token": token]) }
        Output.print(token)
    }
}

struct UserRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "End an API token.", discussion: "Example: gloss user revoke gls_0123…"
    )
    @Argument(help: "The token to end.") var token: String
    @OptionGroup var data: ServerDataOptions

    func run() async throws {
        try await data.withStore { try await $0.revokeToken(token) }
        Output.print("revoked")
    }
}

import ArgumentParser
import Foundation
import GlossServer
import Logging
import Metrics
import Prometheus

/// Where the server keeps its database.
struct ServerDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's database file.", discussion: "Default: $XDG_DATA_HOME/gloss/server.sqlite, else ~/.local/share/gloss/server.sqlite.", valueName: "path"))
    var data: String?

    func open(durability: SQLiteServerStore.Durability = .full) throws -> SQLiteServerStore {
        let path: String
        if let data {
            path = data
            let folder = URL(fileURLWithPath: data).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else { throw CLIError("The folder \(folder) does not exist; create it first or choose another --data path.") }
        } else {
            let environment = ProcessInfo.processInfo.environment
            let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
            try? FileManager.default.createDirectory(atPath: base + "/gloss", withIntermediateDirectories: true)
            path = base + "/gloss/server.sqlite"
        }
        do {
            return try SQLiteServerStore(path: path, durability: durability)
        } catch let error as ServerError {
            throw error
        } catch {
            throw CLIError("The server database \(path) cannot be opened: \(error).")
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the sync server.",
        discussion: """
            Serves the sync protocol (docs/sync-protocol.md) over HTTP from one SQLite database.
            Create an account first with `gloss user add NAME`. SIGTERM or SIGINT stops it after
            the requests in flight finish. Logs go to standard error, one line per request with its ID.

            Examples:
              gloss serve
              gloss serve --host 0.0.0.0 --port 9000 --data /srv/gloss/server.sqlite
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
        let store = try data.open(durability: SQLiteServerStore.Durability(rawValue: durability) ?? .full)
        var configuration = ServerConfiguration(host: host, port: port, maximumBodyBytes: maxBody * 1024 * 1024, maximumConcurrentRequests: maxConcurrent)
        configuration.corsOrigins = corsOrigins
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
        let store = try data.open()
        let (_, token) = try await store.addUser(name: name)
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
        let store = try data.open()
        let token = try await store.issueToken(name: name)
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
        let store = try data.open()
        try await store.revokeToken(token)
        Output.print("revoked")
    }
}

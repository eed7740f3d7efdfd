import ArgumentParser
import Foundation
import GlossPostgres
import GlossServer
import Logging

/// Where the server keeps its state: a SQLite file (the default, no setup) or a PostgreSQL
/// database that several `gloss serve` processes share.
struct ServerDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's SQLite database file.", discussion: "Default: $XDG_DATA_HOME/gloss/server.sqlite, else ~/.local/share/gloss/server.sqlite.", valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("A PostgreSQL database instead of SQLite (also $GLOSS_DATABASE).", discussion: "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]", valueName: "url"))
    var database: String?

    @Option(help: "With PostgreSQL: the most connections this process opens.") var poolSize = 10

    func validate() throws {
        guard (1...1000).contains(poolSize) else { throw ValidationError("--pool-size is 1 to 1000.") }
        if data != nil && database != nil { throw ValidationError("Choose --data (SQLite) or --database (PostgreSQL), not both.") }
    }

    /// The PostgreSQL URL, from --database or $GLOSS_DATABASE (unless --data chose SQLite).
    var databaseURL: String? {
        if let database { return database }
        guard data == nil, let url = ProcessInfo.processInfo.environment["GLOSS_DATABASE"], !url.isEmpty else { return nil }
        return url
    }

    func open(durability: SQLiteServerStore.Durability = .full, logger: Logger = Logger(label: "gloss.store")) async throws -> any ServerStore {
        if let url = databaseURL {
            let configuration = try PostgresStoreConfiguration(url: url, poolSize: poolSize)
            do {
                return try await PostgresServerStore.open(configuration, logger: logger)
            } catch ServerError.unavailable {
                throw CLIError("The PostgreSQL database at \(Self.redacted(url)) cannot be reached; check that it runs and the URL is right.")
            }
        }
        return try openSQLite(durability: durability)
    }

    /// Runs `body` with the store open, and closes it after.
    func withStore<T>(durability: SQLiteServerStore.Durability = .full, logger: Logger = Logger(label: "gloss.store"), _ body: (any ServerStore) async throws -> T) async throws -> T {
        let store = try await open(durability: durability, logger: logger)
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }

    /// `$XDG_DATA_HOME/gloss/server.sqlite`, else `~/.local/share/gloss/server.sqlite`.
    static func defaultSQLitePath() -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return base + "/gloss/server.sqlite"
    }

    /// A URL with its password left out, for messages.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "…"
        return parts.string ?? url
    }

    private func openSQLite(durability: SQLiteServerStore.Durability) throws -> SQLiteServerStore {
        let path: String
        if let data {
            path = data
            let folder = URL(fileURLWithPath: data).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else { throw CLIError("The folder \(folder) does not exist; create it first or choose another --data path.") }
        } else {
            path = Self.defaultSQLitePath()
            try? FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
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

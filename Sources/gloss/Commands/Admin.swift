import ArgumentParser
import Foundation
import GlossPostgres
import GlossServer

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate the sync server's store.",
        subcommands: [MigrateStore.self, Compact.self]
    )
}

struct MigrateStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Move a SQLite server's whole state into PostgreSQL, and verify the copy.",
        discussion: """
            Copies accounts, tokens, every library's records and journal, then compares both stores
            by counts and SHA-256 checksums; exits non-zero unless they match. Stop the servers on
            the SQLite file first. Running it again copies what changed since and verifies again;
            it refuses when the PostgreSQL store took pushes of its own. See docs/operations.md.

            Example:
              gloss admin migrate-store --from /srv/gloss/server.sqlite --to postgres://gloss@db.internal/gloss
            """
    )

    @Option(help: ArgumentHelp("The SQLite server database to copy.", valueName: "path")) var from: String
    @Option(help: ArgumentHelp("The PostgreSQL database to copy into.", valueName: "url")) var to: String
    @OptionGroup var output: OutputOptions

    struct Answer: Encodable {
        var verified: Bool
        var source: String
        var target: String
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: from) else { throw CLIError("There is no server database at \(from).") }
        let source = try SQLiteServerStore(path: from)
        let target: PostgresServerStore
        do {
            target = try await PostgresServerStore.open(try PostgresStoreConfiguration(url: to, poolSize: 4))
        } catch ServerError.unavailable {
            throw CLIError("The PostgreSQL database at \(ServerDataOptions.redacted(to)) cannot be reached; check that it runs and the URL is right.")
        }
        let quiet = output.json
        let report: StoreMigration.Report
        do {
            report = try await StoreMigration.copy(from: source, to: target) { line in if !quiet { Output.note(line) } }
        } catch {
            await target.close()
            throw error
        }
        await target.close()
        if output.json {
            try Output.json(Answer(verified: report.verified, source: report.source.description, target: report.target.description))
        } else {
            Output.print("SQLite:     \(report.source)")
            Output.print("PostgreSQL: \(report.target)")
        }
        guard report.verified else {
            throw CLIError("The copy does not match the SQLite store (counts or checksums differ); run migrate-store again, and do not switch servers until it verifies.")
        }
        if !output.json { Output.print("verified: counts and checksums match") }
    }
}

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a SQLite server database with 16 KiB pages (about half the size, faster pushes).",
        discussion: """
            Server databases created before 2026-11-23 use 4 KiB pages, on which every highlight's
            and note's row takes an extra overflow page. This rebuilds the file in one transaction
            (a crash leaves the old one); it needs the servers on the file stopped and free space
            for a copy. Running it on a database that is already compact rebuilds it again
            (reclaiming free pages). See docs/operations.md.

            Example:
              gloss admin compact --data /srv/gloss/server.sqlite
            """
    )

    @Option(help: ArgumentHelp("The server's SQLite database file.", discussion: "Default: $XDG_DATA_HOME/gloss/server.sqlite, else ~/.local/share/gloss/server.sqlite.", valueName: "path"))
    var data: String?
    @OptionGroup var output: OutputOptions

    struct Answer: Encodable {
        var path: String
        var pageSizeBefore: Int
        var pageSizeAfter: Int
        var bytesBefore: Int64
        var bytesAfter: Int64
    }

    func run() throws {
        let path = data ?? ServerDataOptions.defaultSQLitePath()
        let result = try SQLiteServerStore.compact(path: path)
        if output.json {
            try Output.json(Answer(path: path, pageSizeBefore: result.pageSizeBefore, pageSizeAfter: result.pageSizeAfter,
                                   bytesBefore: result.bytesBefore, bytesAfter: result.bytesAfter))
        } else {
            let mib = { (bytes: Int64) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            Output.print("\(path): \(mib(result.bytesBefore)) with \(result.pageSizeBefore)-byte pages → \(mib(result.bytesAfter)) with \(result.pageSizeAfter)-byte pages")
        }
    }
}

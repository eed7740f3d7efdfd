import ArgumentParser
import Foundation
import GlossReplica
import GlossStore
import GlossSync

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send your changes to the server and fetch everyone else's, until both are done.",
        discussion: """
            The server comes from --server/--token, else $GLOSS_SERVER/$GLOSS_TOKEN, else what
            `gloss remote set` saved. An interrupted sync loses nothing: run it again and it resumes.

            Examples:
              gloss remote set http://127.0.0.1:8080 --token gls_…
              gloss sync
              gloss sync --server http://10.0.0.2:8080 --token gls_… --json
            """
    )

    @Option(help: "The server's base URL.") var server: String?
    @Option(help: "The API token.") var token: String?
    @Option(help: "Seconds to wait for each answer.") var timeout = 60
    @OptionGroup var library: LibraryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let library = try library.open()
        let environment = ProcessInfo.processInfo.environment
        let saved = try Remote.saved(in: library)
        guard let url = server ?? environment["GLOSS_SERVER"].flatMap({ $0.isEmpty ? nil : $0 }) ?? saved?.server,
              let token = token ?? environment["GLOSS_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) ?? saved?.token else {
            throw CLIError(SyncError.notConfigured.description)
        }
        let transport: HTTPSyncTransport
        do { transport = try HTTPSyncTransport(server: url, token: token, timeout: .seconds(Int64(timeout))) } catch { throw CLIError("\(error)") }
        let client = SyncClient(replica: library, transport: transport)
        let total = try library.unpushedCount()
        let bar = ProgressBar(enabled: !output.json && isatty(STDERR_FILENO) == 1)
        let report: SyncReport
        do {
            report = try await client.sync(total: total) { progress in bar.show(progress) }
        } catch let error as SyncError {
            bar.finish()
            await transport.shutdown()
            throw CLIError(error.description)
        } catch {
            bar.finish()
            await transport.shutdown()
            throw error
        }
        bar.finish()
        await transport.shutdown()
        if output.json { return try Output.json(report) }
        Output.print("pushed \(report.pushed), pulled \(report.pulled), merged \(report.merged), conflicts \(report.conflicted)"
                     + (report.rejected > 0 ? ", rejected \(report.rejected)" : ""))
        let conflicted = try library.conflictedNotes()
        if report.conflicted > 0 || !conflicted.isEmpty {
            Output.note("Some notes have conflict versions: `gloss conflicts` lists them, `gloss resolve` settles them.")
        }
    }
}

/// A one-line progress bar on standard error, for terminals only.
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    private let lock = NSLock()
    private var drawn = false
    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: SyncProgress) {
        guard enabled else { return }
        lock.withLock {
            var line = "\(progress.phase.rawValue) \(progress.done)"
            if let total = progress.total, total > 0 {
                let width = 30, filled = min(width, progress.done * width / total)
                line = "\(progress.phase.rawValue) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(progress.done)/\(total)"
            }
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
            drawn = true
        }
    }

    func finish() {
        lock.withLock { if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) } }
    }
}

struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote", abstract: "Save or show the server `gloss sync` uses.", subcommands: [RemoteSet.self, RemoteShow.self]
    )
}

struct RemoteSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Save the server URL (and token) in the library.",
        discussion: "Example: gloss remote set http://127.0.0.1:8080 --token gls_…"
    )
    @Argument(help: "The server's base URL.") var url: String
    @Option(help: "The API token.") var token: String?
    @OptionGroup var library: LibraryOptions

    func validate() throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw ValidationError("\(url) is not an http:// or https:// URL.")
        }
    }

    func run() throws {
        let library = try library.open()
        let existing = try Remote.saved(in: library)
        try Remote(server: url, token: token ?? existing?.token).save(in: library)
        Output.print("remote set to \(url)")
    }
}

struct RemoteShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the saved server.", discussion: "Example: gloss remote show")
    @OptionGroup var library: LibraryOptions

    func run() throws {
        guard let remote = try Remote.saved(in: try library.open()) else { return Output.note("No remote is set.") }
        Output.print("\(remote.server) (token \(remote.token == nil ? "not set" : "saved"))")
    }
}

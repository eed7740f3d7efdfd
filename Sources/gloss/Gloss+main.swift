import ArgumentParser
import NIOCore
import NIOPosix

extension Gloss {
    /// The entry point: AsyncParsableCommand's, after one switch for `gloss serve`.
    ///
    /// `gloss serve` runs Swift concurrency on NIO's event loops: a request's handler then runs
    /// on the thread that reads and writes its connection, with no hop to Swift's cooperative
    /// pool and back (docs/performance.md, HTTP API, "Session 10"). NIO requires the switch on
    /// the main thread before other tasks exist: here, before the command line is parsed. The
    /// other commands keep Swift's own pool (their blocking SQLite work would hold up the event
    /// loop their HTTP connection runs on).
    static func main() async {
        if CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("-") }) == "serve" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await runAsRoot()
    }
}

extension AsyncParsableCommand {
    /// AsyncParsableCommand.main(), called from a generic context so that it is the async one.
    static func runAsRoot() async { await main(nil) }
}

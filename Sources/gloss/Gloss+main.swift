import ArgumentParser
import NIOCore
import NIOPosix

extension Gloss {
    /// The entry point: AsyncParsableCommand's, after one switch for `gloss serve`.
    ///
    /// `gloss serve` runs Swift concurrency on NIO's event loops instead of Swift's cooperative
    /// pool: a request's handler runs on an event loop (not necessarily its connection's), and
    /// two cores are shared by two threads instead of four (docs/performance.md, HTTP API,
    /// "Session 10"). NIO requires the switch on the main thread before other tasks exist: here,
    /// before the command line is parsed. The other commands keep Swift's own pool (their
    /// blocking SQLite work would hold up the event loop their HTTP connection runs on).
    static func main() async {
        if CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("-") }) == "serve" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await runAsRoot()
    }
}

extension AsyncParsableCommand {
    /// AsyncParsableCommand.main(), called from a generic context: called on `Gloss` from a
    /// concrete one (`await Gloss.main()` in a main.swift), `gloss serve` printed its help instead
    /// of running, as ParsableCommand's synchronous entry does for an async command.
    static func runAsRoot() async { await main(nil) }
}

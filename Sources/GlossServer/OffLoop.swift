import Dispatch

/// Work too long for the thread a request runs on: long reads (``SQLiteServerStore/readAside(_:)``)
/// and large decodes. Under `gloss serve` that thread is one of NIO's event loops, which also
/// serves the connections registered on it, so a large push's decode (tens of milliseconds)
/// would hold them all up; here it runs on a dispatch thread while the request waits.
enum OffLoop {
    /// Request bodies of at least this many bytes are decoded off the request's thread: a push
    /// of a hundred-odd changes, a few milliseconds of decoding at session 9's 32 µs a change. An
    /// everyday sync's push of a few changes stays on the loop and skips the two thread switches.
    static let minimumBytes = 64 * 1024

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private static let queue = DispatchQueue(label: "gloss.server.cpu", attributes: .concurrent)
}

import Dispatch

/// CPU work too long for the thread a request runs on. Under `gloss serve` that thread is one of
/// NIO's event loops, which also reads and writes every other connection it holds, so a large
/// push's decode (tens of milliseconds) would hold them all up; here it runs on a dispatch thread
/// while the request waits.
enum OffLoop {
    /// Request bodies of at least this many bytes are decoded off the request's thread (a push of
    /// about 100 changes; smaller ones cost less than the two thread switches).
    static let minimumBytes = 64 * 1024

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private static let queue = DispatchQueue(label: "gloss.server.cpu", attributes: .concurrent)
}

import Foundation

/// Runs blocking work (raw sockets, sleeping clients) on a thread of its own, so that it does not
/// hold one of the few threads of Swift's cooperative pool that the server under test needs
/// (two on a two-core machine: two blocked test clients would stall every in-process server).
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Ends the test process with `message` unless `finished()` is called within `seconds`: for
/// tests of deadlocks, which hold every thread of the cooperative pool, so that neither a time
/// limit nor the test itself can report them.
public final class DeadlockWatchdog: Sendable {
    private let done = DispatchSemaphore(value: 0)

    public init(seconds: Int, _ message: String) {
        let done = done
        Thread {
            if done.wait(timeout: .now() + .seconds(seconds)) == .timedOut {
                FileHandle.standardError.write(Data("DEADLOCK: \(message)\n".utf8))
                exit(70)
            }
        }.start()
    }

    public func finished() { done.signal() }
}

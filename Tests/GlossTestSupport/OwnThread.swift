import Foundation

/// Runs blocking work (raw sockets, sleeping clients) on a thread of its own, so that it does not
/// hold one of the few threads of Swift's cooperative pool that the server under test needs
/// (two on a two-core machine: two blocked test clients would stall every in-process server).
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

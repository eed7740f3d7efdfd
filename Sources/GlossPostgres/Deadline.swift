import NIOConcurrencyHelpers

/// Time limits for waits that must not hang a request or a shutdown.
enum Deadline {
    struct Exceeded: Error {}

    /// Runs `work` and returns its result, or throws ``Exceeded`` once `duration` has passed
    /// (the work is cancelled then, and left to finish on its own).
    static func run<T: Sendable>(within duration: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let settled = NIOLockedValueBox(false)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let worker = Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                if settled.withLockedValue({ done in defer { done = true }; return !done }) { continuation.resume(with: result) }
            }
            Task {
                try? await Task.sleep(for: duration)
                if settled.withLockedValue({ done in defer { done = true }; return !done }) {
                    worker.cancel()
                    continuation.resume(throwing: Exceeded())
                }
            }
        }
    }
}

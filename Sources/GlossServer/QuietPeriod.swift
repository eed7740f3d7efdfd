import Synchronization

/// Runs work once calls stop coming for a while: each ``schedule(_:)`` starts a wait of `quiet`,
/// and only the work of the latest call runs, when its wait ends without a newer call. What
/// `gloss serve` does once large pushes pause (``MemoryTrim``, ``LinkUpkeep``) waits here.
final class QuietPeriod: Sendable {
    private let calls = Mutex(0)
    private let quiet: Duration
    private let sleep: @Sendable (Duration) async throws -> Void

    /// `sleep` waits out the quiet period (tests pass one they end themselves).
    init(_ quiet: Duration, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.quiet = quiet
        self.sleep = sleep
    }

    func schedule(_ work: @escaping @Sendable () async -> Void) {
        let call = calls.withLock { count in
            count += 1
            return count
        }
        Task.detached(priority: .background) { [self] in
            try? await sleep(quiet)
            guard calls.withLock({ $0 }) == call else { return }
            await work()
        }
    }
}

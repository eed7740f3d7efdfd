import Synchronization

/// Runs work once calls stop coming for a while: each ``schedule(_:)`` starts a wait of `quiet`,
/// and only the work of the latest call runs, when its wait ends without a newer call. What
/// `gloss serve` does once large pushes pause (``MemoryTrim``, ``LinkUpkeep``) waits here.
final class QuietPeriod: Sendable {
    private let calls = Mutex(0)
    private let quiet: Duration

    init(_ quiet: Duration) {
        self.quiet = quiet
    }

    func schedule(_ work: @escaping @Sendable () async -> Void) {
        let call = calls.withLock { count in
            count += 1
            return count
        }
        Task.detached(priority: .background) { [self] in
            try? await Task.sleep(for: quiet)
            guard calls.withLock({ $0 }) == call else { return }
            await work()
        }
    }
}

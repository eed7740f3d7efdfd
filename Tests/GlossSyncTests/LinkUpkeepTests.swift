import Foundation
import Synchronization
import Testing
@testable import GlossServer
import GlossSync

/// The links a large push left behind are caught up in the background once pushes and pulls
/// pause: the pull that follows a large push (another machine's first sync) is bound by CPU on
/// two cores, and the catch-up would take one of them from it. The quiet periods here end when
/// the test says, so what is checked does not hang on how late a busy machine wakes a task.
@Suite struct LinkUpkeepTests {
    @Test func aPageServedWhileACatchUpWaitsPostponesIt() async throws {
        let sleeps = ManualSleeps()
        let catchUps = Mutex<[UserID]>([])
        let upkeep = LinkUpkeep(pause: QuietPeriod(.seconds(1), sleep: { _ in await sleeps.sleep() })) { user in
            catchUps.withLock { $0.append(user) }
        }
        let user = UserID(rawValue: "1")
        upkeep.pushLeftLinksBehind(user)
        try await sleeps.waitFor(1)
        upkeep.pullServed()
        // The page started a quiet period of its own: the push's ending no longer catches up.
        try await sleeps.waitFor(2)
        sleeps.wakeAll()
        try await until { catchUps.withLock { !$0.isEmpty } }
        #expect(catchUps.withLock { $0 } == [user], "one catch-up, once the last quiet period ended")

        // With nothing left behind, pages served start no quiet period.
        for _ in 0..<3 { upkeep.pullServed() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(sleeps.count == 2)
    }

    @Test func pagesServedWithNothingBehindCatchUpNothing() async throws {
        let sleeps = ManualSleeps()
        let catchUps = Mutex(0)
        let upkeep = LinkUpkeep(pause: QuietPeriod(.seconds(1), sleep: { _ in await sleeps.sleep() })) { _ in
            catchUps.withLock { $0 += 1 }
        }
        for _ in 0..<3 { upkeep.pullServed() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(sleeps.count == 0 && catchUps.withLock { $0 } == 0)
    }

    private func until(_ condition: () -> Bool) async throws {
        // Deadline far past any wait here: on two busy cores a task can be late by seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }
}

/// Quiet periods that end when the test wakes them.
private final class ManualSleeps: Sendable {
    private let state = Mutex<(started: Int, waiting: [CheckedContinuation<Void, Never>])>((0, []))

    var count: Int { state.withLock { $0.started } }

    func sleep() async {
        await withCheckedContinuation { continuation in
            state.withLock { $0.started += 1; $0.waiting.append(continuation) }
        }
    }

    func wakeAll() {
        let waiting = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Waits until `count` quiet periods have started (or a minute has passed).
    func waitFor(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while self.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(self.count >= count, "\(count) quiet periods started")
    }
}

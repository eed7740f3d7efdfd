import Foundation
import GlossServer
import Testing

/// The bell that wakes change feeds: a ring is never missed, it wakes only its user's feeds, and
/// a wait always ends (at its limit, or when its task is cancelled). "At once" is checked against
/// a limit of 120 s with a deadline of 60 s: with the whole suite running on two cores a task can
/// wait many seconds to be scheduled (CI saw more than 10 s), and the suite takes under a minute.
@Suite struct ChangeBellTests {
    let ana = UserID(rawValue: "ana"), ben = UserID(rawValue: "ben")

    /// A write that lands after a feed read the store but before it waits must not leave it
    /// sleeping until its next poll.
    @Test func aRingBetweenTheReadAndTheWaitIsNotMissed() async {
        let bell = ChangeBell()
        let seen = bell.rings(for: ana)
        bell.ring(for: ana)
        let start = ContinuousClock.now
        await bell.wait(for: ana, after: seen, atMost: .seconds(120))
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aRingWakesTheWaitingFeedsOfItsUserOnly() async throws {
        let bell = ChangeBell()
        let anaSeen = bell.rings(for: ana), benSeen = bell.rings(for: ben)
        let start = ContinuousClock.now
        let anaWoken = Task { await bell.wait(for: ana, after: anaSeen, atMost: .seconds(120)); return ContinuousClock.now - start }
        let benWoken = Task { await bell.wait(for: ben, after: benSeen, atMost: .milliseconds(500)); return ContinuousClock.now - start }
        try await Task.sleep(for: .milliseconds(50))
        bell.ring(for: ana)
        #expect(await anaWoken.value < .seconds(60))
        // Ben's feed was not woken by Ana's write: it waited out its own limit.
        #expect(await benWoken.value >= .milliseconds(500))
    }

    @Test func aCancelledWaitEndsAtOnce() async throws {
        let bell = ChangeBell()
        let seen = bell.rings(for: ana)
        let start = ContinuousClock.now
        let waiting = Task { await bell.wait(for: ana, after: seen, atMost: .seconds(120)); return ContinuousClock.now - start }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value < .seconds(60))
    }
}

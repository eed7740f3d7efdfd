import Foundation
import Synchronization
import Testing
@testable import GlossServer
import GlossSync

/// The links a large push left behind are caught up in the background once pushes and pulls
/// pause: the pull that follows a large push (another machine's first sync) is bound by CPU on
/// two cores, and the catch-up would take one of them from it.
@Suite struct LinkUpkeepTests {
    @Test func pullsPostponeACatchUpUntilTheyPause() async throws {
        let quiet = Duration.milliseconds(500)
        let catchUps = Mutex<[(user: UserID, at: ContinuousClock.Instant)]>([])
        let upkeep = LinkUpkeep(after: quiet) { user in catchUps.withLock { $0.append((user, .now)) } }
        let user = UserID(rawValue: "1")
        upkeep.pushLeftLinksBehind(user)
        var pulls: [ContinuousClock.Instant] = []
        // Pages served every 100 ms for a second, twice the quiet period.
        for _ in 0..<10 {
            try await Task.sleep(for: .milliseconds(100))
            upkeep.pullServed()
            pulls.append(.now)
        }
        // Deadline far past the pause: on two busy cores a sleeping task can be late by seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while catchUps.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let first = try #require(catchUps.withLock { $0.first }, "caught up once the pulls paused")
        #expect(first.user == user)
        // A whole quiet period after the last page served before it (less a little for the
        // instant taken after the call): without the postponing it came within 100 ms of one.
        let lastPull = try #require(pulls.last { $0 < first.at })
        #expect(first.at - lastPull >= quiet - .milliseconds(100), "the catch-up waited for the pulls to pause")

        // With nothing left behind, pages served schedule nothing more.
        for _ in 0..<3 { upkeep.pullServed() }
        try await Task.sleep(for: quiet * 3)
        #expect(catchUps.withLock { $0.count } == 1)
    }
}

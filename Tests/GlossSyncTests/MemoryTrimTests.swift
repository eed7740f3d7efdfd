import Foundation
import Synchronization
import Testing
@testable import GlossServer

/// The memory of large pushes goes back to the system once per pause, not once per push: a trim
/// after every push would make the next push fault its whole page cache in again.
@Suite struct MemoryTrimTests {
    @Test func aBurstOfLargePushesIsTrimmedOnceAfterItEnds() async throws {
        let trims = Mutex(0)
        let trim = MemoryTrim(after: .seconds(3)) { trims.withLock { $0 += 1 } }
        for _ in 0..<5 { trim.largeWriteEnded() }
        // Deadlines far past the pause: on two busy cores a sleeping task can be late by seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while trims.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(trims.withLock { $0 } == 1, "one trim once the burst ended")
        try await Task.sleep(for: .seconds(1))
        #expect(trims.withLock { $0 } == 1, "the earlier pushes' timers do not trim again")

        trim.largeWriteEnded()
        let second = ContinuousClock.now + .seconds(60)
        while trims.withLock({ $0 }) == 1, ContinuousClock.now < second { try await Task.sleep(for: .milliseconds(20)) }
        #expect(trims.withLock { $0 } == 2, "a push after the pause is trimmed after it")
    }
}

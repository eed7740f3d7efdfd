import Synchronization

/// Catches up the links (`entity_links`) that large pushes left behind once pushes and pulls
/// pause, so the first read by article or highlight after a sync seldom waits for it (about
/// 0.9 s after a first sync of 100,000 annotations, docs/performance.md, session 21). The read
/// still catches up whatever is left when it comes first: this only moves the work off a
/// reader's path.
final class LinkUpkeep: Sendable {
    /// Users whose links were left behind since the last catch-up here.
    private let behind = Mutex<Set<UserID>>([])
    /// Nil: never in the background.
    private let pause: QuietPeriod?
    private let catchUp: @Sendable (UserID) async throws -> Void

    init(pause: QuietPeriod?, catchUp: @escaping @Sendable (UserID) async throws -> Void) {
        self.pause = pause
        self.catchUp = catchUp
    }

    /// Called after a push that left the user's links behind; once no such push (and no pull)
    /// has come for the quiet period, catches up every user they were left behind for.
    func pushLeftLinksBehind(_ user: UserID) {
        guard pause != nil else { return }
        behind.withLock { _ = $0.insert(user) }
        scheduleCatchUp()
    }

    /// Called as a pull page is served: a catch-up still waiting waits for pulls to pause too.
    /// The pull that follows a large push (another machine's first sync) keeps both cores busy,
    /// and the catch-up, about 0.8 s of CPU at 100,000 annotations, would take one from it;
    /// a read by article in the meantime catches up by itself, so nothing waits longer for it.
    func pullServed() {
        guard pause != nil, behind.withLock({ !$0.isEmpty }) else { return }
        scheduleCatchUp()
    }

    private func scheduleCatchUp() {
        pause?.schedule { [self] in
            let users = behind.withLock { users in
                defer { users = [] }
                return users
            }
            // A failure here loses nothing: the next read by article catches up instead.
            for user in users { try? await catchUp(user) }
        }
    }
}

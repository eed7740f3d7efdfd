import Synchronization

/// Catches up the links (`entity_links`) that large pushes left behind once pushes pause, so the
/// first read by article or highlight after a sync seldom waits for it (about 0.9 s after a
/// first sync of 100,000 annotations, docs/performance.md, session 21). The read still catches
/// up whatever is left when it comes first: this only moves the work off a reader's path.
final class LinkUpkeep: Sendable {
    private struct Pending {
        var pushes = 0
        var users: Set<UserID> = []
    }

    private let pending = Mutex(Pending())
    /// How long pushes must pause before the catch-up; nil: never in the background.
    private let quiet: Duration?
    private let catchUp: @Sendable (UserID) async throws -> Void

    init(after quiet: Duration?, catchUp: @escaping @Sendable (UserID) async throws -> Void) {
        self.quiet = quiet
        self.catchUp = catchUp
    }

    /// Called after a push that left the user's links behind; once no such push has come for
    /// `quiet`, catches up every user they were left behind for.
    func pushLeftLinksBehind(_ user: UserID) {
        guard let quiet else { return }
        let count = pending.withLock { state in
            state.pushes += 1
            state.users.insert(user)
            return state.pushes
        }
        Task.detached(priority: .background) { [self] in
            try? await Task.sleep(for: quiet)
            let users = pending.withLock { state -> Set<UserID> in
                guard state.pushes == count else { return [] }
                defer { state.users = [] }
                return state.users
            }
            // A failure here loses nothing: the next read by article catches up instead.
            for user in users { try? await catchUp(user) }
        }
    }
}

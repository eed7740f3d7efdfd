import Hummingbird
import Synchronization

/// Wakes a user's open change feeds (`GET /v1/changes` as a stream) when this process has
/// written to their library, so a feed sends another machine's edit as soon as it is stored
/// rather than at its next poll. Feeds still poll, for writes made by other server processes
/// on the same database (docs/api.md, "The change feed").
///
/// Each user has a count of writes; a feed notes the count before it reads the store and then
/// waits for the count to move past it, so a write that lands between the read and the wait is
/// never missed.
public final class ChangeBell: Sendable {
    private struct Waiter {
        let user: UserID
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var rings: [UserID: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// How many times the user's bell has rung; pass it to ``wait(for:after:atMost:)``.
    public func rings(for user: UserID) -> UInt64 {
        state.withLock { $0.rings[user, default: 0] }
    }

    /// Wakes every feed of the user.
    public func ring(for user: UserID) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.rings[user, default: 0] &+= 1
            let keys = state.waiters.filter { $0.value.user == user }.map(\.key)
            return keys.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the user's bell has rung more than `seen` times, after `limit`, or when the
    /// task is cancelled, whichever comes first.
    public func wait(for user: UserID, after seen: UInt64, atMost limit: Duration) async {
        let key = state.withLock { state -> UInt64 in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let registered = state.withLock { state -> Bool in
                    guard state.rings[user, default: 0] == seen, !Task.isCancelled else { return false }
                    state.waiters[key] = Waiter(user: user, continuation: continuation)
                    return true
                }
                guard registered else { return continuation.resume() }
                Task { [weak self] in
                    try? await Task.sleep(for: limit)
                    self?.wake(key)
                }
            }
        } onCancel: {
            wake(key)
        }
    }

    /// Resumes one waiter if it is still waiting (each is resumed exactly once).
    private func wake(_ key: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: key) }?.continuation.resume()
    }
}

/// Rings the user's ``ChangeBell`` after every request of theirs that may have written: any
/// method but GET, HEAD and OPTIONS that was answered with a 2xx.
struct RingTheBellMiddleware: RouterMiddleware {
    typealias Context = GlossRequestContext
    let bell: ChangeBell

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        if ![.get, .head, .options].contains(request.method), (200..<300).contains(response.status.code), let user = context.user {
            bell.ring(for: user)
        }
        return response
    }
}

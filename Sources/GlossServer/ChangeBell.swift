import Hummingbird
import Synchronization

/// Wakes a user's open change feeds (`GET /v1/changes` as a stream) when this process has
/// written to their library, so a feed sends another machine's edit as soon as it is stored
/// rather than at its next poll. Feeds still poll, for writes made by other server processes
/// on the same database (docs/api.md, `changes?since=`; docs/architecture.md).
///
/// Each user has a count of writes; a feed notes the count before it reads the store and then
/// waits for the count to move past it, so a write that lands between the read and the wait is
/// never missed.
public final class ChangeBell: Sendable {
    private struct State {
        var rings: [UserID: UInt64] = [:]
        /// The feeds waiting, by user, each under a key of its own.
        var waiting: [UserID: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextKey: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// How many times the user's bell has rung; pass it to ``wait(for:after:atMost:)``.
    public func rings(for user: UserID) -> UInt64 {
        state.withLock { $0.rings[user, default: 0] }
    }

    /// Wakes every feed of the user.
    public func ring(for user: UserID) {
        let woken = state.withLock { state in
            state.rings[user, default: 0] &+= 1
            return state.waiting.removeValue(forKey: user).map { Array($0.values) } ?? []
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the user's bell has rung more than `seen` times, after `limit`, or when the
    /// task is cancelled, whichever comes first.
    public func wait(for user: UserID, after seen: UInt64, atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.ringOrCancel(for: user, after: seen) }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns once the user's bell has rung more than `seen` times, or when the task is cancelled.
    private func ringOrCancel(for user: UserID, after seen: UInt64) async {
        let key = state.withLock { state in
            defer { state.nextKey &+= 1 }
            return state.nextKey
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let registered = state.withLock { state in
                    guard state.rings[user, default: 0] == seen, !Task.isCancelled else { return false }
                    state.waiting[user, default: [:]][key] = continuation
                    return true
                }
                if !registered { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                let continuation = state.waiting[user]?.removeValue(forKey: key)
                if state.waiting[user]?.isEmpty == true { state.waiting[user] = nil }
                return continuation
            }
            continuation?.resume()
        }
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

import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Back-pressure: at most `limit` requests are served at once; one more is answered at once
/// with 503, a `Retry-After` and a JSON error, rather than queued until clients time out or the
/// server runs out of memory. `gloss sync` waits as told and tries again (docs/operations.md).
struct ConcurrencyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int
    let retryAfterSeconds: Int
    private let inFlight = InFlightCount()

    init(limit: Int, retryAfterSeconds: Int = 1) {
        self.limit = limit
        self.retryAfterSeconds = retryAfterSeconds
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard inFlight.enter(limit: limit) else {
            var error = APIError(.serviceUnavailable, "busy", "The server is serving as many requests as it can; try again in \(retryAfterSeconds) s.")
            error.headers[.retryAfter] = String(retryAfterSeconds)
            // The request body is not read; closing the connection keeps it from being taken for
            // the next request, and frees the connection for someone else.
            error.headers[.connection] = "close"
            throw error
        }
        defer { inFlight.leave() }
        return try await next(request, context)
    }
}

/// How many of something are under way, up to a limit (requests; exports).
final class InFlightCount: Sendable {
    private let value = Mutex(0)
    func enter(limit: Int) -> Bool {
        value.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }
    func leave() { value.withLock { $0 -= 1 } }
}

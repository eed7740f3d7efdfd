import Hummingbird
import Logging

/// The per-request context: Hummingbird's core storage plus the authenticated user.
public struct GlossRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware`` on every route that needs a token.
    public var user: UserID?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
    }

    /// The authenticated user; routes behind ``AuthMiddleware`` always have one.
    func requireUser() throws -> UserID {
        guard let user else { throw APIError.unauthorized }
        return user
    }
}

/// Requires `Authorization: Bearer TOKEN` naming a live token, and records its user.
struct AuthMiddleware<Store: ServerStore>: RouterMiddleware {
    typealias Context = GlossRequestContext
    let store: Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { throw APIError.unauthorized }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard token.count <= 256, let user = try await store.authenticate(token: token) else { throw APIError.unauthorized }
        var context = context
        context.user = user
        context.logger[metadataKey: "user"] = "\(user.rawValue)"
        return try await next(request, context)
    }
}

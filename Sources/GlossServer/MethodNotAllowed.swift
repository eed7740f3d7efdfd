import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` when a path exists but not for the request's method (the router alone
/// says 404). Added after every route, so it wraps only the router's not-found answer.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path as segments (`nil` for a parameter, `{id}` or `:id`) and the methods it takes.
    let routes: [(segments: [String?], methods: [String])]

    init(routes: [Router<Context>.RouteDescription]) {
        var methods: [String: (segments: [String?], methods: [String])] = [:]
        for route in routes {
            let path = route.path.description
            let segments = path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? nil : String($0) }
            methods[path, default: (segments, [])].methods.append(route.method.rawValue)
        }
        self.routes = methods.values.map { ($0.segments, $0.methods.sorted()) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path.split(separator: "/")
            let allowed = routes.filter { route in
                route.segments.count == path.count && zip(route.segments, path).allSatisfy { $0 == nil || $0! == $1 }
            }.flatMap(\.methods).sorted()
            guard !allowed.isEmpty else { throw error }
            var refusal = APIError(.methodNotAllowed, "method_not_allowed",
                                   "\(request.method.rawValue.prefix(20)) is not allowed here; \(request.uri.path.prefix(80)) takes \(allowed.joined(separator: ", ")).")
            refusal.headers[.allow] = allowed.joined(separator: ", ")
            throw refusal
        }
    }
}

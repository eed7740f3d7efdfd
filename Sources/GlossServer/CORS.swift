import HTTPTypes
import Hummingbird

/// Cross-origin requests from the browser origins the operator names (`--cors-origin`, none by
/// default): preflights are answered, and answers carry the headers a browser client reads.
/// Hummingbird's own CORSMiddleware takes a fixed list of origins only as variadic arguments,
/// so a configured list needs this small one.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>

    static var allowedHeaders: String { "Authorization, Content-Type, If-Match, Accept" }
    static var exposedHeaders: String { "ETag, Location, Gloss-Merge, Retry-After" }
    static var allowedMethods: String { "GET, POST, PATCH, DELETE, OPTIONS" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else { return try await next(request, context) }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: origin, .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders, .accessControlMaxAge: "600", .vary: "Origin",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }
}

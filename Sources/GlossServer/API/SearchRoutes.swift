import Foundation
import GlossModel
import Hummingbird
import NIOCore

/// `GET /v1/search?q=`: the same full-text search as `gloss search`, with snippets.
struct SearchRoutes<Store: ServerStore> {
    let store: Store

    func add(to group: RouterGroup<GlossRequestContext>) {
        group.get("search", use: search)
    }

    @Sendable func search(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parameters = request.uri.queryParameters
        let query = (parameters.get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw APIError.badRequest("Give some words to search for in q.") }
        guard query.count <= 1000 else { throw APIError.badRequest("q is at most 1,000 characters.") }
        var limit = 20
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...100).contains(value) else { throw APIError.badRequest("limit is a number from 1 to 100.") }
            limit = value
        }
        let open = parameters.get("open") ?? "[", close = parameters.get("close") ?? "]"
        guard open.count <= 20, close.count <= 20 else { throw APIError.badRequest("open and close are at most 20 characters.") }
        let hits = try await store.search(user: user, query, limit: limit, marks: (open, close))
        var writer = JSONWriter(capacity: 256 * hits.count + 32)
        writer.beginObject()
        writer.key("items")
        writer.beginArray()
        for hit in hits { hit.write(to: &writer) }
        writer.endArray()
        writer.endObject()
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.takeBytes())))
    }
}

import Foundation
import GlossModel
import GlossSync
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// `POST /v1/sync/push` and `GET /v1/sync/pull` (docs/sync-protocol.md).
struct SyncController<Store: ServerStore> {
    let store: Store
    let maximumBodyBytes: Int
    /// The longest a client may take to send a request body (a slow trickle holds a request slot).
    let bodyTimeout: Duration

    func addRoutes(to group: RouterGroup<GlossRequestContext>) {
        group.post("push", use: push)
        group.get("pull", use: pull)
    }

    @Sendable func push(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBodyBytes {
            throw APIError(.contentTooLarge, "too_large", "The request body is larger than \(maximumBodyBytes) bytes.")
        }
        let received = ContinuousClock.now
        let body = try await request.collectBody(upTo: maximumBodyBytes, within: bodyTimeout)
        let collected = ContinuousClock.now
        let push: PushRequest
        do {
            let bytes = Data(buffer: body)
            push = bytes.count < OffLoop.minimumBytes ? try PushRequest.decode(bytes) : try await OffLoop.run { try PushRequest.decode(bytes) }
        } catch {
            throw APIError.badRequest("The body is not a push request: \(Self.describe(error))")
        }
        guard push.changes.count <= PushRequest.maximumChanges else {
            throw APIError(.contentTooLarge, "too_many_changes", ServerError.tooManyChanges(push.changes.count).description)
        }
        let decoded = ContinuousClock.now
        let response = try await store.push(user: user, push)
        let applied = ContinuousClock.now
        SyncMetrics.record(response.results, source: "sync")
        let counts = Dictionary(grouping: response.results, by: \.outcome).mapValues(\.count)
        let answer = JSONResponse.make(json: JSONWriter.encode(response))
        func ms(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> String {
            let d = (to - from).components
            return String(format: "%.1f", Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15)
        }
        // Where a push's time went (receiving the body, decoding it, the store, the answer), for operators.
        context.logger.info("push", metadata: [
            "device": "\(push.device)", "changes": "\(push.changes.count)", "version": "\(response.version)",
            "outcomes": "\(counts.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ","))",
            "ms": "body=\(ms(received, collected)) decode=\(ms(collected, decoded)) store=\(ms(decoded, applied)) answer=\(ms(applied, ContinuousClock.now))",
        ])
        return answer
    }

    @Sendable func pull(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        var limit = PullResponse.defaultLimit
        if let text = query.get("limit") {
            guard let value = Int(text), value >= 1, value <= PullResponse.maximumLimit else {
                throw APIError.badRequest("limit is a number from 1 to \(PullResponse.maximumLimit).")
            }
            limit = value
        }
        var cursor = SyncCursor.start
        if let text = query.get("cursor") {
            guard let parsed = SyncCursor(text) else { throw APIError(.badRequest, "bad_cursor", ServerError.badCursor.description) }
            cursor = parsed
        }
        let page = try await store.pullJSON(user: user, after: cursor, limit: limit)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: page))
        )
    }

    /// A short, safe description of a decoding error: where and what, no internals.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "malformed JSON." }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the body" : String(p.drop { $0 == "." })
        }
        switch error {
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "malformed JSON." : "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "\(path(c)) lacks \"\(key.stringValue)\"."
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)) has the wrong type."
        @unknown default: return "malformed JSON."
        }
    }
}

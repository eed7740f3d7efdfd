import Foundation
import GlossModel
import GlossSync
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /v1/changes?since=CURSOR`: the change feed. As JSON, one page in the shape of a sync pull
/// (`changes`, `records`, `cursor`, `hasMore`). With `Accept: text/event-stream` it stays open
/// and sends each new page as a server-sent event whose `id` is the cursor after it, so a
/// reconnecting client resumes with `Last-Event-ID`. A write through this process wakes the
/// stream at once (``ChangeBell``); it also polls the store (every `pollInterval`), so changes
/// written through any other process on the same database arrive too.
struct ChangeRoutes<Store: ServerStore> {
    let store: Store
    let bell: ChangeBell
    let pollInterval: Duration
    static var keepAliveInterval: Duration { .seconds(15) }

    func add(to group: RouterGroup<GlossRequestContext>) {
        group.get("changes", use: feed)
    }

    @Sendable func feed(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var cursor = SyncCursor.start
        if let text = request.uri.queryParameters.get("since") ?? request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let parsed = SyncCursor(text) else { throw APIError(.badRequest, "bad_cursor", ServerError.badCursor.description) }
            cursor = parsed
        }
        var limit = PullResponse.defaultLimit
        if let text = request.uri.queryParameters.get("limit") {
            guard let value = Int(text), value >= 1, value <= PullResponse.maximumLimit else {
                throw APIError.badRequest("limit is a number from 1 to \(PullResponse.maximumLimit).")
            }
            limit = value
        }
        guard request.headers[.accept]?.contains("text/event-stream") == true else {
            let page = try await store.pullJSON(user: user, after: cursor, limit: limit)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: page)))
        }
        let store = store, bell = bell, pollInterval = pollInterval, start = cursor, pageLimit = limit
        let body = ResponseBody { writer in
            var cursor = start
            var lastWrite = ContinuousClock.now
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let rings = bell.rings(for: user)
                let page = try await store.pull(user: user, after: cursor, limit: pageLimit)
                if page.changes.isEmpty {
                    if ContinuousClock.now - lastWrite > Self.keepAliveInterval {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                    // A server stopping ends the wait, so the stream closes with it.
                    await withGracefulShutdownHandler {
                        await bell.wait(for: user, after: rings, atMost: pollInterval)
                    } onGracefulShutdown: {
                        bell.ring(for: user)
                    }
                    continue
                }
                let data = String(decoding: page.encoded(), as: UTF8.self)
                try await writer.write(ByteBuffer(string: "event: changes\nid: \(page.cursor)\ndata: \(data)\n\n"))
                lastWrite = .now
                cursor = SyncCursor(page.cursor) ?? cursor
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

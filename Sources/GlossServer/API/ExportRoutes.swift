import Foundation
import GlossInterchange
import GlossModel
import Hummingbird
import NIOCore

/// `GET /v1/export?format=json|w3c|markdown|csv[&includeDeleted=true]`: the whole library in one
/// of the open formats of `gloss export` (docs/formats.md), streamed from one snapshot.
struct ExportRoutes<Store: ServerStore> {
    let store: Store
    /// Exports at once per server; one more is answered 503 with `Retry-After`. An export reads
    /// the whole library, so a few are enough and requests keep the rest of the machine.
    let slots = ExportSlots(limit: 2)

    enum Format: String, CaseIterable {
        case json, w3c, markdown, csv

        var contentType: String {
            switch self {
            case .json: "application/json; charset=utf-8"
            case .w3c: "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\""
            case .markdown: "text/markdown; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            }
        }

        var fileName: String {
            switch self {
            case .json: "gloss-library.json"
            case .w3c: "gloss-library.jsonld"
            case .markdown: "gloss-library.md"
            case .csv: "gloss-library.csv"
            }
        }

        func write(_ source: some AnnotationSource, scope: ExportScope, to sink: ExportSink) throws {
            switch self {
            case .json: try GlossJSON.export(source, scope: scope, to: sink)
            case .w3c: try W3C.export(source, scope: scope, to: sink)
            case .markdown: try MarkdownExport.document(source, scope: scope, to: sink)
            case .csv: try ReadwiseCSV.export(source, scope: scope, to: sink)
            }
        }
    }

    func add(to group: RouterGroup<GlossRequestContext>) {
        group.get("export", use: export)
    }

    @Sendable func export(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parameters = request.uri.queryParameters
        let choices = Format.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = parameters.get("format") else { throw APIError.badRequest("Choose a format: \(choices).") }
        guard let format = Format(rawValue: name) else { throw APIError.badRequest("Unknown format \"\(name)\"; choose \(choices).") }
        var scope = ExportScope()
        if let value = parameters.get("includeDeleted") {
            guard let flag = Bool(value) else { throw APIError.badRequest("includeDeleted is true or false.") }
            scope.includeDeleted = flag
        }
        guard let slot = slots.take() else {
            var error = APIError(.serviceUnavailable, "busy", "The server is writing as many exports as it can; try again in 5 s.")
            error.headers[.retryAfter] = "5"
            throw error
        }
        let store = self.store, chosen = scope
        let body = ResponseBody { writer in
            // The slot is held until the answer is written (or abandoned).
            _ = slot
            let pipe = ExportPipe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await store.export(user: user) { source in
                            try format.write(source, scope: chosen, to: ExportSink(flushSize: 1 << 16, output: pipe.send))
                        }
                        pipe.finish(nil)
                    } catch {
                        pipe.finish(error)
                        throw error
                    }
                }
                do {
                    for try await piece in pipe.pieces {
                        try await writer.write(ByteBuffer(bytes: piece))
                        pipe.sent()
                    }
                } catch {
                    pipe.cancel()
                    throw error
                }
                try await group.waitForAll()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: format.contentType, .contentDisposition: "attachment; filename=\"\(format.fileName)\""],
            body: body
        )
    }
}

/// How many exports run at once. A slot is given back when the answer that holds it is gone.
final class ExportSlots: Sendable {
    private let counter = InFlightCount()
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func take() -> Slot? { counter.enter(limit: limit) ? Slot(counter: counter) : nil }

    final class Slot: Sendable {
        let counter: InFlightCount
        init(counter: InFlightCount) { self.counter = counter }
        deinit { counter.leave() }
    }
}

/// Carries an export from the thread that reads the snapshot to the answer, a few pieces at a
/// time: the reader waits while `capacity` pieces are unsent, so a slow client slows the export
/// instead of filling the server's memory, and a client that goes away ends it.
final class ExportPipe: @unchecked Sendable {
    let pieces: AsyncThrowingStream<[UInt8], any Error>
    private let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    private let condition = NSCondition()
    private let capacity: Int
    // Guarded by `condition`.
    private var unsent = 0
    private var cancelled = false

    init(capacity: Int = 4) {
        self.capacity = capacity
        (pieces, continuation) = AsyncThrowingStream.makeStream()
    }

    /// The reader's side: hands on one piece, waiting while the pipe is full.
    func send(_ piece: [UInt8]) throws {
        condition.lock()
        defer { condition.unlock() }
        while unsent >= capacity && !cancelled { condition.wait() }
        if cancelled { throw CancellationError() }
        unsent += 1
        continuation.yield(piece)
    }

    /// The answer's side: one piece is written.
    func sent() {
        condition.lock()
        unsent -= 1
        condition.signal()
        condition.unlock()
    }

    /// The answer's side: nobody reads any more; the reader stops at its next piece.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func finish(_ error: (any Error)?) { continuation.finish(throwing: error) }
}

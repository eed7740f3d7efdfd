import Foundation
import GRDB
import GlossModel
import GlossSync
import HTTPTypes
import Hummingbird
import NIOCore

/// An error a client may see: an HTTP status, a stable `code` and a one-sentence `message`,
/// answered as the JSON body `{"code": ..., "message": ...}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]
    /// For an ambiguous quote: the places it occurs, so a client can offer a choice.
    public var candidates: [TextSelector]? = nil

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(ErrorBodyFor(code: code, message: message, candidates: candidates), status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    static let unauthorized = APIError(.unauthorized, "unauthorized", "A valid API token is required (Authorization: Bearer TOKEN).")
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
}

struct ErrorBodyFor: Encodable {
    var code: String
    var message: String
    var candidates: [TextSelector]? = nil

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(candidates, forKey: .candidates)
    }

    enum CodingKeys: String, CodingKey { case code, message, candidates }
}

/// JSON answers in the canonical encoding.
enum JSONResponse {
    /// An answer already encoded as JSON.
    static func make(json: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? CanonicalJSON.encode(value)) ?? Data("{\"code\":\"internal\",\"message\":\"The answer could not be encoded.\"}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// Turns every error into a JSON answer: API errors as they are, too-large bodies into 413,
/// unknown routes into 404, and anything else into a logged 500 with no detail leaked.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try APIError(.contentTooLarge, "too_large", "The request body is larger than this server accepts.").response(from: request, context: context)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.status == .notFound ? "There is no such route: \(request.method) \(request.uri.path)." : (error.body ?? error.status.reasonPhrase)
            return try APIError(error.status, code, message).response(from: request, context: context)
        } catch ServerError.unavailable(let message) {
            var unavailable = APIError(.serviceUnavailable, "unavailable", message)
            unavailable.headers[.retryAfter] = "5"
            return try unavailable.response(from: request, context: context)
        } catch let error as PushOutOfOrder {
            // A batch sent ahead of one not yet committed: nothing was written; the client sends it again.
            return try APIError(.conflict, "out_of_order", error.description).response(from: request, context: context)
        } catch let error as ServerError {
            return try APIError(.badRequest, "bad_request", error.description).response(from: request, context: context)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            // The server's disk is full: nothing of this request was stored (one transaction);
            // the client keeps its changes and tries again later.
            context.logger.critical("the server's disk is full", metadata: ["error": "\(error)"])
            var full = APIError(.serviceUnavailable, "storage_full", "The server's disk is full; nothing of this request was stored. Try again later.")
            full.headers[.retryAfter] = "60"
            return try full.response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try APIError(.internalServerError, "internal", "The server failed; the request was not applied.").response(from: request, context: context)
        }
    }
}

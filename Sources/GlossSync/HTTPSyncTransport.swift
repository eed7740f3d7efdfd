import AsyncHTTPClient
import Foundation
import GlossModel
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// The sync protocol over HTTP with AsyncHTTPClient (docs/sync-protocol.md).
///
/// It owns an `HTTPClient` that does not retry failed connection attempts, so a server that is
/// down is reported at once rather than after the whole timeout; call ``shutdown()`` when done.
public final class HTTPSyncTransport: SyncTransport {
    public let server: String
    let token: String
    let timeout: TimeAmount
    let client: HTTPClient
    /// The most bytes of an answer it reads.
    public static let maximumResponseBytes = 256 * 1024 * 1024
    /// How often a request answered 503 (server busy) is tried again, waiting `Retry-After`
    /// seconds (at most ``maximumRetryDelay``) each time. Sync requests are safe to repeat.
    public let busyRetries: Int
    public static let maximumRetryDelay = 30

    /// - Parameter server: the base URL, such as `http://127.0.0.1:8080`.
    public init(server: String, token: String, timeout: TimeAmount = .seconds(60), busyRetries: Int = 5) throws {
        self.busyRetries = busyRetries
        guard let url = URL(string: server), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw SyncError.protocolViolation("\(server) is not an http:// or https:// URL")
        }
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        self.timeout = timeout
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10), read: timeout)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func push(_ request: PushRequest) async throws -> PushResponse {
        try await push(body: JSONWriter.encode(request))
    }

    /// Sends the entries' stored JSON as it is, spliced into the push body.
    public func push(device: DeviceID, changes: [OutgoingChange], afterPush: Int64?) async throws -> PushResponse {
        try await push(body: Data(PushRequest.encode(device: device, changes: changes, afterPush: afterPush)))
    }

    private func push(body: Data) async throws -> PushResponse {
        let data: Data
        do {
            data = try await send(method: .POST, path: "/v1/sync/push", body: body)
        } catch SyncError.server(409, "out_of_order", let message) {
            throw PushOutOfOrder(message: message)
        }
        return try answer(data, path: "/v1/sync/push", decode: PushResponse.decode)
    }

    public func pull(cursor: String?, limit: Int) async throws -> PullResponse {
        var path = "/v1/sync/pull?limit=\(limit)"
        if let cursor { path += "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? cursor)" }
        let data = try await send(method: .GET, path: path, body: nil)
        return try answer(data, path: "/v1/sync/pull", decode: PullResponse.decode)
    }

    /// A short reason for a connection failure.
    static func plain(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("Connection refused") { return "connection refused" }
        if text.contains("getaddrinfo") || text.contains("NXDOMAIN") || text.contains("Name or service not known") { return "unknown host" }
        if text.contains("Connection reset") { return "connection reset" }
        return text
    }

    /// Decodes a successful answer; anything else is not this protocol.
    func answer<T>(_ data: Data, path: String, decode: (Data) throws -> T) throws -> T {
        do {
            return try decode(data)
        } catch {
            throw SyncError.protocolViolation("the answer to \(path) is not the expected JSON")
        }
    }

    /// Sends a request and returns the body of a 2xx answer; other answers become ``SyncError``s.
    /// A 503 with `Retry-After` (the server's back-pressure) is waited out and tried again.
    func send(method: HTTPMethod, path: String, body: Data?) async throws -> Data {
        var attempt = 0
        while true {
            do {
                return try await sendOnce(method: method, path: path, body: body)
            } catch let busy as Busy {
                attempt += 1
                guard attempt <= busyRetries else { throw busy.error }
                try await Task.sleep(for: .seconds(min(busy.retryAfter, Self.maximumRetryDelay)))
            }
        }
    }

    /// A 503 answer with the wait the server asked for.
    struct Busy: Error {
        var retryAfter: Int
        var error: SyncError
    }

    func sendOnce(method: HTTPMethod, path: String, body: Data?) async throws -> Data {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw SyncError.timedOut(server)
        } catch let error as HTTPClientError {
            throw SyncError.unreachable(server, detail: Self.plain(error))
        } catch let error as NIOConnectionError {
            throw SyncError.unreachable(server, detail: "connection refused or host unknown: \(error.host):\(error.port)")
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError.unreachable(server, detail: Self.plain(error))
        }
        let data = Data(buffer: bytes)
        guard (200..<300).contains(response.status.code) else {
            if response.status == .unauthorized { throw SyncError.unauthorized }
            if let error = try? JSONDecoder().decode(ErrorBody.self, from: data) {
                let failure = SyncError.server(status: Int(response.status.code), code: error.code, message: error.message)
                // Busy (back-pressure) or unavailable (its database restarting): both ask to come
                // back, and every sync request is safe to repeat.
                if response.status == .serviceUnavailable, ["busy", "unavailable"].contains(error.code), let wait = response.headers.first(name: "Retry-After").flatMap({ Int($0) }), wait >= 0 {
                    throw Busy(retryAfter: wait, error: failure)
                }
                throw failure
            }
            throw SyncError.protocolViolation("HTTP \(response.status.code) without a gloss error body")
        }
        return data
    }
}

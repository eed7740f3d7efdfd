import Foundation
import Testing
import GlossServer
import Hummingbird
import HummingbirdTesting
import Logging
import GlossTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A client that trickles its request body (a slowloris on the body) is answered 408 once the
/// body timeout passes, instead of holding a request slot for as long as it likes.
@Suite struct SlowBodyTests {
    @Test func aTrickledBodyGets408AfterTheBodyTimeout() async throws {
        let fixture = try await ServerFixture("slow")
        defer { withExtendedLifetime(fixture) {} }
        let (store, token) = (fixture.store, fixture.token)
        var configuration = ServerConfiguration()
        configuration.bodyTimeout = .seconds(1)
        let app = Application(router: buildRouter(store: store, configuration: configuration), logger: .quiet)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let answer = try await onOwnThread { try Self.trickle(port: port, token: token) }
            #expect(answer.status == 408, "answered: \(answer.text.prefix(200))")
            #expect(answer.text.contains("\"code\":\"timeout\""))
            #expect(answer.seconds >= 0.9 && answer.seconds < 30, "after \(answer.seconds) s")
        }
    }

    /// Sends headers promising 10,000 bytes, then one byte every 200 ms (for at most 30 s, far short
    /// of the 2,000 s the whole body would take), and reads the answer.
    static func trickle(port: Int, token: String) throws -> (status: Int, text: String, seconds: Double) {
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head = "POST /v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"
        _ = head.withCString { send(fd, $0, strlen($0), 0) }
        let start = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < 30 {
            _ = send(fd, " ", 1, Int32(MSG_NOSIGNAL))
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { received += buffer[0..<count] }
            if count == 0 || (received.count > 12 && String(decoding: received, as: UTF8.self).contains("}")) { break }
        }
        let text = String(decoding: received, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, text, Date().timeIntervalSince(start))
    }
}

@Suite struct IdleConnectionTests {
    /// A client that sends half its headers and stops (slowloris) is disconnected after the
    /// idle timeout.
    @Test func halfSentHeadersAreClosedAfterTheIdleTimeout() async throws {
        let fixture = try await ServerFixture("idle")
        defer { withExtendedLifetime(fixture) {} }
        var configuration = ServerConfiguration()
        configuration.idleTimeout = .seconds(1)
        let app = buildApplication(store: fixture.store, configuration: configuration, logger: .quiet)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let closedAfter = try await onOwnThread { try Self.halfHeaders(port: port) }
            #expect(closedAfter != nil, "the connection stayed open")
            #expect((closedAfter ?? 0) >= 0.9, "closed after \(closedAfter ?? 0) s, before the timeout")
        }
    }

    /// Seconds until the server closed the connection, or nil if it stayed open for 20 s.
    static func halfHeaders(port: Int) throws -> Double? {
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n".withCString { send(fd, $0, strlen($0), 0) }
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 512)
        while Date().timeIntervalSince(start) < 20 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return count == 0 || errno == ECONNRESET ? Date().timeIntervalSince(start) : nil }
        }
        return nil
    }
}

/// A raw TCP connection to 127.0.0.1:`port`, for clients that misbehave on purpose.
func connectLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw CocoaError(.fileReadUnknown)
    }
    return fd
}

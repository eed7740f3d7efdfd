import AsyncHTTPClient
import Foundation
import GlossStore
import GlossSync
import NIOCore

/// The change feed's latency: with one `GET /v1/changes` stream open (`Accept: text/event-stream`,
/// from the end of the feed), `edits` note updates are sent one at a time with `PATCH`; each is
/// timed from sending it to the event that carries it (which may come before the PATCH's own
/// answer: the feed is woken as the edit is stored). Milliseconds, in order.
func feedLatency(_ server: BenchServer, transport: HTTPSyncTransport, library: Library, notes: [String], edits: Int) async throws -> [Double] {
    // The feed's end: a push's version, as a cursor (docs/sync-protocol.md: base64url of version.seq).
    _ = try library.addNote(body: "Where the feed benchmark starts")
    let marker = try await transport.push(PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 10)))
    let since = SyncCursor(version: marker.version, seq: Int64.max)
    let client = HTTPClient.shared
    var open = HTTPClientRequest(url: "\(server.url)/v1/changes?since=\(since)")
    open.headers.add(name: "Authorization", value: "Bearer \(server.token)")
    open.headers.add(name: "Accept", value: "text/event-stream")
    let stream = try await client.execute(open, timeout: .seconds(600))
    guard stream.status == .ok else { throw BenchError("the change feed answered \(stream.status.code)") }
    var events = stream.body.makeAsyncIterator()
    var received = ""
    var delays: [Double] = []
    for n in 0..<edits {
        let probe = "Feed probe \(n) \(UUID().uuidString)"
        var edit = HTTPClientRequest(url: "\(server.url)/v1/notes/\(notes[n % notes.count])")
        edit.method = .PATCH
        edit.headers.add(name: "Authorization", value: "Bearer \(server.token)")
        edit.headers.add(name: "Content-Type", value: "application/json")
        edit.body = .bytes(ByteBuffer(string: #"{"body": "\#(probe)"}"#))
        let sent = DispatchTime.now()
        let answer = try await client.execute(edit, timeout: .seconds(60))
        guard answer.status == .ok else { throw BenchError("PATCH answered \(answer.status.code)") }
        _ = try await answer.body.collect(upTo: 1 << 20)
        while !received.contains(probe) {
            guard let chunk = try await events.next() else { throw BenchError("the change feed ended") }
            received += String(buffer: chunk)
        }
        delays.append(seconds(sent) * 1000)
        received = ""
    }
    return delays
}

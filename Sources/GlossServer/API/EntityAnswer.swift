import Foundation
import GlossModel
import GlossSync
import HTTPTypes
import Hummingbird
import NIOCore

/// How the HTTP API answers with one entity: its canonical JSON, an `ETag` naming its version, and
/// for a create, 201 with `Location`.
enum EntityAnswer {
    static func make(_ record: EntityRecord, status: HTTPResponse.Status = .ok, location: String? = nil, outcome: PushOutcome? = nil) throws -> Response {
        let data: Data
        switch record.kind {
        case .article: data = JSONWriter.encode(try entity(Article(record: record)))
        case .highlight: data = JSONWriter.encode(try entity(Highlight(record: record)))
        case .note: data = JSONWriter.encode(try entity(Note(record: record)))
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .eTag: Version(record).etag]
        if let location { headers[.location] = location }
        if let outcome { headers[Version.outcomeHeader] = outcome.rawValue }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func entity<T>(_ value: T?) throws -> T {
        guard let value else { throw APIError(.internalServerError, "internal", "A stored record could not be read.") }
        return value
    }

    /// 404 for an ID that is not an entity of this kind in the caller's library (another user's IDs included).
    static func notFound(_ kind: EntityKind, _ id: String) -> APIError {
        APIError(.notFound, "not_found", "There is no \(kind.rawValue) \(id.prefix(40)) in this library.")
    }
}

/// An entity's version as an `ETag`: the stamp of its latest write, and for a note the stamp of its
/// body, which a later `If-Match` hands back so an edit made on an old version merges against it.
struct Version: Equatable {
    static let outcomeHeader = HTTPField.Name("Gloss-Merge")!

    var latest: String
    var body: String?

    init(_ record: EntityRecord) {
        latest = record.latestStamp?.description ?? ""
        body = record.kind == .note ? record.stamps["body"]?.description : nil
    }

    init?(etag: String) {
        var text = Substring(etag.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return nil }
        let digits = text.dropFirst().dropLast()
        guard digits.utf8.count <= 1024, let bytes = Base64URL.decode(digits),
              case .array(let parts)? = try? JSONParser.parse(Data(bytes)), parts.count == 2, let latest = parts[0].stringValue else { return nil }
        self.latest = latest
        body = parts[1].stringValue
    }

    var etag: String {
        let json = (try? CanonicalJSON.string([latest, body ?? ""])) ?? "[]"
        return "\"\(Base64URL.encode(json.utf8))\""
    }
}

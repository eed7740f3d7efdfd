import Foundation
import GlossModel
import Hummingbird
import NIOCore

/// Paging of the HTTP API's lists: `limit` (1 to 500, default 100) and an opaque `cursor` that the
/// previous page handed out as `next`.
struct Listing {
    static let defaultLimit = 100
    static let maximumLimit = 500

    var limit: Int
    /// The last ID of the previous page.
    var after: String?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        limit = Self.defaultLimit
        if let text = query.get("limit") {
            guard let value = Int(text), value >= 1, value <= Self.maximumLimit else {
                throw APIError.badRequest("limit is a number from 1 to \(Self.maximumLimit).")
            }
            limit = value
        }
        if let text = query.get("cursor") {
            guard let id = Self.decode(text) else { throw APIError(.badRequest, "bad_cursor", "The cursor is not one this server handed out.") }
            after = id
        }
    }

    /// The query of a list request: the page (`limit`, `cursor`, asking for one more to know whether
    /// a next page exists) and the filters every list takes (`tag`, `updatedAfter`, `deleted`).
    static func query(_ kind: EntityKind, _ request: Request) throws -> (query: RecordQuery, limit: Int) {
        let listing = try Listing(request)
        var query = RecordQuery(kind: kind, after: listing.after, limit: listing.limit + 1)
        query.tag = request.uri.queryParameters.get("tag")
        query.updatedAfter = try request.queryTimestamp("updatedAfter")
        query.includeDeleted = try request.queryBool("deleted")
        return (query, listing.limit)
    }

    /// The cursor that continues after `id`.
    static func cursor(after id: String) -> String {
        Base64URL.encode(id.utf8)
    }

    static func decode(_ cursor: String) -> String? {
        guard cursor.utf8.count <= 64, let bytes = Base64URL.decode(cursor), let id = String(validating: bytes, as: UTF8.self), ID<Article>(id) != nil else { return nil }
        return id
    }

    /// A page as the answer `{"items": [...], "next": cursor or null}`, spliced from the stored
    /// list JSON of each entity.
    static func page(_ rows: ListedRows, limit: Int) -> Response {
        let shown = min(rows.count, limit)
        let next = rows.count > limit ? cursor(after: rows.ids[shown - 1]) : nil
        var buffer = ByteBuffer()
        buffer.reserveCapacity(rows.bytes.readableBytes + 64)
        buffer.writeString("{\"items\":[")
        for index in 0..<shown {
            if index > 0 { buffer.writeString(",") }
            buffer.writeBytes(rows.json(index))
        }
        buffer.writeString("],\"next\":")
        buffer.writeString(next.map { "\"\($0)\"" } ?? "null")
        buffer.writeString("}")
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: buffer))
    }
}

/// Query parameters shared by the lists.
extension Request {
    func queryTimestamp(_ name: String) throws -> Timestamp? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let time = Timestamp(text) else { throw APIError.badRequest("\(name) is an RFC 3339 date and time, like 2026-11-23T08:15:02Z.") }
        return time
    }

    func queryID(_ name: String) throws -> String? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let id = ID<Article>(text) else { throw APIError.badRequest("\(name) must be a full ID (a UUID).") }
        return id.description
    }

    func queryBool(_ name: String) throws -> Bool {
        switch uri.queryParameters.get(name) {
        case nil, "false": return false
        case "true": return true
        default: throw APIError.badRequest("\(name) is true or false.")
        }
    }
}

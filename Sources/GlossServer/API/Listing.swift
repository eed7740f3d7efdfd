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

    init(_ query: QueryParameters) throws {
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

    /// The query of a list request: the page (`limit`, `cursor`) and the filters every list takes
    /// (`tag`, `updatedAfter`, `deleted`).
    static func query(_ kind: EntityKind, _ parameters: QueryParameters) throws -> RecordQuery {
        let listing = try Listing(parameters)
        var query = RecordQuery(kind: kind, after: listing.after, limit: listing.limit)
        query.tag = parameters.get("tag")
        query.updatedAfter = try parameters.timestamp("updatedAfter")
        query.includeDeleted = try parameters.bool("deleted")
        return query
    }

    /// The cursor that continues after `id`.
    static func cursor(after id: String) -> String {
        Base64URL.encode(id.utf8)
    }

    static func decode(_ cursor: String) -> String? {
        guard cursor.utf8.count <= 64, let bytes = Base64URL.decode(cursor), let id = String(validating: bytes, as: UTF8.self), ID<Article>(id) != nil else { return nil }
        return id
    }

    /// A page as the answer `{"items":[...],"next": cursor or null}`: the store has already
    /// written the rows' stored list JSON into the body.
    static func page(_ rows: consuming ListedRows) -> Response {
        let body = rows.answer(cursor: cursor(after:))
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: body))
    }
}

/// A request's query string, parsed once (Hummingbird parses it again on every
/// `uri.queryParameters`).
typealias QueryParameters = Parameters

/// Query parameters shared by the lists.
extension QueryParameters {
    func timestamp(_ name: String) throws -> Timestamp? {
        guard let text = get(name) else { return nil }
        guard let time = Timestamp(text) else { throw APIError.badRequest("\(name) is an RFC 3339 date and time, like 2026-11-23T08:15:02Z.") }
        return time
    }

    func id(_ name: String) throws -> String? {
        guard let text = get(name) else { return nil }
        guard let id = ID<Article>(text) else { throw APIError.badRequest("\(name) must be a full ID (a UUID).") }
        return id.description
    }

    func bool(_ name: String) throws -> Bool {
        switch get(name) {
        case nil, "false": return false
        case "true": return true
        default: throw APIError.badRequest("\(name) is true or false.")
        }
    }
}

import Foundation
import GlossModel
import Hummingbird
import NIOCore

/// A JSON object request body of the HTTP API, read strictly: an unknown field, a wrong type or
/// a malformed body is a 400 naming the field, never a guess.
struct RequestBody {
    let fields: [String: JSONValue]

    /// Reads the body (413 past `limit`, 408 past `timeout`) and checks it is a JSON object whose
    /// fields are all in `allowed`.
    static func read(_ request: Request, limits: BodyLimits, allowed: Set<String>) async throws -> RequestBody {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.bytes {
            throw APIError(.contentTooLarge, "too_large", "The request body is larger than \(limits.bytes) bytes.")
        }
        let buffer = try await request.collectBody(upTo: limits.bytes, within: limits.timeout)
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("The request needs a JSON object body.") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(Data(buffer: buffer))
        } catch {
            throw APIError.badRequest("The body is not valid JSON (\(error)).")
        }
        guard case .object(let fields) = value else { throw APIError.badRequest("The body must be a JSON object.") }
        if let unknown = fields.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw APIError(.badRequest, "unknown_field", "The field \"\(unknown.prefix(60))\" is not one this request takes (\(allowed.sorted().joined(separator: ", "))).")
        }
        return RequestBody(fields: fields)
    }

    func has(_ key: String) -> Bool { fields[key] != nil }

    /// A string field; nil when absent (or null, if `nullable`).
    func string(_ key: String, nullable: Bool = false) throws -> String? {
        switch fields[key] {
        case nil: return nil
        case .string(let s)?: return s
        case .null? where nullable: return nil
        default: throw APIError.badRequest("\"\(key)\" must be a string\(nullable ? " or null" : "").")
        }
    }

    func integer(_ key: String) throws -> Int? {
        switch fields[key] {
        case nil: return nil
        case .int(let i)? where i >= 0 && i <= Int64(Int32.max): return Int(i)
        default: throw APIError.badRequest("\"\(key)\" must be a whole number from 0 up.")
        }
    }

    /// A list of tags: each 1 to 200 characters, duplicates dropped.
    func tags(_ key: String = "tags") throws -> [String]? {
        guard let value = fields[key] else { return nil }
        guard case .array(let items) = value else { throw APIError.badRequest("\"\(key)\" must be an array of strings.") }
        var tags: [String] = []
        for item in items {
            guard case .string(let tag) = item, !tag.isEmpty, tag.count <= 200 else {
                throw APIError.badRequest("Each tag in \"\(key)\" is a string of 1 to 200 characters.")
            }
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }
}

/// How large and how slow a request body may be.
struct BodyLimits: Sendable {
    var bytes: Int
    var timeout: Duration
}

extension Request {
    /// The whole request body, or 408 when it does not arrive in time.
    func collectBody(upTo limit: Int, within timeout: Duration) async throws -> ByteBuffer {
        let request = self
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await request.body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                var error = APIError(.requestTimeout, "timeout", "The request body did not arrive within \(timeout.components.seconds) s.")
                error.headers[.connection] = "close"
                throw error
            }
            return body
        }
    }
}

import Foundation
import GlossModel
import Hummingbird

/// `/v1/notes`: list (by article, highlight, tag, standalone), create, get, update (with
/// `If-Match` naming the version edited: a stale version is merged like a sync change, and the
/// `Gloss-Merge` header says `applied`, `merged` or `conflicted`), delete, restore, resolve conflicts.
struct NoteRoutes<Store: ServerStore> {
    let store: Store
    let limits: BodyLimits

    func add(to group: RouterGroup<GlossRequestContext>) {
        group.get("notes", use: list)
        group.post("notes", use: create)
        group.get("notes/:id", use: get)
        group.patch("notes/:id", use: update)
        group.delete("notes/:id", use: delete)
        group.post("notes/:id/restore", use: restore)
        group.post("notes/:id/resolve", use: resolve)
    }

    @Sendable func list(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parameters = request.uri.queryParameters
        var query = try Listing.query(.note, parameters)
        query.articleId = try parameters.id("articleId")
        query.highlightId = try parameters.id("highlightId")
        query.standalone = try parameters.bool("standalone")
        query.conflicted = try parameters.bool("conflicted")
        return Listing.page(try await store.listed(user: user, query))
    }

    @Sendable func create(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.read(request, limits: limits, allowed: ["body", "articleId", "highlightId", "tags"])
        guard let text = try body.string("body"), !text.allSatisfy(\.isWhitespace) else { throw APIError.badRequest("A note needs a \"body\" with some text.") }
        let articleId = try body.string("articleId", nullable: true)
        let highlightId = try body.string("highlightId", nullable: true)
        for (name, value) in [("articleId", articleId), ("highlightId", highlightId)] {
            if let value, ID<Article>(value) == nil { throw APIError.badRequest("\"\(name)\" must be a full ID (a UUID).") }
        }
        let tags = try body.tags() ?? []
        let id = ID<Note>.timeOrdered()
        let result = try await store.write(user: user) { edit in
            var article = articleId?.lowercased()
            if let highlight = highlightId?.lowercased() {
                guard let record = try edit.record(highlight), record.kind == .highlight else {
                    throw APIError(.unprocessableContent, "not_found", "There is no highlight \(highlight) in this library.")
                }
                guard !record.deleted else { throw APIError(.unprocessableContent, "deleted", "The highlight \(highlight) is deleted.") }
                article = record.string("articleId")
            } else if let article {
                guard let record = try edit.record(article), record.kind == .article else {
                    throw APIError(.unprocessableContent, "not_found", "There is no article \(article) in this library.")
                }
                guard !record.deleted else { throw APIError(.unprocessableContent, "deleted", "The article \(article) is deleted.") }
            }
            let fields: [String: JSONValue] = [
                "body": .string(text), "articleId": article.map(JSONValue.string) ?? .null,
                "highlightId": highlightId.map { .string($0.lowercased()) } ?? .null,
            ]
            edit.change(.note, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                        tags: Dictionary(uniqueKeysWithValues: tags.map { ($0, true) }))
        }
        guard let record = result.records[id.description] else { throw EntityAnswer.notFound(.note, id.description) }
        return try EntityAnswer.make(record, status: .created, location: "/v1/notes/\(id)")
    }

    @Sendable func get(request: Request, context: GlossRequestContext) async throws -> Response {
        try EntityAnswer.make(try await Resource.find(.note, request, context, store, allowDeleted: try request.uri.queryParameters.bool("deleted")))
    }

    @Sendable func update(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try Resource.id(context)
        var seen: Version? = nil
        if let header = request.headers[.ifMatch], header != "*" {
            guard let version = Version(etag: header) else { throw APIError.badRequest("If-Match must be an ETag this server handed out.") }
            seen = version
        }
        let body = try await RequestBody.read(request, limits: limits, allowed: ["body", "tags"])
        var values: [String: JSONValue] = [:]
        if let text = try body.string("body") {
            guard !text.allSatisfy(\.isWhitespace) else { throw APIError.badRequest("A note needs some text; DELETE it instead.") }
            values["body"] = .string(text)
        }
        return try await Resource.update(.note, id: id, user: user, store: store, values: values, tags: try body.tags(), seen: seen)
    }

    /// Resolves the note's conflict versions: `{"keep": true}` keeps the current body,
    /// `{"take": N}` takes conflict version N (1-based), `{"body": TEXT}` writes a new one.
    @Sendable func resolve(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try Resource.id(context)
        let body = try await RequestBody.read(request, limits: limits, allowed: ["keep", "take", "body"])
        let keep = body.fields["keep"] == .bool(true)
        let take = try body.integer("take")
        let text = try body.string("body")
        guard [keep, take != nil, text != nil].filter({ $0 }).count == 1 else {
            throw APIError.badRequest("Resolve with exactly one of {\"keep\": true}, {\"take\": N} or {\"body\": TEXT}.")
        }
        if let text, text.allSatisfy(\.isWhitespace) { throw APIError.badRequest("\"body\" needs some text.") }
        let result = try await store.write(user: user) { edit in
            guard let record = try edit.record(id), record.kind == .note else { throw EntityAnswer.notFound(.note, id) }
            guard !record.deleted else { throw Resource.gone(.note, id) }
            guard !record.conflicts.isEmpty else { throw APIError(.conflict, "no_conflicts", "The note \(id) has no conflicts to resolve.") }
            var chosen = record.string("body") ?? ""
            if let take {
                guard take >= 1, take <= record.conflicts.count else {
                    throw APIError(.unprocessableContent, "bad_version", "The note has conflict versions 1 to \(record.conflicts.count), not \(take).")
                }
                chosen = record.conflicts[take - 1].body
            } else if let text {
                chosen = text
            }
            let old = record.fields["body"] ?? .null
            var fields: [String: FieldChange] = [:]
            if old != .string(chosen) { fields["body"] = FieldChange(old: old, new: .string(chosen)) }
            edit.change(.note, record.id, .resolve, fields: fields, base: record.stamps["body"], resolves: record.conflicts.map(\.stamp))
        }
        guard let record = result.records[id] else { throw EntityAnswer.notFound(.note, id) }
        return try EntityAnswer.make(record)
    }

    @Sendable func delete(request: Request, context: GlossRequestContext) async throws -> Response {
        try await Resource.setDeleted(.note, true, context, store)
    }

    @Sendable func restore(request: Request, context: GlossRequestContext) async throws -> Response {
        try await Resource.setDeleted(.note, false, context, store)
    }
}

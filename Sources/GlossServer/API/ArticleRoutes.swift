import Foundation
import GlossDocuments
import GlossModel
import Hummingbird

/// `/v1/articles`: list, create (normalized like `gloss add`; the same text twice is the same
/// article), get with text, update metadata, delete, restore.
struct ArticleRoutes<Store: ServerStore> {
    let store: Store
    let limits: BodyLimits

    func add(to group: RouterGroup<GlossRequestContext>) {
        group.get("articles", use: list)
        group.post("articles", use: create)
        group.get("articles/:id", use: get)
        group.patch("articles/:id", use: update)
        group.delete("articles/:id", use: delete)
        group.post("articles/:id/restore", use: restore)
    }

    @Sendable func list(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parameters = request.uri.queryParameters
        let query = try Listing.query(.article, parameters)
        return Listing.page(try await store.listed(user: user, query))
    }

    @Sendable func create(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.read(request, limits: limits, allowed: ["title", "text", "html", "url", "author", "tags"])
        let source: (String, DocumentFormat)
        switch (try body.string("text"), try body.string("html")) {
        case (let text?, nil): source = (text, .text)
        case (nil, let html?): source = (html, .html)
        default: throw APIError.badRequest("An article is created from exactly one of \"text\" and \"html\".")
        }
        let document: ImportedDocument
        do {
            document = try DocumentReader.read(Data(source.0.utf8), format: source.1)
        } catch {
            throw APIError(.unprocessableContent, "no_text", "The article cannot be read: \(error).")
        }
        let title = try body.string("title", nullable: true) ?? document.title
        let url = try body.string("url", nullable: true) ?? document.url
        let author = try body.string("author", nullable: true) ?? document.author
        let tags = try body.tags() ?? []
        let text = document.text
        let hash = Normalization.contentHash(text)
        let id = Article.id(contentHash: hash)
        let result = try await store.write(user: user) { edit in
            if let existing = try edit.record(id.description) {
                if existing.deleted {
                    edit.change(.article, id.uuid, .restore, fields: ["deleted": FieldChange(old: .bool(true), new: .bool(false))])
                }
                let newTags = tags.filter { existing.tags[$0]?.present != true }
                if !newTags.isEmpty { edit.change(.article, id.uuid, .tag, tags: Dictionary(uniqueKeysWithValues: newTags.map { ($0, true) })) }
                return
            }
            let fields: [String: JSONValue] = [
                "title": .string(title ?? "Untitled"), "url": url.map(JSONValue.string) ?? .null, "author": author.map(JSONValue.string) ?? .null,
                "publishedAt": document.publishedAt.map { .string($0.description) } ?? .null, "text": .string(text), "contentHash": .string(hash),
            ]
            edit.change(.article, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                        tags: Dictionary(uniqueKeysWithValues: tags.map { ($0, true) }))
        }
        let created = result.created.contains(id.description)
        guard let record = result.records[id.description] else { throw EntityAnswer.notFound(.article, id.description) }
        return try EntityAnswer.make(record, status: created ? .created : .ok, location: created ? "/v1/articles/\(id)" : nil)
    }

    @Sendable func get(request: Request, context: GlossRequestContext) async throws -> Response {
        try EntityAnswer.make(try await Resource.find(.article, request, context, store, allowDeleted: try request.uri.queryParameters.bool("deleted")))
    }

    @Sendable func update(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try Resource.id(context)
        let body = try await RequestBody.read(request, limits: limits, allowed: ["title", "url", "author", "tags"])
        var values: [String: JSONValue] = [:]
        if let title = try body.string("title") {
            guard !title.allSatisfy(\.isWhitespace) else { throw APIError.badRequest("\"title\" cannot be empty.") }
            values["title"] = .string(title)
        }
        for name in ["url", "author"] where body.has(name) { values[name] = try body.string(name, nullable: true).map(JSONValue.string) ?? .null }
        let tags = try body.tags()
        return try await Resource.update(.article, id: id, user: user, store: store, values: values, tags: tags)
    }

    @Sendable func delete(request: Request, context: GlossRequestContext) async throws -> Response {
        try await Resource.setDeleted(.article, true, context, store)
    }

    @Sendable func restore(request: Request, context: GlossRequestContext) async throws -> Response {
        try await Resource.setDeleted(.article, false, context, store)
    }
}

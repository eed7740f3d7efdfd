import Foundation
import GlossModel
import Hummingbird

/// `/v1/articles/{id}/highlights` and `/v1/highlights`: list, create from a quote (the CLI's
/// forgiving search, refusing ambiguity: 409 with the candidate places, 422 when not found) or
/// from code-point positions, get, update colour and tags, delete, restore.
struct HighlightRoutes<Store: ServerStore> {
    let store: Store
    let limits: BodyLimits

    func add(to group: RouterGroup<GlossRequestContext>) {
        group.get("highlights", use: list)
        group.get("articles/:id/highlights", use: listOfArticle)
        group.post("articles/:id/highlights", use: create)
        group.get("highlights/:id", use: get)
        group.patch("highlights/:id", use: update)
        group.delete("highlights/:id", use: delete)
        group.post("highlights/:id/restore", use: restore)
    }

    @Sendable func list(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parameters = request.uri.queryParameters
        var query = try Listing.query(.highlight, parameters)
        query.articleId = try parameters.id("articleId")
        return Listing.page(try await store.listed(user: user, query))
    }

    @Sendable func listOfArticle(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        // The request is checked before the article is looked up: a bad parameter is 400 whether
        // or not the article exists.
        let parameters = request.uri.queryParameters
        var query = try Listing.query(.highlight, parameters)
        query.articleId = try await Resource.find(.article, request, context, store).idString
        return Listing.page(try await store.listed(user: user, query))
    }

    @Sendable func create(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.read(request, limits: limits, allowed: ["quote", "prefix", "suffix", "occurrence", "start", "end", "color", "tags"])
        let color = try body.string("color") ?? Highlight.defaultColor
        guard !color.isEmpty, color.count <= 40 else { throw APIError.badRequest("\"color\" is a name of 1 to 40 characters.") }
        let tags = try body.tags() ?? []
        let place = try Self.place(body)
        let articleRecord = try await Resource.find(.article, request, context, store)
        let text = ArticleText(articleRecord.string("text") ?? "")
        let selector = try Self.selector(place, in: text)
        let id = ID<Highlight>.timeOrdered()
        let article = articleRecord.idString
        let result = try await store.write(user: user) { edit in
            let fields: [String: JSONValue] = [
                "articleId": .string(article), "exact": .string(selector.exact), "prefix": .string(selector.prefix),
                "suffix": .string(selector.suffix), "start": .int(Int64(selector.start)), "end": .int(Int64(selector.end)),
                "utf16Start": .int(Int64(selector.utf16Start)), "utf16End": .int(Int64(selector.utf16End)),
                "color": .string(color), "anchor": .string(AnchorStatus.exact.rawValue), "anchorScore": .null,
            ]
            edit.change(.highlight, id.uuid, .create, fields: fields.mapValues { FieldChange(new: $0) },
                        tags: Dictionary(uniqueKeysWithValues: tags.map { ($0, true) }))
        }
        guard let record = result.records[id.description] else { throw EntityAnswer.notFound(.highlight, id.description) }
        return try EntityAnswer.make(record, status: .created, location: "/v1/highlights/\(id)")
    }

    /// Where a create request says the highlight goes, checked before the article is looked up.
    enum Place {
        case quote(String, QuoteFinder.Hints)
        case range(Int, Int)
    }

    /// The place a create request names: `quote` (with optional `prefix`, `suffix`, `occurrence`)
    /// or `start` and `end` in code points.
    static func place(_ body: RequestBody) throws -> Place {
        if let quote = try body.string("quote") {
            guard !body.has("start"), !body.has("end") else { throw APIError.badRequest("A highlight is given by \"quote\" or by \"start\" and \"end\", not both.") }
            let occurrence = try body.integer("occurrence")
            if let occurrence, occurrence < 1 { throw APIError.badRequest("\"occurrence\" counts from 1.") }
            return .quote(quote, QuoteFinder.Hints(prefix: try body.string("prefix"), suffix: try body.string("suffix"), occurrence: occurrence))
        }
        if let extra = ["prefix", "suffix", "occurrence"].first(where: body.has) {
            throw APIError.badRequest("\"\(extra)\" goes with \"quote\", not with \"start\" and \"end\".")
        }
        guard let start = try body.integer("start"), let end = try body.integer("end") else {
            throw APIError.badRequest("A highlight needs \"quote\", or \"start\" and \"end\".")
        }
        return .range(start, end)
    }

    /// The selector of a place in the article's text: 409 for an ambiguous quote (with every
    /// candidate), 422 for one not found or a range past the text.
    static func selector(_ place: Place, in text: ArticleText) throws -> TextSelector {
        switch place {
        case .quote(let quote, let hints):
            switch QuoteFinder(text: text).find(quote, hints: hints) {
            case .success(let selector): return selector
            case .failure(.emptyQuote): throw APIError.badRequest("\"quote\" needs some text.")
            case .failure(.notFound): throw APIError(.unprocessableContent, "quote_not_found", "The quote is not in the article's text.")
            case .failure(.occurrenceOutOfRange(let requested, let found)):
                throw APIError(.unprocessableContent, "quote_not_found", "The quote occurs \(found) times, so there is no occurrence \(requested).")
            case .failure(.ambiguous(let places)):
                var error = APIError(.conflict, "ambiguous_quote",
                                     "The quote occurs \(places.count) times; pick one with \"occurrence\" (1 to \(places.count)), \"prefix\" or \"suffix\".")
                error.candidates = places
                throw error
            }
        case .range(let start, let end):
            guard start < end, end <= text.count else {
                throw APIError(.unprocessableContent, "bad_range", "start and end must satisfy 0 <= start < end <= \(text.count) (code points of the article's text).")
            }
            return TextSelector(text: text, start: start, end: end)
        }
    }

    @Sendable func get(request: Request, context: GlossRequestContext) async throws -> Response {
        try EntityAnswer.make(try await Resource.find(.highlight, request, context, store, allowDeleted: try request.uri.queryParameters.bool("deleted")))
    }

    @Sendable func update(request: Request, context: GlossRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try Resource.id(context)
        let body = try await RequestBody.read(request, limits: limits, allowed: ["color", "tags"])
        var values: [String: JSONValue] = [:]
        if let color = try body.string("color") {
            guard !color.isEmpty, color.count <= 40 else { throw APIError.badRequest("\"color\" is a name of 1 to 40 characters.") }
            values["color"] = .string(color)
        }
        return try await Resource.update(.highlight, id: id, user: user, store: store, values: values, tags: try body.tags())
    }

    @Sendable func delete(request: Request, context: GlossRequestContext) async throws -> Response {
        try await Resource.setDeleted(.highlight, true, context, store)
    }

    @Sendable func restore(request: Request, context: GlossRequestContext) async throws -> Response {
        try await Resource.setDeleted(.highlight, false, context, store)
    }
}

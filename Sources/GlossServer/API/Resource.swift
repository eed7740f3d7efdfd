import Foundation
import GlossModel
import Hummingbird

/// What the three resources share: finding an entity by the `:id` of the path (404 for anything
/// not in the caller's library), metadata and tag updates, delete and restore.
enum Resource {
    static func id(_ context: GlossRequestContext) throws -> String {
        let text = context.parameters.get("id") ?? ""
        guard let id = ID<Article>(text) else { throw APIError(.notFound, "not_found", "\"\(text.prefix(40))\" is not an ID of this library.") }
        return id.description
    }

    /// The entity the path names; a deleted one (a tombstone) is 410 Gone unless `allowDeleted`.
    static func find<Store: ResourceStore>(
        _ kind: EntityKind, _ request: Request, _ context: GlossRequestContext, _ store: Store, allowDeleted: Bool = false
    ) async throws -> EntityRecord {
        let user = try context.requireUser()
        let id = try id(context)
        guard let record = try await store.record(user: user, id: id), record.kind == kind else { throw EntityAnswer.notFound(kind, id) }
        if record.deleted && !allowDeleted { throw gone(kind, id) }
        return record
    }

    /// 410 for a deleted entity: it can be restored, and lists show it with `deleted=true`.
    static func gone(_ kind: EntityKind, _ id: String) -> APIError {
        let plural = kind.rawValue + "s"
        return APIError(.gone, "deleted", "The \(kind.rawValue) \(id) is deleted; POST /v1/\(plural)/\(id)/restore brings it back (GET /v1/\(plural)/\(id)?deleted=true shows it).")
    }

    /// Sets scalar fields (only those that differ) and the tag set (`tags`: the complete new set).
    static func update<Store: ResourceStore>(
        _ kind: EntityKind, id: String, user: UserID, store: Store, values: [String: JSONValue], tags: [String]?, seen: Version? = nil
    ) async throws -> Response {
        let result = try await store.write(user: user) { edit in
            guard let record = try edit.record(id), record.kind == kind else { throw EntityAnswer.notFound(kind, id) }
            guard !record.deleted else { throw gone(kind, id) }
            var fields: [String: FieldChange] = [:]
            for (name, value) in values where record.fields[name] != value {
                fields[name] = FieldChange(old: record.fields[name] ?? .null, new: value)
            }
            // A note body edited on an older version (If-Match) is merged against the body of that
            // version, like a concurrent edit from another machine.
            var base: Stamp? = nil
            if let body = fields["body"] {
                base = record.stamps["body"]
                if let seen = seen?.body, seen != base?.description, let stamp = Stamp(seen) {
                    base = stamp
                    fields["body"] = FieldChange(old: try edit.body(writtenBy: stamp, note: id).map(JSONValue.string) ?? .string(""), new: body.new)
                }
            }
            if !fields.isEmpty { edit.change(kind, record.id, .update, fields: fields, base: base) }
            if let tags {
                var changes: [String: Bool] = [:]
                for tag in tags where record.tags[tag]?.present != true { changes[tag] = true }
                for tag in record.presentTags where !tags.contains(tag) { changes[tag] = false }
                let added = changes.filter(\.value), removed = changes.filter { !$0.value }
                if !added.isEmpty { edit.change(kind, record.id, .tag, tags: added) }
                if !removed.isEmpty { edit.change(kind, record.id, .untag, tags: removed) }
            }
        }
        guard let record = result.records[id] else { throw EntityAnswer.notFound(kind, id) }
        return try EntityAnswer.make(record, outcome: result.outcomes.isEmpty ? .applied : result.outcome)
    }

    /// DELETE (a tombstone: 204) and restore (200 with the entity). Deleting a deleted entity is a no-op.
    static func setDeleted<Store: ResourceStore>(_ kind: EntityKind, _ deleted: Bool, _ context: GlossRequestContext, _ store: Store) async throws -> Response {
        let user = try context.requireUser()
        let id = try id(context)
        let result = try await store.write(user: user) { edit in
            guard let record = try edit.record(id), record.kind == kind else { throw EntityAnswer.notFound(kind, id) }
            guard record.deleted != deleted else { return }
            edit.change(kind, record.id, deleted ? .delete : .restore, fields: ["deleted": FieldChange(old: .bool(!deleted), new: .bool(deleted))])
        }
        if deleted { return Response(status: .noContent) }
        guard let record = result.records[id] else { throw EntityAnswer.notFound(kind, id) }
        return try EntityAnswer.make(record)
    }
}

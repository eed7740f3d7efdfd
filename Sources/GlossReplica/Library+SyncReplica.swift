import GlossModel
import GlossStore
import GlossSync

/// The local library as the sync client's replica.
extension Library: SyncReplica {
    public func syncCursor() throws -> String? {
        try setting("sync.cursor")
    }

    public func outgoingChanges(limit: Int, after: ID<Change>?) throws -> [OutgoingChange] {
        try unpushedJournal(limit: limit, after: after).map { OutgoingChange(id: $0.id, json: $0.json) }
    }

    public func applyPulled(_ page: PullResponse) throws {
        try applyPulled(changes: page.changes, records: page.records, cursor: page.cursor, changeJSON: page.changeJSON)
    }

    /// A long pull into a small library defers its index upkeep (``Library/deferUpkeepForLongPull()``).
    public func beginLongPull() throws {
        try deferUpkeepForLongPull()
    }

    public func endPull() throws {
        try finishDeferredUpkeep()
    }
}

/// Where `gloss sync` sends changes, saved in the library by `gloss remote set`.
public struct Remote: Sendable, Equatable {
    public var server: String
    public var token: String?

    public init(server: String, token: String?) {
        self.server = server
        self.token = token
    }

    public static func saved(in library: Library) throws -> Remote? {
        guard let server = try library.setting("remote.url") else { return nil }
        return Remote(server: server, token: try library.setting("remote.token"))
    }

    public func save(in library: Library) throws {
        try library.setSetting("remote.url", server)
        try library.setSetting("remote.token", token)
    }
}

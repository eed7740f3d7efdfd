import Foundation
import GlossModel
import GlossSync

/// A server store's whole state as rows, read page by page: what `gloss admin migrate-store`
/// copies from one store to another and what it compares afterwards. Every text is as stored
/// (canonical JSON, ISO 8601 times), so a copy is byte for byte.
public protocol ServerStateSource: Sendable {
    func accountRows() async throws -> AccountRows
    /// A user's entities in ID order, after the ID `after` (nil: from the start), at most `limit`.
    func entityRows(user: UserID, after: String?, limit: Int) async throws -> [EntityRow]
    /// A user's journal in feed order, after `cursor`, at most `limit`.
    func changeRows(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> [ChangeRow]
}

public struct AccountRows: Sendable, Equatable {
    public struct User: Sendable, Equatable {
        public var id, name, createdAt: String
        public init(id: String, name: String, createdAt: String) { (self.id, self.name, self.createdAt) = (id, name, createdAt) }
    }
    public struct Token: Sendable, Equatable {
        public var hash, userID, createdAt: String
        public var revokedAt: String?
        public init(hash: String, userID: String, createdAt: String, revokedAt: String?) {
            (self.hash, self.userID, self.createdAt, self.revokedAt) = (hash, userID, createdAt, revokedAt)
        }
    }
    public struct Library: Sendable, Equatable {
        public var userID: String
        public var version: Int64
        public var clock: String
        public init(userID: String, version: Int64, clock: String) { (self.userID, self.version, self.clock) = (userID, version, clock) }
    }
    public struct Device: Sendable, Equatable {
        public var userID, device, lastSeen: String
        public init(userID: String, device: String, lastSeen: String) { (self.userID, self.device, self.lastSeen) = (userID, device, lastSeen) }
    }
    public var users: [User] = []
    public var tokens: [Token] = []
    public var libraries: [Library] = []
    public var devices: [Device] = []
    public init() {}
}

/// An entity as stored: its merged record's JSON and the version that last wrote it.
public struct EntityRow: Sendable, Equatable {
    public var id: String
    public var version: Int64
    public var record: String
    public init(id: String, version: Int64, record: String) { (self.id, self.version, self.record) = (id, version, record) }
}

/// A journal row as stored.
public struct ChangeRow: Sendable, Equatable {
    public var version, seq: Int64
    public var id, entityID, device, outcome, change: String
    public init(version: Int64, seq: Int64, id: String, entityID: String, device: String, outcome: String, change: String) {
        (self.version, self.seq, self.id, self.entityID, self.device, self.outcome, self.change) = (version, seq, id, entityID, device, outcome, change)
    }
}

/// Counts and SHA-256 checksums of a store's state, to tell whether two stores hold the same.
public struct ServerStateDigest: Sendable, Equatable, CustomStringConvertible {
    public var users = 0, tokens = 0, devices = 0, entities = 0, changes = 0
    /// One checksum over accounts, tokens, libraries (version and clock) and devices.
    public var accounts = ""
    /// Per user: a checksum over every entity row (ID, version, record) and one over the journal.
    public var libraries: [String: String] = [:]

    public var description: String {
        "\(users) users, \(tokens) tokens, \(devices) devices, \(entities) entities, \(changes) changes"
    }

    /// Reads a whole store, `page` rows at a time.
    public static func of(_ store: some ServerStateSource, page: Int = 2000) async throws -> ServerStateDigest {
        var digest = ServerStateDigest()
        let accounts = try await store.accountRows()
        digest.users = accounts.users.count
        digest.tokens = accounts.tokens.count
        digest.devices = accounts.devices.count
        var text = ""
        for user in accounts.users.sorted(by: { $0.id < $1.id }) { text += "u\t\(user.id)\t\(user.name)\t\(user.createdAt)\n" }
        for token in accounts.tokens.sorted(by: { $0.hash < $1.hash }) { text += "t\t\(token.hash)\t\(token.userID)\t\(token.createdAt)\t\(token.revokedAt ?? "-")\n" }
        for library in accounts.libraries.sorted(by: { $0.userID < $1.userID }) { text += "l\t\(library.userID)\t\(library.version)\t\(library.clock)\n" }
        for device in accounts.devices.sorted(by: { ($0.userID, $0.device) < ($1.userID, $1.device) }) { text += "d\t\(device.userID)\t\(device.device)\t\(device.lastSeen)\n" }
        digest.accounts = sha256Hex(text)
        for user in accounts.users {
            var entities = Hasher256(), changes = Hasher256()
            var after: String? = nil
            while true {
                let rows = try await store.entityRows(user: UserID(rawValue: user.id), after: after, limit: page)
                for row in rows { entities.add("\(row.id)\t\(row.version)\t\(row.record)\n") }
                digest.entities += rows.count
                guard rows.count == page, let last = rows.last else { break }
                after = last.id
            }
            var cursor = SyncCursor.start
            while true {
                let rows = try await store.changeRows(user: UserID(rawValue: user.id), after: cursor, limit: page)
                for row in rows { changes.add("\(row.version).\(row.seq)\t\(row.id)\t\(row.entityID)\t\(row.device)\t\(row.outcome)\t\(row.change)\n") }
                digest.changes += rows.count
                guard rows.count == page, let last = rows.last else { break }
                cursor = SyncCursor(version: last.version, seq: last.seq)
            }
            digest.libraries[user.id] = entities.hex + " " + changes.hex
        }
        return digest
    }
}

/// A running SHA-256 over text added piece by piece (one hex digest per piece, chained, so
/// memory stays flat).
struct Hasher256 {
    private var chain = ""
    mutating func add(_ text: String) { chain = sha256Hex(chain + text) }
    var hex: String { chain }
}

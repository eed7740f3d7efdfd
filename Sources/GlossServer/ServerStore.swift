import Foundation
import GlossModel
import GlossSync

/// The identity of an account on the server.
public struct UserID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// Why a server-side operation was refused; each maps to a 4xx answer with a stable code.
public enum ServerError: Error, Equatable, CustomStringConvertible {
    case userExists(String)
    case unknownUser(String)
    case unknownToken
    case badCursor
    case tooManyChanges(Int)
    case invalid(String)
    /// The store cannot answer now (its database is down or restarting): 503 with `Retry-After`.
    case unavailable(String)

    public var description: String {
        switch self {
        case .userExists(let name): "A user named \(name) already exists."
        case .unknownUser(let name): "There is no user named \(name)."
        case .unknownToken: "That token is not known (or was already revoked)."
        case .badCursor: "The cursor is not one this server handed out."
        case .tooManyChanges(let n): "A push carries at most \(PushRequest.maximumChanges) changes, not \(n)."
        case .invalid(let message), .unavailable(let message): message
        }
    }
}

/// Everything the server keeps: accounts and each user's library. The HTTP routes and the
/// merge function do not know which implementation runs (SQLiteServerStore by default;
/// PostgresServerStore in GlossPostgres for several processes on one database).
public protocol ServerStore: ResourceStore {
    /// How far ahead of the server's clock a pushed change's clock may be before it is clamped.
    var maximumDrift: UInt64 { get }
    /// Creates a user and returns its first API token (shown once).
    func addUser(name: String) async throws -> (user: UserID, token: String)
    /// Issues another token for an existing user.
    func issueToken(name: String) async throws -> String
    /// Ends a token; it no longer authenticates.
    func revokeToken(_ token: String) async throws
    /// The user a token belongs to, or nil for an unknown or revoked token.
    func authenticate(token: String) async throws -> UserID?
    /// Applies a push through the shared merge function, in one transaction.
    func push(user: UserID, _ request: PushRequest) async throws -> PushResponse
    /// Changes after `cursor`, at most `limit`, with the records they touch.
    func pull(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> PullResponse
    /// The same page as `pull`, as canonical JSON bytes (a store may skip decoding what it keeps as JSON).
    func pullJSON(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> Data
    /// Every entity record of a user's library, ordered by kind (articles, highlights, notes) and ID:
    /// what checks and `gloss admin migrate-store` compare.
    func records(user: UserID) async throws -> [EntityRecord]
    /// Lets go of the store's connections (the SQLite store closes with its last reference).
    func close() async
}

extension ServerStore {
    public func close() async {}

    public func pullJSON(user: UserID, after cursor: SyncCursor, limit: Int) async throws -> Data {
        try await pull(user: user, after: cursor, limit: limit).encoded()
    }
}

/// API tokens: 32 random bytes, hex, with a `gls_` prefix so they are recognizable in a leak scan;
/// stored as their SHA-256.
public enum Tokens {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "gls_" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    public static func hash(_ token: String) -> String { sha256Hex(token) }

    /// Compares two strings in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

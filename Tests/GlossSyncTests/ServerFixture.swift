import Foundation
import GlossServer
import Logging

/// A server store in a temporary folder (removed with the fixture) and a user's token.
final class ServerFixture: Sendable {
    let folder: URL
    let store: any ServerStore
    let token: String

    /// `sqliteOnly`: for tests of what only the SQLite store does (its file, its pragmas).
    init(_ name: String, sqliteOnly: Bool = false) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = sqliteOnly ? try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path) : try await TestStores.make(in: folder)
        token = try await store.addUser(name: "ana").token
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

extension Logger {
    /// For in-process servers in tests: warnings and errors only, so a failing test's output is readable.
    static var quiet: Logger {
        var logger = Logger(label: "gloss.test")
        logger.logLevel = .warning
        return logger
    }
}

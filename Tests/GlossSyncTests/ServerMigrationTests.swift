import Foundation
import GRDB
import Testing
import GlossModel
import GlossReplica
@testable import GlossServer
import GlossStore
import GlossSync
import GlossTestSupport

/// A server database written by an earlier gloss keeps everything when a newer one opens it.
@Suite struct ServerMigrationTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../schema/server").standardized

    /// A database with the migrations up to `last` (file stems of schema/server), as that gloss left it.
    static func oldDatabase(at path: String, upTo last: String) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        let files = try FileManager.default.contentsOfDirectory(atPath: schema.path).filter { $0.hasSuffix(".sql") }.sorted()
        for file in files {
            let name = String(file.dropLast(4))
            guard name <= last else { break }
            let sql = try String(contentsOf: schema.appendingPathComponent(file), encoding: .utf8)
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        try migrator.migrate(queue)
        return queue
    }

    @Test func entitiesClusteredByKindKeepEveryRecordChangeAndToken() async throws {
        // A library synced into a current server; its rows copied into a database of the old layout.
        let current = try await ServerFixture("migration-current", sqliteOnly: true)
        let library = try ExportAPITests.annotatedLibrary()
        let user = try #require(try await current.store.authenticate(token: current.token))
        _ = try await SyncClient(replica: library, transport: DirectTransport(store: current.store, user: user)).sync()

        let oldPath = current.folder.appendingPathComponent("old.sqlite").path
        let old = try Self.oldDatabase(at: oldPath, upTo: "0004_search")
        let currentPath = current.folder.appendingPathComponent("server.sqlite").path
        try await old.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [currentPath])
            try db.inTransaction {
                for table in ["users", "tokens", "changes"] {
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM current.\(table)")
                }
                // (The old layout's libraries have no links version, migration 0007.)
                try db.execute(sql: "INSERT INTO main.libraries SELECT user_id, version, clock, search_version FROM current.libraries")
                // (The old layout's devices have no push count, migration 0006.)
                try db.execute(sql: "INSERT INTO main.devices(user_id, device, last_seen) SELECT user_id, device, last_seen FROM current.devices")
                try db.execute(sql: """
                    INSERT INTO main.entities(user_id, id, kind, record, version, deleted, article_id, highlight_id, updated_at, listed)
                    SELECT user_id, id, kind, record, version, deleted, article_id, highlight_id, updated_at, listed FROM current.entities
                    """)
                return .commit
            }
            try db.execute(sql: "DETACH DATABASE current")
        }
        try old.close()

        // The newer gloss opens it: same records, same feed, the old token still works.
        let upgraded = try SQLiteServerStore(path: oldPath)
        #expect(try await upgraded.authenticate(token: current.token) == user)
        let records = try await upgraded.records(user: user)
        #expect(records.count == 10)  // 2 articles, 3 highlights, 5 notes (two of them deleted or on a deleted highlight)
        #expect(records == (try await current.store.records(user: user)))
        let start = try #require(SyncCursor.start)
        let pulledOld = try await upgraded.pullJSON(user: user, after: start, limit: 1000)
        #expect(pulledOld == (try await current.store.pullJSON(user: user, after: start, limit: 1000)))
        // Lists of one kind still come in ID order, with the rows the old layout had.
        let notes = try await upgraded.listed(user: user, RecordQuery(kind: .note, limit: 100))
        let page = try JSONSerialization.jsonObject(with: Data(notes.answer(cursor: { $0 }).readableBytesView)) as? [String: Any]
        let ids = (page?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == records.filter { $0.kind == .note && !$0.deleted }.map(\.idString).sorted())
        // Lists by article read the links the upgrade wrote from the old rows.
        for article in records.filter({ $0.kind == .article }) {
            var query = RecordQuery(kind: .highlight, limit: 100)
            query.articleId = article.idString
            let listed = try await upgraded.listed(user: user, query)
            let body = try JSONSerialization.jsonObject(with: Data(listed.answer(cursor: { $0 }).readableBytesView)) as? [String: Any]
            let highlights = (body?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            let expected = records.filter { $0.kind == .highlight && !$0.deleted && $0.string("articleId") == article.idString }.map(\.idString).sorted()
            #expect(highlights == expected, "the highlights of \(article.idString)")
            #expect(!expected.isEmpty || article.deleted)
        }
    }

    /// A database of 4 KiB pages (every one made before 16 KiB became the default) is rebuilt by
    /// `compact` with 16 KiB pages and keeps every record, change and token; while a server has
    /// it open, compact refuses and changes nothing.
    @Test func compactRebuildsAnOldDatabaseWithLargerPagesAndKeepsEverything() async throws {
        let fixture = try await ServerFixture("compact", sqliteOnly: true)
        let path = fixture.folder.appendingPathComponent("old.sqlite").path
        try Self.oldDatabase(at: path, upTo: "9999").close()  // every migration, SQLite's default 4 KiB pages
        let store = try SQLiteServerStore(path: path)
        let (user, token) = try await store.addUser(name: "ana")
        _ = try await SyncClient(replica: try ExportAPITests.annotatedLibrary(), transport: DirectTransport(store: store, user: user)).sync()
        let records = try await store.records(user: user)
        let feed = try await store.pullJSON(user: user, after: .start, limit: 1000)
        #expect(try await store.pageSize() == 4096)

        #expect(throws: ServerError.invalid("\(path) is in use; stop the gloss servers on it and run compact again (nothing was changed).")) {
            try SQLiteServerStore.compact(path: path)
        }
        #expect(try await store.records(user: user) == records)
        try store.pool.close()

        let result = try SQLiteServerStore.compact(path: path)
        #expect(result.pageSizeBefore == 4096 && result.pageSizeAfter == 16_384)
        let reopened = try SQLiteServerStore(path: path)
        #expect(try await reopened.pageSize() == 16_384)
        #expect(try await reopened.authenticate(token: token) == user)
        #expect(try await reopened.records(user: user) == records)
        #expect(try await reopened.pullJSON(user: user, after: .start, limit: 1000) == feed)
        #expect(try await reopened.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(throws: ServerError.invalid("There is no server database at \(path).missing.")) {
            try SQLiteServerStore.compact(path: path + ".missing")
        }
    }

    /// Two servers started at once on a database that needs migrating both start, with every
    /// migration applied. Before the fix, one of the two failed in 17 of 20 rounds ("UNIQUE
    /// constraint failed: grdb_migrations.identifier", or "duplicate column name: pushes").
    @Test func twoServersOpeningAnOldDatabaseAtOnceBothStart() async throws {
        let fixture = try await ServerFixture("migrate-race", sqliteOnly: true)
        let everyMigration = Set(embeddedMigrations.map(\.name))
        for round in 0..<10 {
            let path = fixture.folder.appendingPathComponent("old-\(round).sqlite").path
            let old = try Self.oldDatabase(at: path, upTo: "0004_search")
            try await old.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            try old.close()
            // On threads of their own, as two processes would be: a store opens synchronously,
            // waiting for SQLite's write lock.
            let opened = (0..<2).map { _ in
                Task {
                    try await onOwnThread {
                        let store = try SQLiteServerStore(path: path)
                        defer { try? store.pool.close() }
                        return try store.pool.read { db in try DatabaseMigrator().appliedIdentifiers(db) }
                    }
                }
            }
            for task in opened {
                let result = await task.result
                #expect(throws: Never.self, "round \(round)") { try result.get() }
                if case .success(let applied) = result { #expect(applied == everyMigration) }
            }
        }
    }
}

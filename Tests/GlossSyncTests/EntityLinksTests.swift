import Foundation
import Testing
import GlossModel
@testable import GlossServer
import GlossSync

/// Lists by article and by highlight read the `entity_links` table, which pushes do not write and
/// the first such read after them brings up to date (schema/server/0007). What a client sees
/// must not show it: after every push, each article's and highlight's lists hold exactly the
/// entities that name it now, in ID order, also when a note moved to another highlight, lost
/// its article, or was deleted, and however many pushes came between two reads.
@Suite struct EntityLinksTests {
    /// The IDs a list by article or highlight answers, all pages of 2 followed.
    static func listed(_ store: SQLiteServerStore, _ user: UserID, _ kind: EntityKind, article: UUID? = nil, highlight: UUID? = nil, deleted: Bool = false) async throws -> [String] {
        var ids: [String] = []
        var query = RecordQuery(kind: kind, limit: 2)
        query.articleId = article?.lowercaseText
        query.highlightId = highlight?.lowercaseText
        query.includeDeleted = deleted
        while true {
            let page = try await store.listed(user: user, query)
            let body = try JSONSerialization.jsonObject(with: Data(page.answer(cursor: { $0 }).readableBytesView)) as? [String: Any]
            ids += (body?["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            guard page.hasMore, let next = page.nextAfter else { return ids }
            query.after = next
        }
    }

    @Test func listsByArticleAndHighlightFollowEveryPush() async throws {
        let device = DeviceID(rawValue: "links-test")
        var clock = HybridClock()
        func change(_ op: ChangeOperation, _ kind: EntityKind, _ id: UUID, _ fields: [String: JSONValue] = [:]) -> Change {
            Change(entity: kind, entityId: id, op: op, clock: clock.now(), device: device, fields: fields.mapValues { FieldChange(new: $0) })
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-links-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path)
        let (user, _) = try await store.addUser(name: "ana")
        let (other, _) = try await store.addUser(name: "bo")
        // IDs sorted, so each expected list is in ID order as written.
        let ids = (0..<12).map { _ in UUID() }.sorted { $0.lowercaseText < $1.lowercaseText }
        let (a1, a2) = (ids[0], ids[1])
        let (h1, h2, h3) = (ids[2], ids[3], ids[4])
        let (n1, n2, n3, n4, n5) = (ids[5], ids[6], ids[7], ids[8], ids[9])
        func push(_ changes: [Change], as who: UserID? = nil) async throws {
            let response = try await store.push(user: who ?? user, PushRequest(device: device, changes: changes))
            #expect(response.results.allSatisfy { $0.outcome == .applied }, "\(response.results)")
        }
        try await push([
            change(.create, .article, a1, ["text": .string("first"), "title": .string("One")]), change(.create, .article, a2, ["text": .string("second"), "title": .string("Two")]),
            change(.create, .highlight, h1, ["articleId": .string(a1.lowercaseText), "exact": .string("fi")]),
            change(.create, .highlight, h2, ["articleId": .string(a1.lowercaseText), "exact": .string("st")]),
            change(.create, .highlight, h3, ["articleId": .string(a2.lowercaseText), "exact": .string("se")]),
            change(.create, .note, n1, ["body": .string("on h1"), "articleId": .string(a1.lowercaseText), "highlightId": .string(h1.lowercaseText)]),
            change(.create, .note, n2, ["body": .string("on a1"), "articleId": .string(a1.lowercaseText)]),
            change(.create, .note, n3, ["body": .string("alone")]),
            change(.create, .note, n4, ["body": .string("on h3"), "articleId": .string(a2.lowercaseText), "highlightId": .string(h3.lowercaseText)]),
        ])
        // Another account's note on the same article ID is never in this one's lists.
        try await push([change(.create, .note, n5, ["body": .string("bo's"), "articleId": .string(a1.lowercaseText)])], as: other)
        // Pushes this small bring the links up to date themselves: no read has caught them up yet.
        #expect(!(try store.linksAreBehind(user: user)))
        #expect(!(try store.linksAreBehind(user: other)))
        let text = { (ids: [UUID]) in ids.map(\.lowercaseText) }
        #expect(try await Self.listed(store, user, .highlight, article: a1) == text([h1, h2]))
        #expect(try await Self.listed(store, user, .highlight, article: a2) == text([h3]))
        #expect(try await Self.listed(store, user, .note, article: a1) == text([n1, n2]))
        #expect(try await Self.listed(store, user, .note, highlight: h1) == text([n1]))
        #expect(try await Self.listed(store, user, .note, article: a1, highlight: h1) == text([n1]))
        #expect(try await Self.listed(store, other, .note, article: a1) == text([n5]))

        // Two pushes before the next read: n4 moves to h1 on a1, n2 loses its article, h2 is deleted.
        try await push([change(.update, .note, n4, ["articleId": .string(a1.lowercaseText), "highlightId": .string(h1.lowercaseText)])])
        try await push([change(.update, .note, n2, ["articleId": .null]), change(.delete, .highlight, h2, ["deleted": .bool(true)])])
        #expect(try await Self.listed(store, user, .highlight, article: a1) == text([h1]))
        #expect(try await Self.listed(store, user, .highlight, article: a1, deleted: true) == text([h1, h2]))
        #expect(try await Self.listed(store, user, .note, article: a1) == text([n1, n4]))
        #expect(try await Self.listed(store, user, .note, article: a2).isEmpty)
        #expect(try await Self.listed(store, user, .note, highlight: h1) == text([n1, n4]))
        #expect(try await Self.listed(store, user, .note, highlight: h3).isEmpty)
        // n2 names nothing now: it is a standalone note, and in no list by article.
        var standalone = RecordQuery(kind: .note)
        standalone.standalone = true
        let page = try await store.listed(user: user, standalone)
        let body = try JSONSerialization.jsonObject(with: Data(page.answer(cursor: { $0 }).readableBytesView)) as? [String: Any]
        #expect((body?["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == text([n2, n3]))

        // Restored, h2 is listed again after one more push.
        try await push([change(.restore, .highlight, h2, ["deleted": .bool(false)])])
        #expect(try await Self.listed(store, user, .highlight, article: a1) == text([h1, h2]))
    }

    /// A push of more rows than ``LibraryState/linkedWritesLimit`` leaves the links behind (the
    /// point of the table); the small pushes after it cannot bring them up to date either. The
    /// first read by article then lists everything, and after it they are current again.
    @Test func aLargePushLeavesTheLinksForTheNextReadToCatchUp() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-links-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // (No catch-up in the background here: it could come before the checks of what is behind.)
        let store = try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path, linksCatchUpAfter: nil)
        let (user, _) = try await store.addUser(name: "ana")
        let device = DeviceID(rawValue: "links-test")
        var clock = HybridClock()
        func change(_ kind: EntityKind, _ id: UUID, _ fields: [String: JSONValue]) -> Change {
            Change(entity: kind, entityId: id, op: .create, clock: clock.now(), device: device, fields: fields.mapValues { FieldChange(new: $0) })
        }
        let articles = (0..<3).map { _ in UUID() }
        var highlights: [UUID: [String]] = [:]
        var changes = articles.map { change(.article, $0, ["text": .string("text of \($0)")]) }
        for n in 0..<(LibraryState.linkedWritesLimit + 100) {
            let id = UUID(), article = articles[n % articles.count]
            highlights[article, default: []].append(id.lowercaseText)
            changes.append(change(.highlight, id, ["articleId": .string(article.lowercaseText), "exact": .string("quote \(n)")]))
        }
        _ = try await store.push(user: user, PushRequest(device: device, changes: changes))
        #expect(try store.linksAreBehind(user: user), "a large push does not write the links")
        let first = try #require(highlights[articles[0]]?.min())
        let note = UUID()
        _ = try await store.push(user: user, PushRequest(device: device, changes: [
            change(.note, note, ["body": .string("on the first"), "articleId": .string(articles[0].lowercaseText), "highlightId": .string(first)]),
        ]))
        #expect(try store.linksAreBehind(user: user), "a small push after it leaves them behind too")
        for article in articles {
            #expect(try await Self.listed(store, user, .highlight, article: article) == highlights[article]?.sorted())
        }
        #expect(!(try store.linksAreBehind(user: user)))
        #expect(try await Self.listed(store, user, .note, highlight: UUID(uuidString: first)) == [note.lowercaseText])
    }

    /// Once pushes pause, the links a large push left behind are caught up without a read, so
    /// the first list by article after a sync does not wait for it.
    @Test func linksLeftBehindAreCaughtUpOncePushesPause() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-links-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteServerStore(path: folder.appendingPathComponent("server.sqlite").path, linksCatchUpAfter: .milliseconds(50))
        let (user, _) = try await store.addUser(name: "ana")
        let device = DeviceID(rawValue: "links-test")
        var clock = HybridClock()
        let article = UUID()
        var changes = [Change(entity: .article, entityId: article, op: .create, clock: clock.now(), device: device, fields: ["text": FieldChange(new: .string("a text"))])]
        for n in 0...LibraryState.linkedWritesLimit {
            changes.append(Change(entity: .highlight, entityId: UUID(), op: .create, clock: clock.now(), device: device,
                                  fields: ["articleId": FieldChange(new: .string(article.lowercaseText)), "exact": FieldChange(new: .string("quote \(n)"))]))
        }
        _ = try await store.push(user: user, PushRequest(device: device, changes: changes))
        // Deadline far past the pause: on two busy cores a sleeping task can be late by seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while try store.linksAreBehind(user: user), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!(try store.linksAreBehind(user: user)), "caught up without a read")
        #expect(try await Self.listed(store, user, .highlight, article: article).count == LibraryState.linkedWritesLimit + 1)
    }
}

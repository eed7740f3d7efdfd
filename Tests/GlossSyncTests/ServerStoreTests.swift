import Foundation
import Testing
@testable import GlossModel
@testable import GlossReplica
@testable import GlossServer
import GRDB
@testable import GlossStore
@testable import GlossSync

@Suite struct ServerStoreTests {
    func store() async throws -> (any ServerStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (try await TestStores.make(in: folder), folder)
    }

    @Test func theSplicedPullPageIsTheCanonicalEncodingOfThePage() async throws {
        let (store, folder) = try await store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let user = try await store.addUser(name: "ana").user
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        _ = try library.importArticle(text: "Some \"quoted\" text.\nNext line.", title: "T", tags: ["x"])
        let note = try library.addNote(body: "note é", tags: ["a", "b"])
        _ = try library.editNote(note.id, body: "note é edited")
        _ = try await store.push(user: user, PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 100)))
        for (cursor, limit) in [(SyncCursor.start, 2), (SyncCursor(version: 1, seq: 2), 10), (SyncCursor.start, 100)] {
            let typed = try await store.pull(user: user, after: cursor, limit: limit)
            let spliced = try await store.pullJSON(user: user, after: cursor, limit: limit)
            #expect(spliced == (try CanonicalJSON.encode(typed)))
            #expect(try JSONDecoder().decode(PullResponse.self, from: spliced) == typed)
            // The fast decoder hands each change's bytes on as they came: its canonical JSON.
            let decoded = try PullResponse.decode(spliced)
            #expect(decoded == typed)
            #expect(decoded.changeJSON == typed.changes.map { Array(JSONWriter.encode($0)) })
        }
        // A library that keeps those bytes journals exactly what one that encodes them again does.
        let page = try PullResponse.decode(try await store.pullJSON(user: user, after: .start, limit: 100))
        let kept = try Library(inMemoryWithDevice: DeviceID(rawValue: "kept")), encoded = try Library(inMemoryWithDevice: DeviceID(rawValue: "encoded"))
        try kept.applyPulled(changes: page.changes, records: page.records, cursor: page.cursor, changeJSON: page.changeJSON)
        try encoded.applyPulled(changes: page.changes, records: page.records, cursor: page.cursor)
        let journal = { (library: Library) in try library.read { db in try String.fetchAll(db, sql: "SELECT change FROM journal ORDER BY seq") } }
        #expect(try journal(kept) == journal(encoded))
        #expect(try journal(kept).count == page.changes.count)
    }

    @Test func pagesNeverSkipOrRepeatAChangeAcrossPushBoundaries() async throws {
        let (store, folder) = try await store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let user = try await store.addUser(name: "ana").user
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        var pushed: [String] = []
        for batch in 0..<4 {
            for n in 0..<(3 + batch) { _ = try library.addNote(body: "batch \(batch) note \(n)") }
            let changes = try library.unpushedChanges(limit: 100)
            _ = try await store.push(user: user, PushRequest(device: library.device, changes: changes))
            try library.markPushed(changes.map(\.id))
            pushed += changes.map(\.id.description)
        }
        for limit in [1, 2, 4, 5, 100] {
            var cursor = SyncCursor.start
            var seen: [String] = []
            while true {
                let page = try await store.pull(user: user, after: cursor, limit: limit)
                seen += page.changes.map(\.id.description)
                cursor = try #require(SyncCursor(page.cursor))
                if !page.hasMore { break }
            }
            #expect(seen == pushed, "limit \(limit)")
        }
    }

    @Test func aRetriedPushChangesNothingTheSecondTime() async throws {
        let (store, folder) = try await store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let user = try await store.addUser(name: "ana").user
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        _ = try library.addNote(body: "once")
        let request = PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 10))
        let first = try await store.push(user: user, request)
        let second = try await store.push(user: user, request)
        #expect(first.results.map(\.outcome) == [.applied])
        #expect(second.results.map(\.outcome) == [.duplicate])
        #expect(second.version == first.version)
        #expect(try await store.pull(user: user, after: .start, limit: 100).changes.count == 1)
    }

    @Test func aClockHoursAheadIsClampedToTheServersBound() async throws {
        let (store, folder) = try await store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let user = try await store.addUser(name: "ana").user
        let ahead = try Library(inMemoryWithDevice: DeviceID(rawValue: "fast"), physicalClock: { HybridClock.systemMilliseconds() + 5 * 3_600_000 })
        _ = try ahead.addNote(body: "from the future")
        // Decoded as the server decodes a request: each change's JSON is made up front, and the
        // clamped change must not be journaled with the clock it was sent with.
        let request = try PushRequest.decode(JSONWriter.encode(PushRequest(device: ahead.device, changes: try ahead.unpushedChanges(limit: 10))))
        #expect(request.changeJSON?.count == 1)
        _ = try await store.push(user: user, request)
        let stored = try #require(try await store.pull(user: user, after: .start, limit: 10).changes.first)
        #expect(stored.clock.milliseconds <= HybridClock.systemMilliseconds() + store.maximumDrift + 1000)
    }

    @Test func aMachineWhoseClockRunsAnHourBehindStillEditsWhatItHasSeen() async throws {
        let (store, folder) = try await store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let user = try await store.addUser(name: "ana").user
        let desktop = try Library(inMemoryWithDevice: DeviceID(rawValue: "desktop"))
        let laptop = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"), physicalClock: { HybridClock.systemMilliseconds() - 3_600_000 })
        func sync(_ library: Library) async throws {
            _ = try await SyncClient(replica: library, transport: DirectTransport(store: store, user: user)).sync()
        }
        let note = try desktop.addNote(body: "Written on the desktop.")
        _ = try desktop.editNote(note.id, body: "Written on the desktop, then edited there.")
        try await sync(desktop)
        try await sync(laptop)
        // The laptop, an hour behind, edits the body it has just pulled: its edit is the note's
        // body, there and everywhere after a sync, not an older write that loses to what it saw.
        let edited = try laptop.editNote(note.id, body: "Edited on the laptop after reading the desktop's edit.")
        #expect(edited.body == "Edited on the laptop after reading the desktop's edit.")
        #expect(edited.conflicts.isEmpty)
        try await sync(laptop)
        try await sync(desktop)
        #expect(try desktop.note(note.id)?.body == "Edited on the laptop after reading the desktop's edit.")
        #expect(try await store.record(user: user, id: note.id.description)?.string("body") == "Edited on the laptop after reading the desktop's edit.")
    }

    @Test func tokensAreHashedAndRevocable() async throws {
        let (store, folder) = try await store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (user, token) = try await store.addUser(name: "ana")
        #expect(token.hasPrefix("gls_") && token.count == 68)
        #expect(try await store.authenticate(token: token) == user)
        if let sqlite = store as? SQLiteServerStore {
            let raw = try await sqlite.pool.read { db in try String.fetchAll(db, sql: "SELECT hash FROM tokens") }
            #expect(!raw.contains(token) && raw.contains(Tokens.hash(token)))
        }
        await #expect(throws: ServerError.userExists("ana")) { try await store.addUser(name: "ana") }
        try await store.revokeToken(token)
        #expect(try await store.authenticate(token: token) == nil)
        await #expect(throws: ServerError.unknownToken) { try await store.revokeToken(token) }
    }

    /// An acknowledged push is on disk (`--durability full`, the default: `synchronous = FULL`,
    /// 2, on the writer); `normal` (1) is what the option says. GRDB sets NORMAL when it turns
    /// WAL on, after the configuration's own pragmas, so the store sets it again afterwards.
    @Test(arguments: [(SQLiteServerStore.Durability.full, 2), (.normal, 1)])
    func theWriterCommitsWithTheChosenDurability(durability: SQLiteServerStore.Durability, level: Int) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("server.sqlite").path
        for _ in 0..<2 {  // a new database, then the same one reopened
            let store = try SQLiteServerStore(path: path, durability: durability)
            #expect(try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == level)
            await store.close()
        }
    }

    /// A large push gets a 32 MiB page cache for its transaction; afterwards the writer is back
    /// at SQLite's default, also when the push fails, so the server's memory does not stay up.
    @Test func aLargePushLeavesTheWritersCacheAtItsDefault() async throws {
        let fixture = try await ServerFixture("cache", sqliteOnly: true)
        let store = try #require(fixture.store as? SQLiteServerStore)
        let user = try #require(try await store.authenticate(token: fixture.token))
        let cacheSize = { try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } }
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        for n in 0..<SQLiteServerStore.largePush { _ = try library.addNote(body: "note \(n)") }
        let changes = try library.unpushedChanges(limit: 1_000)
        let answer = try await store.push(user: user, PushRequest(device: library.device, changes: changes))
        #expect(answer.results.allSatisfy { $0.outcome == .applied } && answer.results.count == SQLiteServerStore.largePush)
        #expect(try await cacheSize() == -2000)
        // A push the store refuses halfway (another user's library is gone) leaves it at the default too.
        await #expect(throws: (any Error).self) {
            _ = try await store.push(user: UserID(rawValue: "nobody"), PushRequest(device: library.device, changes: changes))
        }
        #expect(try await cacheSize() == -2000)
        await store.close()
    }
}

@Suite struct PushBatchTests {
    /// A full page decodes its changes and records on all cores; it must read as Foundation's
    /// decoder reads it, and keep each change's bytes as they came.
    @Test func aFullPullPageDecodesOnAllCoresAsTheDecoderReadsIt() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        let article = try library.importArticle(text: "Tides, granite and the keeper's “barometer”, again.", title: "Keeper", tags: ["sea"]).article
        for n in 0..<150 {
            let highlight = try library.addHighlight(article: article.id, selector: TextSelector(text: ArticleText(article.text), start: n % 10, end: n % 10 + 5))
            _ = try library.addNote(body: "note \(n) é 🦊", article: article.id, highlight: highlight.id, tags: n % 2 == 0 ? ["t"] : [])
        }
        let changes = try library.log()
        let records = try library.allRecords()
        #expect(changes.count >= PullResponse.parallelDecodeMinimum && records.count >= PullResponse.parallelDecodeMinimum)
        let bytes = PullResponse(changes: changes, records: records, cursor: "c", hasMore: true).encoded()
        let fast = try PullResponse.decode(bytes)
        #expect(fast == (try JSONDecoder().decode(PullResponse.self, from: bytes)))
        #expect(fast.changeJSON == changes.map { Array(JSONWriter.encode($0)) })
    }

    /// A large batch renders its rows' JSON on all cores after the in-order merge; the rows must
    /// be those of the same changes applied one at a time (rendered in order, on one thread).
    @Test func aLargeBatchWritesTheRowsOfItsChangesAppliedOneByOne() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        let article = try library.importArticle(text: "Tides, granite and the keeper's barometer, again and again.", title: "Keeper").article
        for n in 0..<130 {
            let highlight = try library.addHighlight(article: article.id, selector: TextSelector(text: ArticleText(article.text), start: n % 20, end: n % 20 + 6))
            let note = try library.addNote(body: "note \(n)", article: article.id, highlight: highlight.id, tags: ["t\(n % 3)"])
            if n % 4 == 0 { _ = try library.editNote(note.id, body: "note \(n), edited") }
        }
        let changes = try library.unpushedChanges(limit: 1_000)
        #expect(changes.count >= LibraryBatch.parallelRenderMinimum * 2)
        func batch() -> LibraryBatch { LibraryBatch(version: 0, clock: "0000000000000000", maximumDrift: 300_000, physicalClock: { 1_800_000_000_000 }) }
        var whole = batch(), single = batch()
        let wholeResults = try whole.apply(changes, device: library.device, known: [], stored: [:])
        var singleResults: [PushResult] = []
        for change in changes { singleResults += try single.apply([change], device: library.device, known: [], stored: [:]) }
        #expect(wholeResults == singleResults)
        let rows = { (batch: LibraryBatch) in batch.writes.map { [$0.recordJSON, $0.listedJSON ?? "", $0.changeJSON, "\($0.seq)"] } }
        #expect(rows(whole) == rows(single))
        #expect(whole.writes.count == changes.count)
    }

    /// The push answer is written and read by hand-written code; it must be the bytes and the
    /// meaning Foundation's canonical encoder and decoder give.
    @Test func thePushAnswerIsTheCanonicalJSONBothWays() throws {
        let answer = PushResponse(version: 42, results: [
            PushResult(id: ID<Change>.timeOrdered(), outcome: .applied),
            PushResult(id: ID<Change>.timeOrdered(), outcome: .rejected, reason: "no note \"x/y\" exists — é 中"),
            PushResult(id: ID<Change>.timeOrdered(), outcome: .duplicate),
        ])
        let bytes = JSONWriter.encode(answer)
        #expect(bytes == (try CanonicalJSON.encode(answer)))
        #expect(try PushResponse.decode(bytes) == answer)
        // Whitespace and key order as another server might write them; a wrong shape is an error.
        let id = answer.results[0].id
        #expect(try PushResponse.decode(Data(#"{ "version": 7, "results": [ { "outcome": "merged", "id": "\#(id)", "reason": null } ] }"#.utf8))
                == PushResponse(version: 7, results: [PushResult(id: id, outcome: .merged)]))
        #expect(throws: (any Error).self) { try PushResponse.decode(Data(#"{"version": 7, "results": [{"id": "\#(id)", "outcome": "eaten"}]}"#.utf8)) }
        #expect(throws: (any Error).self) { try PushResponse.decode(Data(#"{"version": "7", "results": []}"#.utf8)) }
    }

    /// A large push is decoded on all cores: it must read as `JSONDecoder` reads it, with each
    /// change's canonical JSON, whatever the layout; a broken change anywhere is still an error.
    @Test func aLargePushDecodesOnAllCoresAsTheDecoderReadsIt() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
        let article = try library.importArticle(text: "Brackets ]} and {[ quotes \" in the text — é 🦊.", title: "Ü").article
        for n in 0..<PushRequest.parallelDecodeMinimum {
            let note = try library.addNote(body: "Note \(n): \"]},{[\" \\ \n é 🦊", article: article.id, tags: ["t\(n % 3)"])
            if n % 10 == 0 { _ = try library.editNote(note.id, body: "Edited \(n) }") }
        }
        let changes = try library.unpushedChanges(limit: 1_000)
        #expect(changes.count > PushRequest.parallelDecodeMinimum)
        let expected = PushRequest(device: library.device, changes: changes)
        let canonical = JSONWriter.encode(expected)
        let pretty = try { let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted]; return try e.encode(expected) }()
        for body in [canonical, pretty] {
            let decoded = try PushRequest.decode(body)
            #expect(decoded == (try JSONDecoder().decode(PushRequest.self, from: body)))
            #expect(decoded == expected)
            #expect(decoded.changeJSON == changes.map { JSONWriter.string($0) })
        }
        // One change in the middle broken three ways: the whole request is refused.
        let text = String(decoding: canonical, as: UTF8.self)
        // `changes` twice: read as `JSONDecoder` reads it, not as the two arrays joined.
        let twice = Data(("{\"changes\":[]," + text.dropFirst()).utf8)
        #expect((try? PushRequest.decode(twice)) == (try? JSONDecoder().decode(PushRequest.self, from: twice)))
        let middle = changes[changes.count / 2].id.description
        for broken in [text.replacingOccurrences(of: #""id":"\#(middle)""#, with: #""id":42"#),
                       text.replacingOccurrences(of: #""id":"\#(middle)""#, with: #""id":"\#(middle)"}"#),
                       String(text.dropLast(3))] {
            #expect(broken != text)
            #expect(throws: (any Error).self) { try PushRequest.decode(Data(broken.utf8)) }
        }
    }

    @Test func aBatchOfLongArticlesIsSplitToFitTheBodyLimit() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        for n in 0..<5 { _ = try library.importArticle(text: "Article \(n) " + String(repeating: "long text ", count: 30_000), title: "A\(n)") }
        let changes = try library.outgoingChanges(limit: 500, after: nil)
        let batch = SyncClient<Library, NoTransport>.prefix(changes, bytes: 700_000)
        #expect(batch.count == 2)
        #expect(SyncClient<Library, NoTransport>.prefix(changes, bytes: 10).count == 1)
        #expect(SyncClient<Library, NoTransport>.prefix(changes, bytes: 100_000_000).count == 5)
    }

    @Test func aPushSendsTheJournalsJSONAsItIsTheSameBytesAsEncodingTheChanges() throws {
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "laptop"))
        let article = try library.importArticle(text: "Café “quoted” — naïve 中国 text.\nSecond line with \\ and \u{1F600}.", title: "Ünïcode").article
        let note = try library.addNote(body: "A note — «with» \"quotes\" and a tab\t.", article: article.id, tags: ["ü-tag"])
        _ = try library.editNote(note.id, body: "Edited — again")
        let outgoing = try library.outgoingChanges(limit: 100, after: nil)
        let decoded = try library.unpushedChanges(limit: 100)
        #expect(outgoing.map(\.id) == decoded.map(\.id))
        #expect(PushRequest.encode(device: library.device, changes: outgoing) == Array(JSONWriter.encode(PushRequest(device: library.device, changes: decoded))))
        // After the first entry: the rest, in journal order.
        #expect(try library.outgoingChanges(limit: 100, after: outgoing[0].id).map(\.id) == Array(decoded.dropFirst()).map(\.id))
    }
}

struct NoTransport: SyncTransport {
    func push(_ request: PushRequest) async throws -> PushResponse { throw TransportFailure() }
    func pull(cursor: String?, limit: Int) async throws -> PullResponse { throw TransportFailure() }
}

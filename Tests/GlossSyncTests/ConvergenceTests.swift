import Foundation
import GlossTestSupport
import Testing
@testable import GlossModel
@testable import GlossReplica
@testable import GlossServer
@testable import GlossStore
@testable import GlossSync

/// A physical clock shared by the simulation: it moves one millisecond per step, so replicas
/// often stamp changes in the same millisecond.
final class SimulatedTime: @unchecked Sendable {
    private let lock = NSLock()
    private var now: UInt64 = 1_800_000_000_000
    func read() -> UInt64 { lock.withLock { now } }
    func advance(_ ms: UInt64 = 1) { lock.withLock { now += ms } }
}

/// Faults a transport may inject, from a seeded generator.
final class Faults: @unchecked Sendable {
    private let lock = NSLock()
    private var rng: SeededGenerator
    var enabled = true
    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }
    func roll(_ probability: Double) -> Bool {
        lock.withLock { enabled && Double(rng.next() % 10_000) / 10_000 < probability }
    }
}

struct TransportFailure: Error {}

/// The sync protocol in process: messages go through JSON like on the wire, and may be lost
/// before the server sees them, lost after it committed, or delivered twice.
struct InProcessTransport: SyncTransport {
    let store: any ServerStore
    let user: UserID
    let faults: Faults

    func roundTrip<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try CanonicalJSON.encode(value))
    }

    func push(_ request: PushRequest) async throws -> PushResponse {
        if faults.roll(0.1) { throw TransportFailure() }  // request lost
        let sent = try roundTrip(request)
        let response = try await store.push(user: user, sent)
        if faults.roll(0.1) { _ = try await store.push(user: user, sent) }  // delivered twice
        if faults.roll(0.1) { throw TransportFailure() }  // answer lost after the commit
        return try roundTrip(response)
    }

    func pull(cursor: String?, limit: Int) async throws -> PullResponse {
        if faults.roll(0.05) { throw TransportFailure() }
        guard let position = cursor.map({ SyncCursor($0) }) ?? SyncCursor.start else { throw ServerError.badCursor }
        let page = try await store.pull(user: user, after: position, limit: limit)
        if faults.roll(0.1) { throw TransportFailure() }  // page lost on the way back
        return try roundTrip(page)
    }
}

/// One replica in the simulation.
struct Replica {
    let library: Library
    let client: SyncClient<Library, InProcessTransport>
}

@Suite struct ConvergenceTests {
    static let texts = [
        "China signed more than forty deals during the week. The train has left the station, said Gallagher.",
        "The Trans-Pacific Partnership looks fatally skewered. Officials wait to see what deals emerge in Lima.",
        "Sweet potato vines stretch in all directions, but they all grow out of its roots, Xi said in a speech.",
    ]
    static let words = ["trade", "reset", "deal", "Lima", "growth", "roots", "summit", "policy", "tariff", "vines"]
    static let tags = ["china", "trade", "todo", "peru"]

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomOperationsOnReplicasConverge(seed: UInt64) async throws {
        let rounds = Int(ProcessInfo.processInfo.environment["GLOSS_CONVERGENCE_ROUNDS"] ?? "") ?? 150
        try await Self.simulate(seed: seed, replicaCount: 3 + Int(seed % 3), operations: rounds)
    }

    static func simulate(seed: UInt64, replicaCount: Int, operations: Int) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let time = SimulatedTime()
        let store = try await TestStores.make(in: folder, physicalClock: { time.read() })
        let user = try await store.addUser(name: "ana").user
        let faults = Faults(seed: seed &* 7919)
        // Clock offsets: two replicas share the millisecond, one runs three hours ahead, one an hour behind.
        let offsets: [Int64] = [0, 0, 3 * 3_600_000, -3_600_000, 250]
        var replicas: [Replica] = []
        for n in 0..<replicaCount {
            let offset = offsets[n % offsets.count]
            let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "replica-\(n)"), physicalClock: { UInt64(Int64(time.read()) + offset) })
            var client = SyncClient(replica: library, transport: InProcessTransport(store: store, user: user, faults: faults))
            client.pushBatch = 7  // small batches so cut-offs fall inside a sync
            client.pullLimit = 5
            replicas.append(Replica(library: library, client: client))
        }
        var rng = SeededGenerator(seed: seed)
        var bodiesWritten = Set<String>()
        func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[Int(rng.next() % UInt64(items.count))] }

        for _ in 0..<operations {
            time.advance(UInt64(rng.next() % 3))
            guard let replica = pick(replicas) else { continue }
            let library = replica.library
            let records = try library.allRecords()
            let live = records.filter { !$0.deleted }
            switch rng.next() % 12 {
            case 0:
                _ = try library.importArticle(text: pick(texts)!, title: "T\(rng.next() % 100)")
            case 1:
                guard let article = pick(live.filter { $0.kind == .article }), let text = article.string("text") else { continue }
                let scalars = ArticleText(text)
                let start = Int(rng.next() % UInt64(scalars.count - 10))
                _ = try library.addHighlight(article: ID(article.id), selector: TextSelector(text: scalars, start: start, end: start + 5 + Int(rng.next() % 5)))
            case 2:
                let body = (0..<6).map { _ in pick(words)! }.joined(separator: " ") + "."
                let target = pick(live.filter { $0.kind != .note })
                let note = try library.addNote(
                    body: body, article: target?.kind == .article ? ID(target!.id) : nil, highlight: target?.kind == .highlight ? ID(target!.id) : nil
                )
                bodiesWritten.insert(note.body)
            case 3, 4, 5:
                guard let note = pick(live.filter { $0.kind == .note }), let body = note.string("body") else { continue }
                var tokens = body.split(separator: " ").map(String.init)
                tokens[Int(rng.next() % UInt64(tokens.count))] = pick(words)! + "\(rng.next() % 10)"
                // What the person typed is what must survive. (The note's body after the edit can be
                // a merge of it with other edits, which a later edit replaces; that is not a loss.
                // Typing the body it already has changes nothing and writes nothing.)
                let typed = tokens.joined(separator: " ")
                _ = try library.editNote(ID(note.id), body: typed)
                if typed != body { bodiesWritten.insert(typed) }
            case 6:
                guard let any = pick(live) else { continue }
                try library.setTags(EntityRef(kind: any.kind, id: any.idString), [pick(tags)!], present: rng.next() % 3 != 0)
            case 7:
                guard let any = pick(records) else { continue }
                try? library.setDeleted(EntityRef(kind: any.kind, id: any.idString), !any.deleted)
            case 8:
                guard let highlight = pick(live.filter { $0.kind == .highlight }) else { continue }
                _ = try library.editHighlight(ID(highlight.id), color: pick(["green", "blue", "red"])!)
            case 9:
                guard let conflicted = pick(live.filter { !$0.conflicts.isEmpty }) else { continue }
                // The body chosen is what must survive (the note's body afterwards can be a merge).
                let chosen = conflicted.conflicts[0].body
                _ = try library.resolveConflicts(ID(conflicted.id), body: chosen)
                if chosen != conflicted.string("body") { bodiesWritten.insert(chosen) }
            default:
                _ = try? await replica.client.sync()
            }
        }

        // Heal the network and let everyone sync until nothing moves.
        faults.enabled = false
        for _ in 0..<3 {
            for replica in replicas { _ = try await replica.client.sync() }
        }

        let serverRecords = try await store.records(user: user)
        let expected = try CanonicalJSON.encode(serverRecords)
        for replica in replicas {
            #expect(try replica.library.unpushedCount() == 0)
            let got = try CanonicalJSON.encode(try replica.library.allRecords())
            #expect(got == expected, "replica \(replica.library.device) differs from the server (seed \(seed))")
        }
        // Every replica pulled in pages of 5, so each deferred its index upkeep, often in pulls cut
        // off midway: each ends with the indexes of a new library and a full-text index of its rows.
        let indexes = { (library: Library) in
            try library.database.read { db in try String.fetchAll(db, sql: "SELECT name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name") }
        }
        let fresh = try indexes(try Library(inMemoryWithDevice: nil))
        for replica in replicas {
            #expect(try !replica.library.upkeepIsDeferred)
            #expect(try indexes(replica.library) == fresh, "replica \(replica.library.device) (seed \(seed))")
            for table in ["articles_fts", "highlights_fts", "notes_fts"] {
                #expect(throws: Never.self, "\(table) of \(replica.library.device) (seed \(seed))") {
                    try replica.library.database.write { db in try db.execute(sql: "INSERT INTO \(table)(\(table), rank) VALUES ('integrity-check', 1)") }
                }
            }
        }
        let listings = try replicas.map { try CanonicalJSON.encode($0.library.annotations()) + CanonicalJSON.encode($0.library.articles()) }
        #expect(Set(listings).count == 1, "listings differ (seed \(seed))")

        // No body anyone wrote is lost: it is a current body, a conflict version, or in the journal.
        let first = replicas[0].library
        let journalBodies = Set(try first.log().compactMap { $0.fields["body"]?.new.stringValue })
        let visible = Set(serverRecords.flatMap { [$0.string("body")].compactMap { $0 } + $0.conflicts.map(\.body) })
        for body in bodiesWritten {
            #expect(journalBodies.contains(body) || visible.contains(body), "lost body \"\(body)\" (seed \(seed))")
        }
    }
}

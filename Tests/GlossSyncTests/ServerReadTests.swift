import Foundation
import GlossTestSupport
import Testing
@testable import GlossModel
@testable import GlossServer
@testable import GlossStore
@testable import GlossSync

/// The SQLite store reads on the request's thread (short reads) or on a thread of its own (long
/// ones), never through GRDB's async read, so that no reader is held by a suspended task. Mixing
/// the two kinds of read the wrong way deadlocks once the cooperative pool's threads all wait
/// for a reader; this suite drives far more reads at once than there are readers and threads.
@Suite struct ServerReadTests {
    @Test func hundredsOfReadsOfEveryKindAtOnceAllFinishWithTheRightAnswers() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-reads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await TestStores.make(in: folder)
        let (user, token) = try await store.addUser(name: "ana")
        let library = try Library(inMemoryWithDevice: DeviceID(rawValue: "dev"))
        let notes = try (0..<60).map { n in try library.addNote(body: "note \(n) about tariffs") }
        _ = try await store.push(user: user, PushRequest(device: library.device, changes: try library.unpushedChanges(limit: 100)))
        let someNote = notes[17].id.description

        // A deadlock holds every thread that a time limit would need to fail the test.
        let watchdog = DeadlockWatchdog(seconds: 60, "600 concurrent reads and pushes on the server store did not finish in 60 s")
        defer { watchdog.finished() }
        // SQLite: all 600 at once, the point of the suite. PostgreSQL queues each operation for one
        // of the test pool's four connections within its 12 s deadline, and other suites share the
        // database, so there at most 32 are in flight: still eight for every connection.
        let inFlight = TestStores.postgresURL == nil ? 600 : 32
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            var answers: [String: Int] = [:]
            for n in 0..<600 {
                if n >= inFlight, let answer = try await group.next() { answers[answer, default: 0] += 1 }
                group.addTask {
                    switch n % 6 {
                    case 0: return try await store.authenticate(token: token) == user ? "token" : "wrong token answer"
                    case 1: return try await store.listed(user: user, RecordQuery(kind: .note, limit: 50)).count == 50 ? "list" : "wrong list"
                    case 2: return try await store.pull(user: user, after: .start, limit: 500).changes.count >= 60 ? "pull" : "wrong pull"
                    case 3: return try await store.search(user: user, "tariffs", limit: 5, marks: ("[", "]")).count == 5 ? "search" : "wrong search"
                    case 4: return try await store.record(user: user, id: someNote) != nil ? "record" : "missing record"
                    default:
                        // Writes in between: each pushes one more note from a device of its own.
                        let writer = try Library(inMemoryWithDevice: DeviceID(rawValue: "w\(n)"))
                        _ = try writer.addNote(body: "written while reading \(n)")
                        _ = try await store.push(user: user, PushRequest(device: writer.device, changes: try writer.unpushedChanges(limit: 10)))
                        return "push"
                    }
                }
            }
            return try await group.reduce(into: answers) { $0[$1, default: 0] += 1 }
        }
        #expect(answers == ["token": 100, "list": 100, "pull": 100, "search": 100, "record": 100, "push": 100])
        await store.close()
    }
}

import Foundation
import GlossInterchange
import GlossModel
import GlossServer
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

extension PostgresServerStore {
    /// Runs `body` over one snapshot of the user's library (a repeatable-read transaction on a
    /// connection of its own) on a thread where it may block while a slow client reads the
    /// answer. Records are read a page at a time, so memory stays flat whatever the library's size.
    public func export(user: UserID, _ body: @escaping @Sendable (any AnnotationSource) throws -> Void) async throws {
        let logger = logger
        // No time limit: an export streams to a client at the client's pace.
        try await transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY", timeout: nil) { connection in
            let records = PostgresExportRecords(connection: connection, user: user.rawValue, logger: logger)
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try body(ServerAnnotationSource(records)) })
                }
            }
        }
    }
}

/// The records of one user's library in an open repeatable-read transaction, read from a thread
/// outside Swift's cooperative pool that waits for each page.
struct PostgresExportRecords: ExportRecords {
    let connection: PostgresConnection
    let user: String
    let logger: Logger
    static let pageSize = 1000

    func forEachRecord(_ kind: EntityKind, standaloneOnly: Bool, _ visit: (String) throws -> Void) throws {
        var after = (createdAt: "", id: "")
        while true {
            let query: PostgresQuery = """
                SELECT created_at, id, record FROM entities
                WHERE user_id = \(user) AND kind = \(kind.rawValue) AND (created_at, id) > (\(after.createdAt), \(after.id))
                  AND (article_id IS NULL OR NOT \(standaloneOnly))
                ORDER BY created_at, id LIMIT \(Self.pageSize)
                """
            let rows = try wait { try await all(query, (String, String, String).self) }
            for (_, _, record) in rows { try visit(record) }
            guard rows.count == Self.pageSize, let last = rows.last else { return }
            after = (last.0, last.1)
        }
    }

    func records(_ kind: EntityKind, onArticle article: String) throws -> [String] {
        let query: PostgresQuery = "SELECT record FROM entities WHERE user_id = \(user) AND kind = \(kind.rawValue) AND article_id = \(article)"
        return try wait { try await all(query, String.self) }
    }

    func referencedTombstones() throws -> Set<String> {
        let query: PostgresQuery = """
            SELECT id FROM entities WHERE user_id = \(user) AND kind = 'article' AND deleted AND id IN
              (SELECT article_id FROM entities WHERE user_id = \(user) AND kind IN ('highlight', 'note') AND NOT deleted AND article_id IS NOT NULL)
            UNION SELECT id FROM entities WHERE user_id = \(user) AND kind = 'highlight' AND deleted AND id IN
              (SELECT highlight_id FROM entities WHERE user_id = \(user) AND kind = 'note' AND NOT deleted AND highlight_id IS NOT NULL)
            """
        return Set(try wait { try await all(query, String.self) })
    }

    /// Every row of `query`, decoded.
    private func all<each Column: PostgresDecodable & Sendable>(_ query: PostgresQuery, _ columns: (repeat each Column).Type) async throws -> [(repeat each Column)] {
        let rows: PostgresRowSequence = try await connection.query(query, logger: logger)
        var decoded: [(repeat each Column)] = []
        for try await row in rows { decoded.append(try row.decode(columns)) }
        return decoded
    }

    /// Runs `work` and waits for it on this thread (which is not one of the cooperative pool's).
    private func wait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let result = NIOLockedValueBox<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            result.withLockedValue { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLockedValue { $0! }.get()
    }
}

import GRDB

/// How the SQLite store reads: never through GRDB's async `read`.
///
/// GRDB's async `read` hops to a queue to wait for a free reader, back to the task, to the
/// reader's queue, and back again: four thread switches a read, which cost a list request more
/// than reading its page (docs/performance.md, session 9). Here a reader is taken, used and given
/// back by one thread running synchronously, either the request's own (``readNow(_:)``) or one
/// of its own (``readAside(_:)``). Because no reader is ever held by a suspended task, a thread
/// that waits for a free reader waits only for another thread's running read, never for the
/// cooperative pool: the deadlock that mixing GRDB's sync and async reads can cause cannot happen.
/// (Exports read a snapshot on a connection of their own, ``export(user:_:)``; the token check
/// and list pages read through ``DirectReads``, on the calling thread too.)
extension SQLiteServerStore {
    /// Runs a short read (one record, a user's state) on the calling thread.
    func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Runs a longer read (a pull page, a search, a whole library) on a thread of its own, so the
    /// request's thread stays free for other requests meanwhile.
    func readAside<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let pool = self.pool
        return try await OffLoop.run { try pool.read(body) }
    }
}

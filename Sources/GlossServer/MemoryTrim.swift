/// Gives the memory of a large push's page cache back to the system once pushes pause.
///
/// A large push grows the writer's page cache to 32 MiB and shrinks it after the commit
/// (``SQLiteServerStore/push(user:_:)``), but the allocator keeps what SQLite freed: in
/// `gloss-bench api` the server's peak memory then went on growing after the push, to 90–106
/// MiB, against the 100 MB target. `malloc_trim` returns it, but at once after each push the next
/// push would have to fault all of it in again; so the trim waits until a second has passed
/// without another large push (docs/performance.md, session 12).
public final class MemoryTrim: Sendable {
    private let pause: QuietPeriod
    private let release: @Sendable () -> Void

    init(after quiet: Duration = .seconds(1), release: @escaping @Sendable () -> Void = MemoryTrim.trim) {
        pause = QuietPeriod(quiet)
        self.release = release
    }

    /// Called after each large push; trims once pushes have paused for `quiet`.
    func largeWriteEnded() {
        pause.schedule { [release] in release() }
    }

    /// How much freed memory each allocator arena keeps at its top for the next request instead of
    /// giving it back to the system: 4 MiB, the list pages (a 64 KiB buffer each) of 64 requests at
    /// once. glibc's default, 128 KiB and then whatever its heuristic raised it to, gave a list
    /// page's buffer back after most requests and faulted it in again on the next: 1 to 8 page
    /// faults and 8 % of a list request's CPU (docs/performance.md, session 13). A large push's
    /// cache is still given back, by ``trim()``.
    public static let keptFreeBytes: Int32 = 4 << 20

    /// Sets ``keptFreeBytes`` for the whole process; `gloss serve` calls it once at start.
    public static func keepFreedMemoryForReuse() {
        #if os(Linux)
        _ = glibcMallopt(glibcTrimThreshold, keptFreeBytes)
        #endif
    }

    @Sendable static func trim() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
/// glibc's `int malloc_trim(size_t pad)`, which Swift's Glibc module does not import (`<malloc.h>`).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

/// glibc's `int mallopt(int param, int value)` and its `M_TRIM_THRESHOLD`, from `<malloc.h>` too.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcTrimThreshold: Int32 = -1
#endif

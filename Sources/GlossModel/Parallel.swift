import Dispatch
import Foundation

/// Work split over the machine's cores, for the batch paths of sync (decoding a push, rendering
/// the records it wrote).
public enum Parallel {
    /// `items.map(transform)`, computed in one part per core (at most 8) once there are at least
    /// `minimum` items; below that, in order on the calling thread (not worth a thread). The
    /// results are in the order of `items` either way. `transform` runs on several threads at
    /// once, so it must not touch shared mutable state.
    public static func map<T, R>(_ items: [T], minimum: Int, _ transform: (T) -> R) -> [R] {
        let parts = items.count >= minimum ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        guard parts > 1 else { return items.map(transform) }
        let count = items.count
        return withoutActuallyEscaping(transform) { transform in
            Array(unsafeUninitializedCapacity: count) { buffer, initialized in
                items.withUnsafeBufferPointer { source in
                    let work = Work(source: source, results: buffer.baseAddress!, transform: transform)
                    // Each part initializes its own range of the results, none of another's.
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        for index in count * part / parts..<count * (part + 1) / parts {
                            (work.results + index).initialize(to: work.transform(work.source[index]))
                        }
                    }
                }
                initialized = count
            }
        }
    }

    /// What the parts share while the caller waits: the items (only read), the results' storage
    /// (each part writes a range of its own) and the transform (documented to be safe to run on
    /// several threads at once).
    private struct Work<T, R>: @unchecked Sendable {
        let source: UnsafeBufferPointer<T>
        let results: UnsafeMutablePointer<R>
        let transform: (T) -> R
    }
}

import Foundation
import GRDB

/// Short forms of IDs for people: the shortest prefix, at least 8 characters, that names one
/// entity of the library. Time-ordered UUIDs made in the same second share their first
/// characters, so a fixed-length prefix would not do.
public struct ShortIDs: Sendable {
    let sorted: [String]

    public func callAsFunction(_ id: String) -> String {
        let id = id.lowercased()
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < id { low = mid + 1 } else { high = mid }
        }
        var needed = 8
        for neighbour in [low - 1, low + 1] where neighbour >= 0 && neighbour < sorted.count && sorted[neighbour] != id {
            let common = zip(sorted[neighbour], id).prefix { $0 == $1 }.count
            needed = max(needed, common + 1)
        }
        return String(id.prefix(needed))
    }
}

extension Library {
    /// The abbreviations of every ID in the library, as of now.
    public func shortIDs() throws -> ShortIDs {
        let ids = try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM articles UNION ALL SELECT id FROM highlights UNION ALL SELECT id FROM notes ORDER BY 1")
        }
        return ShortIDs(sorted: ids)
    }
}

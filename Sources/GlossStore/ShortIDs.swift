import Foundation
import GRDB

/// Short forms of IDs for people: the shortest prefix, at least 8 characters, that names one
/// entity of the library. Time-ordered UUIDs made in the same second share their first
/// characters, so a fixed-length prefix would not do.
///
/// The first few look-ups ask the database for the two neighbours of each ID (two indexed
/// queries); a long listing loads every ID once instead.
public final class ShortIDs {
    private let library: Library
    private var sorted: [String]? = nil
    private var lookups = 0

    init(library: Library) { self.library = library }

    public func callAsFunction(_ id: String) -> String {
        let id = id.lowercased()
        lookups += 1
        let neighbours: [String]
        if sorted == nil && lookups <= 64 {
            neighbours = (try? library.neighbours(of: id)) ?? []
        } else {
            if sorted == nil { sorted = (try? library.allIDs()) ?? [] }
            let all = sorted ?? []
            var low = 0, high = all.count
            while low < high {
                let mid = (low + high) / 2
                if all[mid] < id { low = mid + 1 } else { high = mid }
            }
            neighbours = [low - 1, low + 1].filter { $0 >= 0 && $0 < all.count }.map { all[$0] }
        }
        var needed = 8
        for neighbour in neighbours where neighbour != id {
            let common = zip(neighbour, id).prefix { $0 == $1 }.count
            needed = max(needed, common + 1)
        }
        return String(id.prefix(needed))
    }
}

extension Library {
    /// Abbreviates IDs against the library as it is now.
    public func shortIDs() throws -> ShortIDs { ShortIDs(library: self) }

    func allIDs() throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM articles UNION ALL SELECT id FROM highlights UNION ALL SELECT id FROM notes ORDER BY 1")
        }
    }

    /// The IDs just below and just above `id`, across all entities.
    func neighbours(of id: String) throws -> [String] {
        try read { db in
            let below = try String.fetchOne(db, sql: """
                SELECT max(id) FROM (SELECT max(id) AS id FROM articles WHERE id < :id UNION ALL
                  SELECT max(id) FROM highlights WHERE id < :id UNION ALL SELECT max(id) FROM notes WHERE id < :id)
                """, arguments: ["id": id])
            let above = try String.fetchOne(db, sql: """
                SELECT min(id) FROM (SELECT min(id) AS id FROM articles WHERE id > :id UNION ALL
                  SELECT min(id) FROM highlights WHERE id > :id UNION ALL SELECT min(id) FROM notes WHERE id > :id)
                """, arguments: ["id": id])
            return [below, above].compactMap { $0 }
        }
    }
}

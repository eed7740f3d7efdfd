import Foundation
import GRDB
import GRDBSQLite
import GlossModel

/// The `entity_links` table (schema/server/0007): which article and highlight each entity
/// names, for reads by article or highlight. A transaction that writes few rows while the links
/// are current brings them up to date as it commits (``LibraryState/keepsLinks``); a large push
/// leaves them behind, and the next read that needs them (or ``LinkUpkeep``, once pushes pause)
/// catches them up with the entities written since `libraries.links_version`, in ID order and in
/// one transaction however many pushes came in between. So a push of 1,000 changes no longer
/// rewrites index leaves all over the library's articles (docs/performance.md, session 21).
///
/// A link can be one push behind the entity it points to (a push that lands between the catch-up
/// and the read); the reads join the entity's row and keep only links that still agree with it,
/// so they see a library as it was at most one push before, never a wrong article's rows.
extension SQLiteServerStore {
    /// Whether the user's links lag behind the library: one read, no lock.
    func linksAreBehind(user: UserID) throws -> Bool {
        try direct.read { connection in try Self.linksAreBehind(connection, user: user) }
    }

    static func linksAreBehind(_ connection: DirectConnection, user: UserID) throws -> Bool {
        var behind = false
        try connection.query("SELECT version > links_version FROM libraries WHERE user_id = ?", [user.rawValue.databaseValue]) { row in
            behind = sqlite3_column_int64(row, 0) != 0
            return false
        }
        return behind
    }

    /// The rows of `columns` (of `entities e`) of one kind on one article, in ID order, through
    /// the links: bind the user, the kind and the article as ?1, ?2 and ?3.
    static func byArticle(_ columns: String) -> String {
        """
        SELECT \(columns) FROM entity_links l INDEXED BY entity_links_article
        CROSS JOIN entities e ON e.user_id = l.user_id AND e.kind = l.kind AND e.id = l.id
        WHERE l.user_id = ?1 AND l.kind = ?2 AND l.article_id = ?3 AND e.article_id = l.article_id
        """
    }

    /// Writes the links of every entity written since the last catch-up (an entity that names
    /// neither an article nor a highlight any more loses its row) and notes the version reached.
    static func catchUpLinks(_ db: Database, user: UserID) throws {
        // (Cached statements: every small push runs this over its own rows.)
        guard let library = try Row.fetchOne(db.cachedStatement(sql: "SELECT version, links_version FROM libraries WHERE user_id = ?"), arguments: [user.rawValue]) else { return }
        let (version, linked): (Int64, Int64) = (library["version"], library["links_version"])
        guard linked < version else { return }
        // (`WHERE` before `ON CONFLICT` as SQLite's grammar asks of an upsert from a SELECT.)
        try db.cachedStatement(sql: """
            INSERT INTO entity_links(user_id, id, kind, article_id, highlight_id)
            SELECT user_id, id, kind, article_id, highlight_id FROM entities INDEXED BY entities_version
            WHERE user_id = ?1 AND version > ?2 AND (article_id IS NOT NULL OR highlight_id IS NOT NULL) ORDER BY id
            ON CONFLICT(user_id, id) DO UPDATE SET kind = excluded.kind, article_id = excluded.article_id, highlight_id = excluded.highlight_id
            WHERE entity_links.article_id IS NOT excluded.article_id OR entity_links.highlight_id IS NOT excluded.highlight_id
                OR entity_links.kind IS NOT excluded.kind
            """).execute(arguments: [user.rawValue, linked])
        try db.cachedStatement(sql: """
            DELETE FROM entity_links WHERE user_id = ?1 AND id IN
              (SELECT id FROM entities INDEXED BY entities_version WHERE user_id = ?1 AND version > ?2 AND article_id IS NULL AND highlight_id IS NULL)
            """).execute(arguments: [user.rawValue, linked])
        try db.cachedStatement(sql: "UPDATE libraries SET links_version = ? WHERE user_id = ?").execute(arguments: [version, user.rawValue])
    }
}

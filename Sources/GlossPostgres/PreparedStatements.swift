import PostgresNIO

/// The statements every request runs, prepared once per connection (PostgreSQL plans them once).

/// The token check of every authenticated request.
struct AuthenticateStatement: PostgresPreparedStatement {
    static let sql = "SELECT hash, user_id FROM tokens WHERE hash = $1 AND revoked_at IS NULL"
    typealias Row = (String, String)
    var hash: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(hash)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// One entity's record by ID (GET of an article, highlight or note).
struct RecordStatement: PostgresPreparedStatement {
    static let sql = "SELECT record FROM entities WHERE user_id = $1 AND id = $2"
    typealias Row = String
    var user: String
    var id: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(user)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

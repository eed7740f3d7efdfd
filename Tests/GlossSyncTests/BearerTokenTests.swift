import Testing
@testable import GlossServer

/// The `Authorization` header as clients write it: the scheme in any case, spaces around the
/// token; anything else is no token (401), never a token with the scheme or blanks in it.
@Suite struct BearerTokenTests {
    @Test func theTokenIsReadFromEveryWayClientsWriteTheHeader() {
        for header in ["Bearer gls_abc", "bearer gls_abc", "BEARER gls_abc", "Bearer   gls_abc  ", "Bearer gls_abc\t"] {
            #expect(AuthMiddleware<SQLiteServerStore>.bearerToken(header) == "gls_abc", "\(header)")
        }
    }

    @Test func aHeaderWithoutABearerTokenHasNone() {
        let headers = ["Bearer", "Bearer ", "Bearer    ", "Basic gls_abc", "Bearer\tgls_abc", "Bearergls_abc", "Bearer\u{0}gls_abc", "gls_abc",
                       "Bearer " + String(repeating: "a", count: 257), "Béarer gls_abc"]
        for header in headers {
            #expect(AuthMiddleware<SQLiteServerStore>.bearerToken(header) == nil, "\(header)")
        }
        #expect(AuthMiddleware<SQLiteServerStore>.bearerToken("Bearer " + String(repeating: "a", count: 256))?.count == 256)
    }
}

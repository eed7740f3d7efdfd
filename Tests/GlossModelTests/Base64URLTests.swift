import Foundation
import GlossTestSupport
import Testing
@testable import GlossModel

/// Cursors and ETags are base64url; clients hold them across server upgrades, so the hand-written
/// codec must produce and accept exactly what Foundation's base64 (made URL-safe) did.
@Suite struct Base64URLTests {
    static func foundation(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func encodesAsFoundationDidAndDecodesBackForEveryLength() {
        var random = SeededGenerator(seed: 64)
        for length in 0..<80 {
            for _ in 0..<40 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                let text = Base64URL.encode(bytes)
                #expect(text == Self.foundation(bytes))
                #expect(Base64URL.decode(text) == bytes)
                // Padded as plain base64 would be: accepted too.
                #expect(Base64URL.decode(text + String(repeating: "=", count: (4 - text.count % 4) % 4)) == bytes)
            }
        }
    }

    @Test func refusesWhatNoEncodingProduces() {
        for text in ["a", "abcde", "ab+c", "ab/c", "ab c", "ab=c", "a===", "abc==", "ab\u{e9}c", "====", "ab===", "abcd="] {
            #expect(Base64URL.decode(text) == nil, "\(text)")
        }
        #expect(Base64URL.decode("") == [])
    }
}

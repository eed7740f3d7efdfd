import Testing
@testable import GlossModel

@Suite struct ParallelTests {
    /// Split over the cores or not, the results are `map`'s, in order, for every size around the
    /// threshold and the split points (fewer items than parts included).
    @Test func mapGivesWhatMapGivesInOrder() {
        for count in [0, 1, 2, 3, 7, 127, 128, 129, 1_001] {
            let items = (0..<count).map { "item \($0)" }
            let transform = { (text: String) in text.uppercased() + "/\(text.utf8.count)" }
            #expect(Parallel.map(items, minimum: 1, transform) == items.map(transform), "\(count)")
            #expect(Parallel.map(items, minimum: 128, transform) == items.map(transform), "\(count)")
        }
    }
}

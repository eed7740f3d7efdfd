import Foundation

/// Text folded for forgiving quote search, with a map back to the original code points.
///
/// Folding makes straight and curly quotes and apostrophes equal, all dashes and minus signs
/// equal, and every run of white space (including no-break spaces and line breaks) one space,
/// so a quote typed on a keyboard finds the article's typeset text (DESIGN.md §3).
struct FoldedText {
    var scalars: [Unicode.Scalar] = []
    /// For each folded scalar, the original range it came from.
    var origins: [Range<Int>] = []

    init<S: Collection>(_ source: S) where S.Element == Unicode.Scalar, S.Index == Int {
        var index = source.startIndex
        while index < source.endIndex {
            let scalar = source[index]
            if scalar.properties.isWhitespace || scalar == "\u{200B}" {
                var end = index + 1
                while end < source.endIndex, source[end].properties.isWhitespace || source[end] == "\u{200B}" { end += 1 }
                scalars.append(" ")
                origins.append(index..<end)
                index = end
                continue
            }
            scalars.append(Self.fold(scalar))
            origins.append(index..<(index + 1))
            index += 1
        }
    }

    /// A typed quote, folded and trimmed of surrounding white space.
    static func query(_ text: String) -> [Unicode.Scalar] {
        var folded = FoldedText(Array(text.unicodeScalars)).scalars
        while folded.first == " " { folded.removeFirst() }
        while folded.last == " " { folded.removeLast() }
        return folded
    }

    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x0060, 0x00B4: "'"
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x00AB, 0x00BB: "\""
        case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D: "-"
        default: scalar
        }
    }

    /// Every start index where `pattern` occurs.
    func occurrences(of pattern: [Unicode.Scalar]) -> [Int] {
        guard !pattern.isEmpty, pattern.count <= scalars.count else { return [] }
        var result: [Int] = []
        let first = pattern[0]
        var i = 0
        let last = scalars.count - pattern.count
        while i <= last {
            if scalars[i] == first {
                var k = 1
                while k < pattern.count, scalars[i + k] == pattern[k] { k += 1 }
                if k == pattern.count { result.append(i) }
            }
            i += 1
        }
        return result
    }

    /// The original code-point range of folded `start..<end`.
    func originalRange(_ start: Int, _ end: Int) -> Range<Int> {
        origins[start].lowerBound..<origins[end - 1].upperBound
    }
}

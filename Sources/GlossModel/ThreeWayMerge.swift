import Foundation

/// A word-level three-way merge of two edits of one text (diff3).
///
/// Both sides are diffed against their common base; when their changes touch disjoint runs of
/// the base, both are applied. Overlapping changes (the same words changed differently, or
/// different insertions at one place) return nil and are left to the caller.
public enum ThreeWayMerge {
    /// Above this many base × side tokens (after trimming the common prefix and suffix) the diff
    /// is not attempted and the edits count as overlapping, which keeps merge time bounded.
    public static let maximumDiffCells = 4_000_000

    public static func merge(base: String, ours: String, theirs: String) -> String? {
        if ours == theirs { return ours }
        if ours == base { return theirs }
        if theirs == base { return ours }
        let b = tokens(base), o = tokens(ours), t = tokens(theirs)
        guard let ourHunks = hunks(from: b, to: o), let theirHunks = hunks(from: b, to: t) else { return nil }

        var result: [Substring] = []
        var position = 0
        var i = 0, j = 0
        while i < ourHunks.count || j < theirHunks.count {
            let next: Hunk
            if i < ourHunks.count, j < theirHunks.count {
                let a = ourHunks[i], c = theirHunks[j]
                if a == c { next = a; i += 1; j += 1 }
                else if a.overlaps(c) { return nil }
                else if a.start < c.start || (a.start == c.start && a.end < c.end) { next = a; i += 1 }
                else { next = c; j += 1 }
            } else if i < ourHunks.count {
                next = ourHunks[i]; i += 1
            } else {
                next = theirHunks[j]; j += 1
            }
            result.append(contentsOf: b[position..<next.start])
            result.append(contentsOf: next.replacement)
            position = next.end
        }
        result.append(contentsOf: b[position...])
        return result.joined()
    }

    /// Words and the white space between them, as separate tokens, so that a change to one word
    /// never touches the next.
    static func tokens(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var inSpace: Bool? = nil
        for index in text.indices {
            let space = text[index].isWhitespace
            if let current = inSpace, current != space {
                result.append(text[start..<index])
                start = index
            }
            inSpace = space
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }

    /// A replacement of `base[start..<end]`.
    struct Hunk: Equatable {
        var start: Int
        var end: Int
        var replacement: [Substring]

        func overlaps(_ other: Hunk) -> Bool {
            if start == other.start { return true }  // two changes at one place
            if start < other.end && other.start < end { return true }
            // An insertion strictly inside the other's replaced run.
            if start == end, other.start < start, start < other.end { return true }
            if other.start == other.end, start < other.start, other.start < end { return true }
            return false
        }
    }

    /// The changes that turn `base` into `side`, from a longest common subsequence.
    static func hunks(from base: [Substring], to side: [Substring]) -> [Hunk]? {
        var prefix = 0
        while prefix < base.count, prefix < side.count, base[prefix] == side[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < base.count - prefix, suffix < side.count - prefix,
              base[base.count - 1 - suffix] == side[side.count - 1 - suffix] { suffix += 1 }
        let b = Array(base[prefix..<(base.count - suffix)])
        let s = Array(side[prefix..<(side.count - suffix)])
        if b.isEmpty && s.isEmpty { return [] }
        if b.isEmpty || s.isEmpty { return [Hunk(start: prefix, end: prefix + b.count, replacement: s)] }
        guard b.count * s.count <= maximumDiffCells else { return nil }

        // lengths[i][j]: LCS of b[i...] and s[j...], in one flat array.
        let width = s.count + 1
        var lengths = [Int32](repeating: 0, count: (b.count + 1) * width)
        for i in stride(from: b.count - 1, through: 0, by: -1) {
            for j in stride(from: s.count - 1, through: 0, by: -1) {
                lengths[i * width + j] = b[i] == s[j]
                    ? lengths[(i + 1) * width + j + 1] + 1
                    : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
            }
        }
        var hunks: [Hunk] = []
        var open: Hunk? = nil
        var i = 0, j = 0
        func extend(_ hunk: inout Hunk?, at i: Int) { if hunk == nil { hunk = Hunk(start: prefix + i, end: prefix + i, replacement: []) } }
        while i < b.count || j < s.count {
            if i < b.count, j < s.count, b[i] == s[j] {
                if let h = open { hunks.append(h); open = nil }
                i += 1; j += 1
            } else if j < s.count, i == b.count || lengths[i * width + j + 1] >= lengths[(i + 1) * width + j] {
                extend(&open, at: i)
                open?.replacement.append(s[j]); j += 1
            } else {
                extend(&open, at: i)
                i += 1
                open?.end = prefix + i
            }
        }
        if let h = open { hunks.append(h) }
        return hunks
    }
}

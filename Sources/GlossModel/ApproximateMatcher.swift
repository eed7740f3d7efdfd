import Foundation

/// Approximate substring search: where does `pattern` occur in `text` with the fewest edits
/// (Levenshtein distance)? Myers' bit-parallel algorithm (1999) in 64-bit blocks, so patterns of
/// any length run in O(n · ⌈m/64⌉).
public enum ApproximateMatcher {
    public struct Match: Hashable, Sendable {
        /// Code-point range in the searched text.
        public var start: Int
        public var end: Int
        public var errors: Int
    }

    /// The best matches with at most `maxErrors` edits, fewest errors first (then earliest).
    public static func search(_ pattern: [Unicode.Scalar], in text: [Unicode.Scalar], maxErrors: Int, limit: Int = 16) -> [Match] {
        guard !pattern.isEmpty, !text.isEmpty else { return [] }
        let ends = matchEnds(pattern, in: text[...], maxErrors: maxErrors)
        // Keep, for each run of adjacent ends, the best one.
        var best: [(end: Int, errors: Int)] = []
        for candidate in ends {
            if let last = best.last, candidate.end - last.end <= pattern.count / 2 + 1 {
                if candidate.errors < last.errors { best[best.count - 1] = candidate }
            } else {
                best.append(candidate)
            }
        }
        best.sort { $0.errors != $1.errors ? $0.errors < $1.errors : $0.end < $1.end }
        var matches: [Match] = []
        for candidate in best.prefix(limit) {
            // Search the reversed pattern backwards from the end to find where the match starts.
            let windowStart = max(0, candidate.end - pattern.count - candidate.errors)
            let window = Array(text[windowStart..<candidate.end].reversed())
            let reversed = Array(pattern.reversed())
            let starts = matchEnds(reversed, in: window[...], maxErrors: candidate.errors)
            let start = starts.filter { $0.errors == candidate.errors }.map(\.end).max() ?? (candidate.end - windowStart)
            matches.append(Match(start: candidate.end - start, end: candidate.end, errors: candidate.errors))
        }
        return matches
    }

    /// Every text position `end` where some substring ending there is within `maxErrors` edits of
    /// `pattern`, with that distance.
    static func matchEnds(_ pattern: [Unicode.Scalar], in text: ArraySlice<Unicode.Scalar>, maxErrors: Int) -> [(end: Int, errors: Int)] {
        let m = pattern.count
        let blocks = (m + 63) / 64
        var peq: [Unicode.Scalar: [UInt64]] = [:]
        for (i, scalar) in pattern.enumerated() {
            peq[scalar, default: [UInt64](repeating: 0, count: blocks)][i / 64] |= 1 << UInt64(i % 64)
        }
        let zero = [UInt64](repeating: 0, count: blocks)
        var pv = [UInt64](repeating: ~0, count: blocks)
        var mv = [UInt64](repeating: 0, count: blocks)
        let lastBit: UInt64 = 1 << UInt64((m - 1) % 64)
        var score = m
        var result: [(end: Int, errors: Int)] = []
        var position = 0
        for scalar in text {
            let eqs = peq[scalar] ?? zero
            var hIn = 0  // semi-global: the top row is all zeros
            for b in 0..<blocks {
                let mask: UInt64 = b == blocks - 1 ? lastBit : 1 << 63
                let hInNegative: UInt64 = hIn < 0 ? 1 : 0
                let eq = eqs[b] | hInNegative
                let p = pv[b], mm = mv[b]
                let xv = eq | mm
                let xh = (((eq & p) &+ p) ^ p) | eq
                var ph = mm | ~(xh | p)
                var mh = p & xh
                let hOut = (ph & mask != 0 ? 1 : 0) - (mh & mask != 0 ? 1 : 0)
                ph = (ph << 1) | (hIn > 0 ? 1 : 0)
                mh = (mh << 1) | hInNegative
                pv[b] = mh | ~(xv | ph)
                mv[b] = ph & xv
                hIn = hOut
            }
            score += hIn
            position += 1
            if score <= maxErrors { result.append((position, score)) }
        }
        return result
    }

    /// Levenshtein distance, for short strings (prefix and suffix context).
    public static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

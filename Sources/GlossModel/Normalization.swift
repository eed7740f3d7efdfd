import Foundation

/// The fixed normalization of imported text (DESIGN.md §3), after markup has been dropped:
/// a byte-order mark removed, line endings unified to `\n`, NFC, trailing white space trimmed
/// from each line, runs of more than one blank line collapsed, and leading and trailing blank
/// lines removed. Positions of highlights count code points of the result, so it never changes
/// without re-anchoring.
public enum Normalization {
    public static func normalize(_ raw: String) -> String {
        var text = raw
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        text = text.precomposedStringWithCanonicalMapping
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var trimmed = line
            while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
            if trimmed.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(trimmed)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// The content hash of normalized text: SHA-256, lowercase hex.
    public static func contentHash(_ normalized: String) -> String { sha256Hex(normalized) }
}

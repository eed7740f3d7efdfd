import Foundation

/// Writes canonical JSON (sorted keys, no escaped slashes, UTF-8) straight into bytes.
///
/// Produces exactly what `CanonicalJSON.encoder()` produces for the same values (the tests
/// compare the two), an order of magnitude faster: `gloss list --json` writes hundreds of
/// thousands of objects.
public struct JSONWriter {
    public internal(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Hands over the bytes written so far and keeps writing where it was (for streaming output).
    public mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes.removeAll(keepingCapacity: true)
        return taken
    }

    public mutating func beginObject() { separator(); bytes.append(0x7B); needsComma.append(false) }
    public mutating func endObject() { bytes.append(0x7D); needsComma.removeLast() }
    public mutating func beginArray() { separator(); bytes.append(0x5B); needsComma.append(false) }
    public mutating func endArray() { bytes.append(0x5D); needsComma.removeLast() }

    /// A key inside an object; the value must follow.
    public mutating func key(_ name: StaticString) {
        separator()
        bytes.append(0x22)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        bytes.append(0x3A)
        markKeyWritten()
    }

    /// After a key, the value that follows takes no comma.
    mutating func markKeyWritten() {
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    public mutating func string(_ value: String) {
        separator()
        bytes.append(0x22)
        escaped(value)
        bytes.append(0x22)
    }

    /// A stamp's text form, `HLC@device`, without building the string first.
    public mutating func string(_ stamp: Stamp) {
        separator()
        bytes.append(0x22)
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0x30, count: 16))
        bytes.withUnsafeMutableBufferPointer { buffer in
            HLC.writeHex(stamp.clock.rawValue, into: UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + 16)]))
        }
        bytes.append(0x40)
        escaped(stamp.device.rawValue)
        bytes.append(0x22)
    }

    /// The bytes of `value` with JSON's escapes, without quotes.
    private mutating func escaped(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            // Most strings need no escaping: copy them whole (a plain loop over the contiguous
            // bytes; `utf8.contains(where:)` was the writer's hottest line in sync profiles).
            var clean = true
            for byte in utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                clean = false
                break
            }
            if clean {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
                case 0x0D: bytes.append(0x5C); bytes.append(0x72)
                case 0x09: bytes.append(0x5C); bytes.append(0x74)
                case 0x08: bytes.append(0x5C); bytes.append(0x62)
                case 0x0C: bytes.append(0x5C); bytes.append(0x66)
                case 0x00..<0x20:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: bytes.append(byte)
                }
            }
        }
    }

    public mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    public mutating func int(_ value: Int) { separator(); bytes.append(contentsOf: String(value).utf8) }
    public mutating func bool(_ value: Bool) { separator(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    public mutating func null() { separator(); bytes.append(contentsOf: "null".utf8) }

    /// A number as JSONEncoder writes a Double (whole numbers without a fraction).
    public mutating func double(_ value: Double?) {
        guard let value else { return null() }
        separator()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// Raw bytes of an already encoded value.
    public mutating func raw(_ data: some Sequence<UInt8>) { separator(); bytes.append(contentsOf: data) }

    /// An already encoded value's bytes, copied whole. Not generic: another module's call to the
    /// generic `raw` runs its unspecialized form, a protocol call per byte, which was a fifth of
    /// the server's time building a pull page (docs/performance.md, session 22).
    public mutating func raw(_ data: [UInt8]) { separator(); bytes.append(contentsOf: data) }

    /// An already encoded value held as text (its UTF-8 bytes), copied whole; see ``raw(_:)-([UInt8])``.
    public mutating func raw(_ text: String) {
        separator()
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func separator() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(0x2C) } else { needsComma[needsComma.count - 1] = true }
    }
}

/// A value with a hand-written canonical JSON form.
public protocol CanonicalJSONWritable {
    /// Writes this value's members, in sorted key order, into an object already begun.
    func writeMembers(to writer: inout JSONWriter)
}

extension CanonicalJSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writeMembers(to: &writer)
        writer.endObject()
    }
}

extension Highlight: CanonicalJSONWritable {
    public func writeMembers(to w: inout JSONWriter) {
        writeMembers(to: &w, notes: nil, type: false)
    }

    /// The members, plus `notes` and `"type": "highlight"` in their sorted places for `gloss list`.
    public func writeMembers(to w: inout JSONWriter, notes: [Note]?, type: Bool) {
        w.key("anchor"); w.string(anchor.rawValue)
        w.key("anchorScore"); w.double(anchorScore)
        w.key("articleId"); w.string(articleId.description)
        w.key("color"); w.string(color)
        w.key("createdAt"); w.string(createdAt.description)
        w.key("deleted"); w.bool(deleted)
        w.key("end"); w.int(end)
        w.key("exact"); w.string(exact)
        w.key("id"); w.string(id.description)
        if let notes {
            w.key("notes")
            w.beginArray()
            for note in notes { note.write(to: &w) }
            w.endArray()
        }
        w.key("prefix"); w.string(prefix)
        w.key("start"); w.int(start)
        w.key("suffix"); w.string(suffix)
        w.key("tags"); w.strings(tags)
        if type { w.key("type"); w.string("highlight") }
        w.key("updatedAt"); w.string(updatedAt.description)
        w.key("utf16End"); w.int(utf16End)
        w.key("utf16Start"); w.int(utf16Start)
    }
}

extension Note: CanonicalJSONWritable {
    public func writeMembers(to w: inout JSONWriter) {
        writeMembers(to: &w, type: false)
    }

    public func writeMembers(to w: inout JSONWriter, type: Bool) {
        w.key("articleId"); w.string(articleId?.description)
        w.key("body"); w.string(body)
        w.key("conflicts"); JSONWriter.writeConflicts(conflicts, to: &w)
        w.key("createdAt"); w.string(createdAt.description)
        w.key("deleted"); w.bool(deleted)
        w.key("highlightId"); w.string(highlightId?.description)
        w.key("id"); w.string(id.description)
        w.key("tags"); w.strings(tags)
        if type { w.key("type"); w.string("note") }
        w.key("updatedAt"); w.string(updatedAt.description)
    }
}

extension Article: CanonicalJSONWritable {
    public func writeMembers(to w: inout JSONWriter) {
        writeMembers(to: &w, counts: nil)
    }

    public func writeMembers(to w: inout JSONWriter, counts: (highlights: Int, notes: Int)?, withText: Bool = true) {
        w.key("author"); w.string(author)
        w.key("contentHash"); w.string(contentHash)
        w.key("createdAt"); w.string(createdAt.description)
        w.key("deleted"); w.bool(deleted)
        if let counts { w.key("highlightCount"); w.int(counts.highlights) }
        w.key("id"); w.string(id.description)
        if let counts { w.key("noteCount"); w.int(counts.notes) }
        w.key("publishedAt"); w.string(publishedAt?.description)
        w.key("tags"); w.strings(tags)
        if withText { w.key("text"); w.string(text) }
        w.key("title"); w.string(title)
        w.key("updatedAt"); w.string(updatedAt.description)
        w.key("url"); w.string(url)
    }
}

import Foundation

/// A small, strict JSON parser into ``JSONValue``, used on the sync paths where Foundation's
/// `JSONDecoder` was the largest cost (docs/performance.md). Types decode from the parsed value
/// with `init(json:)`; when that fails, callers fall back to `JSONDecoder` for its detailed
/// error message, so the fast path never changes what is accepted or how errors read.
public enum JSONParser {
    public struct Failure: Error, Equatable {}

    public static func parse(_ data: Data) throws(Failure) -> JSONValue {
        let result: JSONValue? = data.withUnsafeBytes { raw in try? parse(raw) }
        guard let result else { throw Failure() }
        return result
    }

    public static func parse(_ raw: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var parser = Cursor(bytes: raw.bindMemory(to: UInt8.self))
        guard let value = try? parser.value(depth: 0) else { throw Failure() }
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw Failure() }
        return value
    }

    /// Parses `data` like ``parse(_:)``, and also gives the byte range of each element of the
    /// top-level object's array member `key`, so the caller can keep those elements as they
    /// came (a pulled page's changes go into the journal without being encoded again).
    public static func parse(_ data: Data, spansOf key: String) throws(Failure) -> (value: JSONValue, spans: [Range<Int>]) {
        let result: (JSONValue, [Range<Int>])? = data.withUnsafeBytes { raw in
            var parser = Cursor(bytes: raw.bindMemory(to: UInt8.self), spanKeys: [key])
            guard let value = try? parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            return parser.index == parser.bytes.count ? (value, parser.spans[key] ?? []) : nil
        }
        guard let result else { throw Failure() }
        return result
    }

    /// Parses the top-level object of `data` except the elements of its array member `key`,
    /// which are only stepped over: their byte ranges come back, each to be parsed alone with
    /// ``parse(_:)`` (a pushed batch's changes, parsed on several cores). The member itself
    /// reads as an empty array. Only a document whose every element then parses is valid JSON.
    public static func parse(_ data: Data, deferring key: String) throws(Failure) -> (value: JSONValue, spans: [Range<Int>]) {
        let (value, spans) = try parse(data, deferring: [key])
        return (value, spans[key] ?? [])
    }

    /// The same for several array members at once (a pulled page's `changes` and `records`):
    /// the byte ranges of each one's elements, by its key (a key that is absent has none).
    public static func parse(_ data: Data, deferring keys: Set<String>) throws(Failure) -> (value: JSONValue, spans: [String: [Range<Int>]]) {
        let result: (JSONValue, [String: [Range<Int>]])? = data.withUnsafeBytes { raw in
            var parser = Cursor(bytes: raw.bindMemory(to: UInt8.self), spanKeys: keys, deferSpans: true)
            guard let value = try? parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            return parser.index == parser.bytes.count ? (value, parser.spans) : nil
        }
        guard let result else { throw Failure() }
        return result
    }

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        try parse(Data(text.utf8))
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The top-level members whose array elements' ranges go into `spans`, by key.
        var spanKeys: Set<String> = []
        var spans: [String: [Range<Int>]] = [:]
        /// Step over the elements of the `spanKeys` members instead of parsing them.
        var deferSpans = false
        /// The members of the objects being parsed, innermost last: each object's dictionary is
        /// made once its members are all read, at its final size (growing it member by member
        /// was 8 % of decoding a pulled page, docs/performance.md).
        var members: [(key: String, value: JSONValue)] = []

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard depth < 512 else { throw Failure() }
            skipSpace()
            guard index < bytes.count else { throw Failure() }
            switch bytes[index] {
            case 0x7B: return try object(depth: depth)
            case 0x5B: return try array(depth: depth)
            case 0x22: return .string(try string())
            case 0x74: try literal("true"); return .bool(true)
            case 0x66: try literal("false"); return .bool(false)
            case 0x6E: try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw Failure() }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw Failure() }
            index += count
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == 0x7D { index += 1; return .object([:]) }
            let first = members.count
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x22 else { throw Failure() }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x3A else { throw Failure() }
                index += 1
                if depth == 0, spanKeys.contains(key) {
                    // Twice: whose elements the ranges are would be ambiguous; the caller's
                    // fallback (`JSONDecoder`) decides what such a document means.
                    guard !members[first...].contains(where: { $0.key == key }) else { throw Failure() }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == 0x5B else { throw Failure() }
                    members.append((key, try array(depth: depth + 1, spans: key)))
                } else {
                    members.append((key, try value(depth: depth + 1)))
                }
                skipSpace()
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == 0x2C { index += 1; continue }
                if bytes[index] == 0x7D {
                    index += 1
                    // A key given twice keeps its last value, as before.
                    var object = [String: JSONValue](minimumCapacity: members.count - first)
                    for member in members[first...] { object[member.key] = member.value }
                    members.removeSubrange(first...)
                    return .object(object)
                }
                throw Failure()
            }
        }

        mutating func array(depth: Int, spans recording: String? = nil) throws(Failure) -> JSONValue {
            index += 1
            var items: [JSONValue] = []
            if let recording { spans[recording] = [] }
            skipSpace()
            if index < bytes.count, bytes[index] == 0x5D { index += 1; return .array(items) }
            while true {
                skipSpace()
                let start = index
                if recording != nil && deferSpans {
                    try skipValue()
                } else {
                    items.append(try value(depth: depth + 1))
                }
                if let recording { spans[recording, default: []].append(start..<index) }
                skipSpace()
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == 0x2C { index += 1; continue }
                if bytes[index] == 0x5D { index += 1; return .array(items) }
                throw Failure()
            }
        }

        /// Moves past one value without building it: brackets are matched and strings read to
        /// their closing quote, nothing more is checked (the value is parsed on its own later).
        mutating func skipValue() throws(Failure) {
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case 0x22:
                    index += 1
                    while index < bytes.count, bytes[index] != 0x22 { index += bytes[index] == 0x5C ? 2 : 1 }
                    guard index < bytes.count else { throw Failure() }
                    index += 1
                    if depth == 0 { return }
                case 0x7B, 0x5B:
                    depth += 1
                    index += 1
                case 0x7D, 0x5D:
                    // At depth 0 this closes the enclosing array: the value (a bare word) ended.
                    if depth == 0 { return }
                    depth -= 1
                    index += 1
                    if depth == 0 { return }
                case 0x2C where depth == 0, 0x20 where depth == 0, 0x0A where depth == 0, 0x0D where depth == 0, 0x09 where depth == 0:
                    return
                default:
                    index += 1
                }
            }
            throw Failure()
        }

        mutating func string() throws(Failure) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            var seen: UInt8 = 0
            while index < bytes.count, bytes[index] != 0x22, bytes[index] != 0x5C {
                guard bytes[index] >= 0x20 else { throw Failure() }
                seen |= bytes[index]
                index += 1
            }
            guard index < bytes.count else { throw Failure() }
            if bytes[index] == 0x22 {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try Self.text(slice, ascii: seen < 0x80)
            }
            var buffer = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x22 {
                    index += 1
                    return try buffer.withUnsafeBufferPointer { buffer throws(Failure) in try Self.text(buffer, ascii: false) }
                }
                guard byte >= 0x20 else { throw Failure() }
                if byte != 0x5C { buffer.append(byte); index += 1; continue }
                index += 1
                guard index < bytes.count else { throw Failure() }
                switch bytes[index] {
                case 0x22: buffer.append(0x22)
                case 0x5C: buffer.append(0x5C)
                case 0x2F: buffer.append(0x2F)
                case 0x62: buffer.append(0x08)
                case 0x66: buffer.append(0x0C)
                case 0x6E: buffer.append(0x0A)
                case 0x72: buffer.append(0x0D)
                case 0x74: buffer.append(0x09)
                case 0x75:
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard index + 2 < bytes.count, bytes[index + 1] == 0x5C, bytes[index + 2] == 0x75 else { throw Failure() }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Failure() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw Failure()
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Failure() }
                    buffer.append(contentsOf: String(Character(scalar)).utf8)
                default: throw Failure()
                }
                index += 1
            }
            throw Failure()
        }

        /// A string's bytes as text; a Failure when they are not UTF-8. ASCII (`ascii`: no byte
        /// had its high bit set) is always valid; other text is decoded and compared with its
        /// bytes, since decoding replaces what is not UTF-8. (`String(validating:as:)` goes
        /// through unspecialized generic code: a fifth of decoding a pushed change.)
        static func text(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) throws(Failure) -> String {
            let text = String(decoding: bytes, as: UTF8.self)
            guard ascii || text.utf8.elementsEqual(bytes) else { throw Failure() }
            return text
        }

        /// Reads the 4 hex digits after `\u`; leaves the index on the last one.
        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 < bytes.count else { throw Failure() }
            var value: UInt32 = 0
            for i in 1...4 {
                let c = bytes[index + i]
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                default: throw Failure()
                }
                value = value << 4 | digit
            }
            index += 4
            return value
        }

        mutating func number() throws(Failure) -> JSONValue {
            let start = index
            var isInteger = true
            if index < bytes.count, bytes[index] == 0x2D { index += 1 }
            guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { throw Failure() }
            if bytes[index] == 0x30, index + 1 < bytes.count, (0x30...0x39).contains(bytes[index + 1]) { throw Failure() }
            while index < bytes.count {
                let c = bytes[index]
                if (0x30...0x39).contains(c) { index += 1 }
                else if c == 0x2E || c == 0x65 || c == 0x45 || c == 0x2B || (c == 0x2D && index > start) { isInteger = false; index += 1 }
                else { break }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if isInteger, let value = Int64(text) { return .int(value) }
            guard let value = Double(text), value.isFinite else { throw Failure() }
            return .double(value)
        }
    }
}

// MARK: Decoding the sync types from parsed JSON

extension JSONValue {
    var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
}

extension Stamp {
    init?(json: JSONValue?) {
        guard let text = json?.stringValue else { return nil }
        self.init(text)
    }
}

extension Change {
    /// The change a parsed JSON object holds, with the same rules as `init(from:)`; nil if it
    /// does not hold one.
    public init?(json: JSONValue) {
        guard let o = json.object,
              let id = o["id"]?.stringValue.flatMap({ ID<Change>($0) }),
              let entity = o["entity"]?.stringValue.flatMap(EntityKind.init(rawValue:)),
              let entityText = o["entityId"]?.stringValue, let entityId = UUID(hexText: entityText),
              let op = o["op"]?.stringValue.flatMap(ChangeOperation.init(rawValue:)),
              let clock = o["clock"]?.stringValue.flatMap({ HLC($0) }),
              let device = o["device"]?.stringValue,
              let at = o["at"]?.stringValue.flatMap({ Timestamp($0) }) else { return nil }
        var fields: [String: FieldChange] = [:]
        switch o["fields"] {
        case nil, .null?: break
        case .object(let members)?:
            for (name, value) in members {
                guard let field = value.object, let new = field["new"], let old = field["old"] else { return nil }
                fields[name] = FieldChange(old: old, new: new)
            }
        default: return nil
        }
        var tags: [String: Bool] = [:]
        switch o["tags"] {
        case nil, .null?: break
        case .object(let members)?:
            for (tag, value) in members {
                guard let present = value.boolValue else { return nil }
                tags[tag] = present
            }
        default: return nil
        }
        var base: Stamp? = nil
        if let value = o["base"], value != .null {
            guard let stamp = Stamp(json: value) else { return nil }
            base = stamp
        }
        var resolves: [Stamp] = []
        switch o["resolves"] {
        case nil, .null?: break
        case .array(let items)?:
            for item in items {
                guard let stamp = Stamp(json: item) else { return nil }
                resolves.append(stamp)
            }
        default: return nil
        }
        self.init(id: id, entity: entity, entityId: entityId, op: op, clock: clock, device: DeviceID(rawValue: device),
                  at: at, fields: fields, tags: tags, base: base, resolves: resolves)
    }

    /// Decodes canonical JSON through the fast parser, falling back to `JSONDecoder`.
    public static func decode(_ data: Data) throws -> Change {
        if let value = try? JSONParser.parse(data), let change = Change(json: value) { return change }
        return try JSONDecoder().decode(Change.self, from: data)
    }
}

extension EntityRecord {
    public init?(json: JSONValue) {
        guard let o = json.object,
              let kind = o["kind"]?.stringValue.flatMap(EntityKind.init(rawValue:)),
              let idText = o["id"]?.stringValue, let id = UUID(hexText: idText),
              let fields = o["fields"]?.object, let stampValues = o["stamps"]?.object, let tagValues = o["tags"]?.object,
              let conflictValues = o["conflicts"]?.array,
              let createdAt = o["createdAt"]?.stringValue.flatMap({ Timestamp($0) }),
              let updatedAt = o["updatedAt"]?.stringValue.flatMap({ Timestamp($0) }) else { return nil }
        var stamps: [String: Stamp] = [:]
        for (name, value) in stampValues {
            guard let stamp = Stamp(json: value) else { return nil }
            stamps[name] = stamp
        }
        var tags: [String: TagState] = [:]
        for (tag, value) in tagValues {
            guard let state = value.object, let present = state["present"]?.boolValue, let stamp = Stamp(json: state["stamp"]) else { return nil }
            tags[tag] = TagState(present: present, stamp: stamp)
        }
        var conflicts: [ConflictVersion] = []
        for value in conflictValues {
            guard let c = value.object, let body = c["body"]?.stringValue, let stamp = Stamp(json: c["stamp"]) else { return nil }
            conflicts.append(ConflictVersion(body: body, stamp: stamp))
        }
        self.init(kind: kind, id: id, fields: fields, stamps: stamps, tags: tags, conflicts: conflicts, createdAt: createdAt, updatedAt: updatedAt)
    }

    public static func decode(_ data: Data) throws -> EntityRecord {
        if let value = try? JSONParser.parse(data), let record = EntityRecord(json: value) { return record }
        return try JSONDecoder().decode(EntityRecord.self, from: data)
    }
}

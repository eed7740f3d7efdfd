import Foundation

extension JSONWriter {
    /// Keys in the order `JSONEncoder`'s `.sortedKeys` puts them: byte-wise UTF-8.
    static func sortedKeys<V>(_ dictionary: [String: V]) -> [String] {
        dictionary.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// A key that is not a literal (a field or tag name).
    public mutating func dynamicKey(_ name: String) {
        string(name)
        bytes.append(0x3A)
        markKeyWritten()
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(Int(i))
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let members):
            beginObject()
            for key in Self.sortedKeys(members) {
                dynamicKey(key)
                self.value(members[key] ?? .null)
            }
            endObject()
        }
    }
}

extension Change: CanonicalJSONWritable {
    public func writeMembers(to w: inout JSONWriter) {
        w.key("at"); w.string(at.description)
        w.key("base"); w.string(base?.description)
        w.key("clock"); w.string(clock.description)
        w.key("device"); w.string(device.rawValue)
        w.key("entity"); w.string(entity.rawValue)
        w.key("entityId"); w.string(entityIdString)
        w.key("fields")
        w.beginObject()
        for name in JSONWriter.sortedKeys(fields) {
            guard let field = fields[name] else { continue }
            w.dynamicKey(name)
            w.beginObject()
            w.key("new"); w.value(field.new)
            w.key("old"); w.value(field.old)
            w.endObject()
        }
        w.endObject()
        w.key("id"); w.string(id.description)
        w.key("op"); w.string(op.rawValue)
        w.key("resolves")
        w.beginArray()
        for stamp in resolves { w.string(stamp) }
        w.endArray()
        w.key("tags")
        w.beginObject()
        for tag in JSONWriter.sortedKeys(tags) {
            w.dynamicKey(tag)
            w.bool(tags[tag] ?? false)
        }
        w.endObject()
    }
}

extension EntityRecord: CanonicalJSONWritable {
    public func writeMembers(to w: inout JSONWriter) {
        w.key("conflicts"); JSONWriter.writeConflicts(conflicts, to: &w)
        w.key("createdAt"); w.string(createdAt.description)
        w.key("fields")
        w.beginObject()
        for name in JSONWriter.sortedKeys(fields) {
            w.dynamicKey(name)
            w.value(fields[name] ?? .null)
        }
        w.endObject()
        w.key("id"); w.string(idString)
        w.key("kind"); w.string(kind.rawValue)
        w.key("stamps"); JSONWriter.writeStamps(stamps, to: &w)
        w.key("tags")
        w.beginObject()
        for tag in JSONWriter.sortedKeys(tags) {
            guard let state = tags[tag] else { continue }
            w.dynamicKey(tag)
            w.beginObject()
            w.key("present"); w.bool(state.present)
            w.key("stamp"); w.string(state.stamp)
            w.endObject()
        }
        w.endObject()
        w.key("updatedAt"); w.string(updatedAt.description)
    }
}

extension JSONWriter {
    /// `{"field": "CLOCK@DEVICE", ...}` as the library stores stamps.
    public static func writeStamps(_ stamps: [String: Stamp], to w: inout JSONWriter) {
        w.beginObject()
        for name in sortedKeys(stamps) {
            w.dynamicKey(name)
            if let stamp = stamps[name] { w.string(stamp) } else { w.string("") }
        }
        w.endObject()
    }

    /// The canonical JSON of one value, through the fast writer.
    public static func encode(_ value: some CanonicalJSONWritable) -> Data {
        var writer = JSONWriter(capacity: 512)
        value.write(to: &writer)
        return Data(writer.bytes)
    }

    public static func string(_ value: some CanonicalJSONWritable) -> String {
        var writer = JSONWriter(capacity: 512)
        value.write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSONWriter {
    /// A note's conflict versions: `[{"body": ..., "stamp": ...}]`.
    public static func writeConflicts(_ conflicts: [ConflictVersion], to w: inout JSONWriter) {
        w.beginArray()
        for conflict in conflicts {
            w.beginObject()
            w.key("body"); w.string(conflict.body)
            w.key("stamp"); w.string(conflict.stamp)
            w.endObject()
        }
        w.endArray()
    }
}

import Foundation
import GlossModel

/// Why a file cannot be imported: one sentence naming where the first problem is (a line, or a
/// JSON path such as `$.rows[3].target[0]`). Nothing is written when one is thrown.
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public var description: String
    /// Kept to one line of readable length: quoted values from the file may hold line breaks
    /// and whole articles.
    public init(_ description: String) {
        var line = String(description.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        if line.count > 300 { line = String(line.prefix(299)) + "…" }
        self.description = line
    }

    static func at(_ path: JSONPath, _ problem: String) -> ImportError {
        ImportError("\(path): \(problem)")
    }
}

/// A place in a JSON document, written the way people read it: `$.rows[3].target`.
struct JSONPath: CustomStringConvertible, Sendable {
    private var parts: [String] = []
    static let root = JSONPath()

    func key(_ name: String) -> JSONPath { var p = self; p.parts.append("." + name); return p }
    func index(_ i: Int) -> JSONPath { var p = self; p.parts.append("[\(i)]"); return p }
    var description: String { "$" + parts.joined() }
}

/// Reading a parsed JSON value with errors that say where.
struct JSONNode {
    let value: JSONValue
    let path: JSONPath

    init(_ value: JSONValue, _ path: JSONPath = .root) {
        self.value = value
        self.path = path
    }

    var object: [String: JSONValue]? { if case .object(let o) = value { o } else { nil } }

    func requireObject() throws -> [String: JSONValue] {
        guard let object else { throw ImportError.at(path, "expected an object, found \(value.summary(limit: 30))") }
        return object
    }

    func requireArray() throws -> [JSONNode] {
        guard case .array(let items) = value else { throw ImportError.at(path, "expected an array, found \(value.summary(limit: 30))") }
        return items.enumerated().map { JSONNode($1, path.index($0)) }
    }

    /// A member, or nil when absent or null.
    func member(_ name: String) throws -> JSONNode? {
        let object = try requireObject()
        guard let value = object[name], value != .null else { return nil }
        return JSONNode(value, path.key(name))
    }

    func requireMember(_ name: String) throws -> JSONNode {
        guard let node = try member(name) else { throw ImportError.at(path, "lacks \"\(name)\"") }
        return node
    }

    func string() throws -> String {
        guard let text = value.stringValue else { throw ImportError.at(path, "expected a string, found \(value.summary(limit: 30))") }
        return text
    }

    func int() throws -> Int {
        guard let number = value.doubleValue, number >= 0, number == number.rounded(), number < 1e12 else {
            throw ImportError.at(path, "expected a whole number, found \(value.summary(limit: 30))")
        }
        return Int(number)
    }

    /// A string, or each string of an array of strings (JSON-LD allows both).
    func strings() throws -> [String] {
        if case .array = value { return try requireArray().map { try $0.string() } }
        return [try string()]
    }

    /// One object, or each object of an array (JSON-LD allows both).
    func nodes() throws -> [JSONNode] {
        if case .array = value { return try requireArray() }
        return [self]
    }

    func timestamp() throws -> Timestamp {
        let text = try string()
        guard let time = LenientTime.parse(text) else { throw ImportError.at(path, "\"\(text)\" is not a date and time") }
        return time
    }
}

/// Parses a whole file as JSON; a syntax error names its line and column.
func parseJSON(_ data: Data) throws -> JSONValue {
    if let value = try? JSONParser.parse(data) { return value }
    do {
        _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
        let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? ""
        if let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
           let offset = Int(detail[range].dropFirst("character ".count)) {
            let (line, column) = lineAndColumn(of: offset, in: data)
            throw ImportError("Line \(line), column \(column): the file is not valid JSON (\(detail.replacingOccurrences(of: " around character \(offset)", with: "").trimmingCharacters(in: CharacterSet(charactersIn: ".")).lowercased())).")
        }
        throw ImportError("The file is not valid JSON (\(detail.isEmpty ? "unreadable" : detail)).")
    }
    throw ImportError("The file is not valid JSON (it nests too deeply or holds invalid UTF-8).")
}

/// The 1-based line and column of a byte offset.
func lineAndColumn(of offset: Int, in data: Data) -> (Int, Int) {
    var line = 1, column = 1
    for byte in data.prefix(offset) {
        if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
    }
    return (line, column)
}

/// Dates as other tools write them: RFC 3339 with any number of fraction digits and any
/// offset, or `YYYY-MM-DD HH:MM[:SS]` (taken as UTC), or a plain date.
enum LenientTime {
    static func parse(_ raw: String) -> Timestamp? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let time = Timestamp(text) { return time }
        var normalized = text.replacingOccurrences(of: " ", with: "T")
        // Trim fractions beyond milliseconds (Hypothesis writes microseconds).
        if let dot = normalized.firstIndex(of: ".") {
            let digits = normalized[normalized.index(after: dot)...].prefix { $0.isNumber }
            if digits.count > 3 {
                let end = normalized.index(dot, offsetBy: 1 + digits.count)
                normalized.replaceSubrange(normalized.index(dot, offsetBy: 4)..<end, with: "")
            }
        }
        if let time = Timestamp(normalized) { return time }
        let hasZone = normalized.hasSuffix("Z") || normalized.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil
        if !hasZone, normalized.contains("T") {
            if normalized.range(of: #"T\d\d:\d\d$"#, options: .regularExpression) != nil { normalized += ":00" }
            return Timestamp(normalized + "Z")
        }
        return nil
    }
}

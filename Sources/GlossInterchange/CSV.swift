import Foundation

/// RFC 4180 comma-separated values: fields with commas, quotes or line breaks are quoted.
enum CSV {
    static func row(_ fields: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            // Scanned as bytes: a comma, quote or line break needs quotes (doubling the quotes inside).
            if field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                bytes.append(0x22)
                for byte in field.utf8 {
                    if byte == 0x22 { bytes.append(0x22) }
                    bytes.append(byte)
                }
                bytes.append(0x22)
            } else {
                bytes.append(contentsOf: field.utf8)
            }
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
        return bytes
    }

    /// The records of a CSV text, each with the line it starts on. A quote left open is an error
    /// naming its line.
    static func parse(_ text: String) throws -> [(line: Int, fields: [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var line = 1
        var recordLine = 1
        var quoteLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
            field = ""
            atFieldStart = true
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where atFieldStart:
                quoted = true
                quoteLine = line
                atFieldStart = false
            case ",":
                fields.append(field)
                field = ""
                atFieldStart = true
            case "\r":
                break
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
                atFieldStart = false
            }
        }
        if quoted { throw ImportError("Line \(quoteLine): a quoted field is never closed.") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}

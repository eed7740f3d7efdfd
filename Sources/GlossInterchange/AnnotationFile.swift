import Foundation
import GlossModel
import GlossStore

/// The formats `gloss export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    case json, w3c, markdown, csv
}

/// The formats `gloss import` reads, and what a file holds once read.
public enum AnnotationFile {
    public enum Format: String, CaseIterable, Sendable {
        case gloss, w3c, hypothesis, readwise
    }

    public enum Contents {
        case gloss(GlossJSON.Contents)
        case annotations([ExternalAnnotation])
    }

    /// Reads a file, detecting its format unless one is given. Throws ``ImportError`` naming
    /// the first problem; nothing is written before the whole file has been read.
    public static func read(_ data: Data, format: Format? = nil) throws -> (Format, Contents) {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError("The file is not UTF-8 text.")
        }
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        let looksJSON = trimmed.first == "{" || trimmed.first == "["
        if format == .readwise || (format == nil && !looksJSON) {
            guard format == .readwise || ReadwiseCSV.looksLikeCSV(String(trimmed)) else {
                throw ImportError("The file is neither JSON (gloss, W3C Web Annotation, Hypothesis) nor a Readwise CSV file with a \"Highlight\" column.")
            }
            return (.readwise, .annotations(try ReadwiseCSV.read(String(trimmed))))
        }
        let root = JSONNode(try parseJSON(Data(trimmed.utf8)))
        let detected = try format ?? detect(root)
        switch detected {
        case .gloss: return (.gloss, .gloss(try GlossJSON.read(root)))
        case .w3c: return (.w3c, .annotations(try W3C.read(root)))
        case .hypothesis: return (.hypothesis, .annotations(try Hypothesis.read(root)))
        case .readwise: throw ImportError("A Readwise file is CSV, not JSON.")
        }
    }

    static func detect(_ root: JSONNode) throws -> Format {
        if case .array(let items) = root.value {
            if items.isEmpty { throw ImportError("The file is an empty JSON array: there is nothing to import.") }
            return .w3c
        }
        let object = try root.requireObject()
        if object["format"]?.stringValue == GlossJSON.format { return .gloss }
        if case .array = object["rows"] { return .hypothesis }
        if object["@context"] != nil || object["type"] != nil { return .w3c }
        throw ImportError("$: the JSON is neither a gloss export (\"format\": \"gloss\"), W3C Web Annotations (\"type\") nor a Hypothesis search answer (\"rows\").")
    }
}

import CLibXML2
import Foundation

/// Decodes HTML character references (`&amp;`, `&rsquo;`, `&#8217;`, `&#x2019;`) in text that is
/// not HTML, as the import normalization requires (DESIGN.md §3). Named entities come from
/// libxml2's HTML 4 table; an unknown name is left as written.
enum EntityDecoder {
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var index = text.startIndex
        while let amp = text[index...].firstIndex(of: "&") {
            result += text[index..<amp]
            let afterAmp = text.index(after: amp)
            let limit = text.index(afterAmp, offsetBy: 32, limitedBy: text.endIndex) ?? text.endIndex
            if let semicolon = text[afterAmp..<limit].firstIndex(of: ";"),
               let scalar = scalar(for: text[afterAmp..<semicolon]) {
                result.unicodeScalars.append(scalar)
                index = text.index(after: semicolon)
            } else {
                result += "&"
                index = afterAmp
            }
        }
        result += text[index...]
        return result
    }

    private static func scalar(for reference: Substring) -> Unicode.Scalar? {
        if reference.hasPrefix("#x") || reference.hasPrefix("#X") {
            return UInt32(reference.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        }
        if reference.hasPrefix("#") {
            return UInt32(reference.dropFirst()).flatMap(Unicode.Scalar.init)
        }
        guard !reference.isEmpty, reference.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        guard let entry = htmlEntityLookup(String(reference)) else {
            return reference == "apos" ? "'" : nil
        }
        return Unicode.Scalar(entry.pointee.value)
    }
}

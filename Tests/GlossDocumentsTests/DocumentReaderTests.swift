import Foundation
import Testing
@testable import GlossDocuments

@Suite struct DocumentReaderTests {
    @Test func htmlLosesMarkupScriptsAndEntitiesAndKeepsItsMetadata() throws {
        let html = """
            <!doctype html><html><head><title>Xi in  Lima</title>
            <meta name="author" content="Jane Reporter"><link rel="canonical" href="https://example.org/xi">
            <meta property="article:published_time" content="2016-11-21T10:00:00Z">
            <style>p { color: red }</style></head>
            <body><script>alert("x")</script><h1>Xi in Lima</h1>
            <p>Peru&rsquo;s Congress heard &ldquo;a new starting point&rdquo; &mdash; caf&eacute; &amp; more.</p>
            <p>Second <b>para</b>graph<br>new line</p><ul><li>one</li><li>two</li></ul>
            </body></html>
            """
        let doc = try DocumentReader.read(Data(html.utf8), format: .html)
        #expect(doc.title == "Xi in Lima")
        #expect(doc.author == "Jane Reporter")
        #expect(doc.url == "https://example.org/xi")
        #expect(doc.publishedAt?.description == "2016-11-21T10:00:00.000Z")
        #expect(doc.text == "Xi in Lima\n\nPeru\u{2019}s Congress heard \u{201C}a new starting point\u{201D} \u{2014} caf\u{00E9} & more.\n\nSecond paragraph\nnew line\n\none\ntwo")
        #expect(!doc.text.contains("alert") && !doc.text.contains("color"))
    }

    @Test func brokenHTMLIsRecovered() throws {
        let doc = try DocumentReader.read(Data("<p>unclosed <i>italic <p>next".utf8), format: .html)
        #expect(doc.text == "unclosed italic\n\nnext")
    }

    @Test func plainTextTakesALeadingURLLineAndTheFirstLineAsTitle() throws {
        let doc = try DocumentReader.read(Data("\n\n<https://example.org/a>\n\nGeopolitics\r\n\r\nBody text &amp; more.\n".utf8), format: .text)
        #expect(doc.url == "https://example.org/a")
        #expect(doc.title == "Geopolitics")
        #expect(doc.text == "Geopolitics\n\nBody text & more.")
    }

    @Test func aLongFirstLineGivesAShortTitle() throws {
        let line = String(repeating: "word ", count: 60)
        let doc = try DocumentReader.read(Data(line.utf8), format: .text)
        #expect(try #require(doc.title).count <= 81)
        #expect(doc.title?.hasSuffix("…") == true)
    }

    @Test func markdownFrontMatterIsReadAndRemoved() throws {
        let md = "---\ntitle: \"Notes on APEC\"\nauthor: Ana\nurl: https://example.org/apec\n---\n\n# Heading\n\nText.\n"
        let doc = try DocumentReader.read(Data(md.utf8), format: .markdown)
        #expect(doc.title == "Notes on APEC")
        #expect(doc.author == "Ana")
        #expect(doc.url == "https://example.org/apec")
        #expect(doc.text == "# Heading\n\nText.")
        let plain = try DocumentReader.read(Data("Intro line\n# Real heading\n".utf8), format: .markdown)
        #expect(plain.title == "Real heading")
    }

    @Test func emptyBinaryAndNonUTF8InputIsRefused() {
        #expect(throws: DocumentError.empty) { try DocumentReader.read(Data(), format: .text) }
        #expect(throws: DocumentError.empty) { try DocumentReader.read(Data(" \n\t\n".utf8), format: .text) }
        #expect(throws: DocumentError.empty) { try DocumentReader.read(Data("<html><script>x</script></html>".utf8), format: .html) }
        #expect(throws: DocumentError.binary) { try DocumentReader.read(Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]), format: nil) }
        #expect(throws: DocumentError.notUTF8) { try DocumentReader.read(Data([0x63, 0x61, 0x66, 0xE9]), format: .text) }
    }

    @Test func standardInputIsSniffed() {
        #expect(DocumentFormat.sniff("<!DOCTYPE html><p>x") == .html)
        #expect(DocumentFormat.sniff("# Title\n\nBody") == .markdown)
        #expect(DocumentFormat.sniff("Just words.") == .text)
    }

    @Test func everySeedImports() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../seeds").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: seeds.path).filter { $0.hasSuffix(".txt") }
        #expect(files.count == 5)
        for file in files {
            let doc = try DocumentReader.read(try Data(contentsOf: seeds.appendingPathComponent(file)), format: .text)
            #expect(!doc.text.isEmpty && doc.title != nil)
            #expect(!doc.text.contains("&apos;"))
        }
    }
}

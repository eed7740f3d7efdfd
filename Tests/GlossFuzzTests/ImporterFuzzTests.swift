import Foundation
import Testing
import GlossDocuments
import GlossModel
import GlossStore
@testable import GlossInterchange

/// Hostile files for `gloss import` and `gloss add`: no crash, no hang, and every refusal is a
/// clear one-line error that leaves the library as it was.
@Suite struct ImporterFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let seeds = repository.appendingPathComponent("seeds")

    static func seedTexts() throws -> [(name: String, data: Data)] {
        try FileManager.default.contentsOfDirectory(atPath: seeds.path).sorted().map { ($0, try Data(contentsOf: seeds.appendingPathComponent($0))) }
    }

    /// A library with the seeds and a few annotations, and its exports in every format.
    static func corpus() throws -> (library: Library, files: [Data]) {
        let library = try Library(inMemoryWithDevice: nil)
        for (index, seed) in try seedTexts().enumerated() {
            let text = Normalization.normalize(String(decoding: seed.data, as: UTF8.self))
            let article = try library.importArticle(text: text, title: "Seed \(index)", url: "https://example.org/\(index)").article
            let articleText = ArticleText(article.text)
            let highlight = try library.addHighlight(article: article.id, selector: TextSelector(text: articleText, start: 40, end: 90), tags: ["t\(index)"])
            _ = try library.addNote(body: "Note «\(index)» — café", highlight: highlight.id)
        }
        _ = try library.addNote(body: "standalone", tags: ["x"])
        var files: [Data] = []
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for format in [ExportFormat.json, .w3c, .csv] {
            let path = folder.appendingPathComponent(format.rawValue).path
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            let sink = ExportSink(handle: handle)
            switch format {
            case .json: try GlossJSON.export(library, scope: ExportScope(), to: sink)
            case .w3c: try W3C.export(library, scope: ExportScope(), to: sink)
            default: try ReadwiseCSV.export(library, scope: ExportScope(), to: sink)
            }
            try handle.close()
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let fixtures = repository.appendingPathComponent("Tests/GlossInterchangeTests/Fixtures")
        for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted() {
            files.append(try Data(contentsOf: fixtures.appendingPathComponent(name)))
        }
        return (library, files)
    }

    @Test func importersRefuseBrokenFilesCleanly() throws {
        let (_, files) = try Self.corpus()
        var fuzzer = Fuzzer(corpus: files, salt: 1)
        var accepted = 0, refused = 0
        for iteration in 0..<Fuzzer.iterations {
            let input = fuzzer.next()
            let target = try Library(inMemoryWithDevice: nil)
            for (index, seed) in try Self.seedTexts().enumerated() where index < 2 {
                _ = try target.importArticle(text: Normalization.normalize(String(decoding: seed.data, as: UTF8.self)), title: "Seed \(index)",
                                             url: "https://example.org/\(index)")
            }
            let journal = try target.log().count
            let (outcome, seconds) = timed { () -> String? in
                do {
                    switch try AnnotationFile.read(input).1 {
                    case .gloss(let c): _ = try target.restore(articles: c.articles, highlights: c.highlights, notes: c.notes)
                    case .annotations(let a): _ = try target.importAnnotations(a)
                    }
                    accepted += 1
                    return nil
                } catch let error as ImportError {
                    refused += 1
                    return error.description
                } catch let error as LibraryError {
                    refused += 1
                    return error.description
                } catch {
                    Issue.record("iteration \(iteration): an error that is not a clear refusal: \(error) (\(String(decoding: input.prefix(200), as: UTF8.self)))")
                    return nil
                }
            }
            #expect(seconds < 5, "iteration \(iteration) took \(seconds) s")
            if let message = outcome {
                #expect(!message.isEmpty && !message.contains("\n"), "iteration \(iteration): \(message)")
                #expect(try target.log().count == journal, "iteration \(iteration): a refused file changed the library")
            }
            // Whatever happened, the library still reads.
            _ = try target.annotations()
            _ = try target.articles()
        }
        #expect(accepted + refused == Fuzzer.iterations)
        print("importer fuzz: \(Fuzzer.iterations) inputs, \(accepted) accepted, \(refused) refused")
    }

    @Test func documentReadersNeverCrash() throws {
        var corpus = try Self.seedTexts().map(\.data)
        corpus.append(Data("<!doctype html><html><head><title>T &amp; x</title><meta name=\"author\" content=\"A\"></head><body><p>Hello &nbsp; <b>world</b> &#x1F600; &bogus;</p><script>x</script></body></html>".utf8))
        corpus.append(Data("---\ntitle: \"Front\"\nauthor: Me\n---\n# Heading\n\n<https://example.org>\n\nText *with* [a link](http://x).\n".utf8))
        var fuzzer = Fuzzer(corpus: corpus, salt: 2)
        var read = 0
        for iteration in 0..<Fuzzer.iterations {
            let input = fuzzer.next()
            for format in [DocumentFormat?.none, .text, .markdown, .html] {
                let (result, seconds) = timed { Result { () throws(DocumentError) in try DocumentReader.read(input, format: format) } }
                #expect(seconds < 5, "iteration \(iteration) took \(seconds) s")
                if case .success(let document) = result {
                    read += 1
                    let blank = document.text.allSatisfy { $0.isWhitespace }
                    #expect(!blank, "iteration \(iteration): an empty article was accepted")
                    #expect(Normalization.normalize(document.text) == document.text || format == .html || format == nil,
                            "iteration \(iteration): the text is not normalized")
                }
            }
        }
        print("document fuzz: \(Fuzzer.iterations * 4) reads, \(read) documents")
    }
}

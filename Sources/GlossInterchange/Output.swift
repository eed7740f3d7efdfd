import Foundation
import GlossModel

/// Where an export writes: bytes gathered in a buffer and handed on in large pieces (to a file,
/// or to an HTTP response), so an export of any size streams with flat memory.
public final class ExportSink {
    private let output: ([UInt8]) throws -> Void
    private var buffer: [UInt8] = []
    private let flushSize: Int

    /// Hands each piece of at least `flushSize` bytes (and the rest at the end) to `output`;
    /// an error from `output` ends the export.
    public init(flushSize: Int = 1 << 20, output: @escaping ([UInt8]) throws -> Void) {
        self.flushSize = flushSize
        self.output = output
        buffer.reserveCapacity(flushSize + 4096)
    }

    /// Writes to a file.
    public convenience init(handle: FileHandle) {
        self.init { bytes in try handle.write(contentsOf: bytes) }
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushSize { try flush() }
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Takes what a JSON writer holds so far (the writer keeps its place).
    public func drain(_ writer: inout JSONWriter) throws {
        if writer.bytes.count >= flushSize / 4 { try write(writer.takeBytes()) }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        let piece = buffer
        buffer.removeAll(keepingCapacity: true)
        try output(piece)
    }
}

/// Where the exporters read from: the local library (`Library`), or a sync server's copy of a
/// user's library. Both visit entities from one consistent snapshot, in the same order, so the
/// same library exports to the same bytes wherever it is read.
public protocol AnnotationSource {
    /// Every entity in scope, kind by kind (articles, highlights, notes), each kind oldest first
    /// (creation time, then ID).
    func forEachEntity(
        _ scope: ExportScope, article: (Article) throws -> Void, highlight: (Highlight) throws -> Void, note: (Note) throws -> Void
    ) throws

    /// The articles in scope, oldest first, each with its highlights in reading order and its
    /// notes oldest first; then the standalone notes in scope, oldest first.
    func forEachArticle(_ scope: ExportScope, _ body: (ArticleAnnotations) throws -> Void, standalone: (Note) throws -> Void) throws
}

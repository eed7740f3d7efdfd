import Foundation
import GlossModel

/// Where an export writes: bytes gathered in a buffer and handed to a file in large pieces, so
/// an export of any size streams with flat memory.
public final class ExportSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private let flushSize = 1 << 20

    public init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(flushSize + 4096)
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushSize { flush() }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// Takes what a JSON writer holds so far (the writer keeps its place).
    public func drain(_ writer: inout JSONWriter) {
        if writer.bytes.count >= flushSize / 4 { write(writer.takeBytes()) }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

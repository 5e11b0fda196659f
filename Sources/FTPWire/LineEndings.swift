/// Turns CRLF into LF across chunk boundaries: the local side of an ASCII (TYPE A) transfer.
public struct LineEndingDecoder: Sendable {
    private var pendingCarriageReturn = false
    private var output: [UInt8] = []

    public init() {}

    /// Passes the chunk to `sink` with CRLF pairs made LF; a CR at the end waits for the next chunk.
    public mutating func decode(_ chunk: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        output.removeAll(keepingCapacity: true)
        for byte in chunk {
            if pendingCarriageReturn {
                pendingCarriageReturn = false
                if byte != UInt8(ascii: "\n") { output.append(UInt8(ascii: "\r")) }
            }
            if byte == UInt8(ascii: "\r") {
                pendingCarriageReturn = true
            } else {
                output.append(byte)
            }
        }
        try output.withUnsafeBytes { try sink($0) }
    }

    /// Passes on a CR that ended the last chunk, at the end of the stream.
    public mutating func finish(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard pendingCarriageReturn else { return }
        pendingCarriageReturn = false
        try [UInt8(ascii: "\r")].withUnsafeBytes { try sink($0) }
    }
}

/// Turns LF into CRLF: the wire side of an ASCII (TYPE A) transfer.
public struct LineEndingEncoder: Sendable {
    private var previousWasCarriageReturn = false

    public init() {}

    /// The chunk with every LF not already after a CR made CRLF.
    public mutating func encode(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(chunk.count + chunk.count / 16)
        for byte in chunk {
            if byte == UInt8(ascii: "\n"), !previousWasCarriageReturn { output.append(UInt8(ascii: "\r")) }
            output.append(byte)
            previousWasCarriageReturn = byte == UInt8(ascii: "\r")
        }
        return output
    }
}

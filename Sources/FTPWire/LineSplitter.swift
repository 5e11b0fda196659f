import Foundation

/// Splits a byte stream into lines ended by LF (a CR before it is dropped), bounded in length.
///
/// Used for listings on data connections. A line longer than the limit is cut at the limit and
/// the rest of it skipped, so one hostile line cannot exhaust memory or hide the lines after it.
public struct LineSplitter: Sendable {
    /// The longest line kept, in bytes.
    public let maximumLineLength: Int
    private var line: [UInt8] = []
    private var skippingOverlongLine = false

    public init(maximumLineLength: Int = 16_384) {
        self.maximumLineLength = max(1, maximumLineLength)
    }

    /// Consumes bytes, calling `onLine` for each complete line.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onLine: ([UInt8]) throws -> Void) rethrows {
        var rest = bytes
        while !rest.isEmpty {
            // The bytes up to the next line feed go in at once.
            let lineFeed = Self.firstLineFeed(in: rest)
            let piece = UnsafeRawBufferPointer(rebasing: rest[..<(lineFeed ?? rest.count)])
            if !skippingOverlongLine {
                let room = maximumLineLength - line.count
                if piece.count <= room {
                    line.append(contentsOf: piece)
                } else {
                    line.append(contentsOf: piece.prefix(room))
                    try onLine(line)
                    startNextLine()
                    skippingOverlongLine = true
                }
            }
            guard let lineFeed else { return }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if !skippingOverlongLine || !line.isEmpty { try onLine(line) }
            startNextLine()
            skippingOverlongLine = false
            rest = UnsafeRawBufferPointer(rebasing: rest[(lineFeed + 1)...])
        }
    }

    /// Empties the line for the next one, in the same memory unless a long line made that large:
    /// a caller that keeps the lines it is given (sharing their memory) would otherwise keep as
    /// much for each short line after a long one.
    private mutating func startNextLine() {
        if line.capacity > Self.reusedCapacity { line = [] } else { line.removeAll(keepingCapacity: true) }
    }

    /// The most memory kept for the next line.
    private static let reusedCapacity = 1024

    /// The offset of the first line feed in `bytes` (by `memchr`, many bytes at a time).
    private static func firstLineFeed(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let start = bytes.baseAddress, let found = memchr(start, Int32(UInt8(ascii: "\n")), bytes.count) else { return nil }
        return start.distance(to: UnsafeRawPointer(found))
    }

    /// Ends the stream, calling `onLine` with a last line that had no line ending.
    public mutating func finish(onLine: ([UInt8]) throws -> Void) rethrows {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if !line.isEmpty { try onLine(line) }
        line.removeAll()
        skippingOverlongLine = false
    }
}

import Foundation

/// A bounded pipe of bytes between two threads: one writes chunks, the other reads them. A
/// writer waits while the channel is full, a reader while it is empty; either end can stop the
/// other with an error.
final class ByteChannel: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [[UInt8]] = []
    /// Chunks read to their end, emptied and kept for the next writes: a big file passes
    /// without an allocation (and fresh pages to fault in) for every chunk.
    private var spare: [[UInt8]] = []
    private var firstOffset = 0
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?

    /// The channel stopped from the other end.
    struct Stopped: Error {}

    /// The most emptied chunks kept: as many as a full channel holds of the usual block
    /// size, so that a channel that fills and empties by turns allocates nothing after its
    /// first fill (`RemoteReader`'s holds 16 blocks).
    private static let spareLimit = 16

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds bytes, waiting for room; throws once the reader stopped.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        condition.lock()
        defer { condition.unlock() }
        while buffered >= capacity, failure == nil { condition.wait() }
        if let failure { throw failure }
        var chunk = spare.popLast() ?? []
        chunk.append(contentsOf: bytes)
        chunks.append(chunk)
        buffered += bytes.count
        condition.broadcast()
    }

    /// Fills `buffer` with what is there, waiting for bytes; 0 at the end; the writer's error if
    /// it failed, once the bytes it wrote before are read (they are good: a resume goes on
    /// after them).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, !finished, failure == nil { condition.wait() }
        if chunks.isEmpty, let failure { throw failure }
        var count = 0
        while count < buffer.count, !chunks.isEmpty {
            // The first chunk is read in place (no second reference to it), so that once read
            // to its end it is the channel's alone and keeps its storage when emptied.
            let (taken, chunkSize) = chunks[0].withUnsafeBytes { bytes in
                let taken = min(buffer.count - count, bytes.count - firstOffset)
                UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + taken)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[firstOffset..<(firstOffset + taken)]))
                return (taken, bytes.count)
            }
            count += taken
            firstOffset += taken
            if firstOffset == chunkSize {
                var emptied = chunks.removeFirst()
                firstOffset = 0
                if spare.count < Self.spareLimit {
                    emptied.removeAll(keepingCapacity: true)
                    spare.append(emptied)
                }
            }
        }
        buffered -= count
        condition.broadcast()
        return count
    }

    /// The writer is done: the reader gets 0 once it has read everything.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the channel: both ends throw `error` from now on (the first error stays).
    func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }
}

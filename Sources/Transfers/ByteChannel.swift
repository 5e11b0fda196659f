import Foundation

/// A bounded pipe of bytes between two threads: one writes chunks, the other reads them. A
/// writer waits while the channel is full, a reader while it is empty; either end can stop the
/// other with an error.
final class ByteChannel: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [[UInt8]] = []
    private var firstOffset = 0
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?

    /// The channel stopped from the other end.
    struct Stopped: Error {}

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds bytes, waiting for room; throws once the reader stopped.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        condition.lock()
        defer { condition.unlock() }
        while buffered >= capacity, failure == nil { condition.wait() }
        if let failure { throw failure }
        chunks.append(Array(bytes))
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
        while count < buffer.count, let first = chunks.first {
            let taken = min(buffer.count - count, first.count - firstOffset)
            first.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + taken)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[firstOffset..<(firstOffset + taken)]))
            }
            count += taken
            firstOffset += taken
            if firstOffset == first.count {
                chunks.removeFirst()
                firstOffset = 0
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

import Foundation
import FTP

/// A bounded pipe of bytes between two threads: one reads a server's bytes straight into the
/// channel's memory (it is the `ReceivingBuffer` of the download), the other takes them out in
/// order. A writer waits while the channel is full, a reader while it is empty; either end can
/// stop the other with an error.
///
/// The memory is up to `blockCount` blocks of `blockSize` bytes, made as they are first needed
/// and reused from then on, so that a big file passes without an allocation (and fresh pages to
/// fault in) for every read. Bytes go into the rest of the last block while a quarter of it or
/// more is left, else into the next free block.
final class ByteChannel: ReceivingBuffer, @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`; the bytes of a block are written only
    // past its `filled` count (by the writer, which alone asks for space) and read only before it.
    private let condition = NSCondition()
    private let blockSize: Int
    private let blockCount: Int
    /// Every block made so far.
    private var blocks: [UnsafeMutableRawBufferPointer] = []
    /// The blocks holding no bytes.
    private var free: [Int] = []
    /// The blocks holding bytes, in order, and how many each holds; only the last is written to.
    private var holding: [(block: Int, filled: Int)] = []
    /// How far the first block holding bytes has been read.
    private var readOffset = 0
    /// The bytes written and not yet read.
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?
    /// While the reader gathers bytes: how many it waits for; 0 otherwise.
    private var readerWants = 0
    /// Whether the writer waits for room.
    private var writerWaits = false

    /// How long a read waits for more bytes to fill its buffer once some are there: writes to
    /// the disk then come in whole blocks from a fast connection (and go to it directly), and
    /// the reading thread is not woken for every piece the connection gives.
    static let gatheringTime: TimeInterval = 0.02
    private let gathering: TimeInterval

    /// The channel stopped from the other end.
    struct Stopped: Error {}

    /// A channel of up to `blockCount` blocks of `blockSize` bytes, whose reads wait up to
    /// `gathering` seconds for more bytes once some are there.
    init(blockSize: Int, blockCount: Int, gathering: TimeInterval = ByteChannel.gatheringTime) {
        self.blockSize = max(1, blockSize)
        self.blockCount = max(1, blockCount)
        self.gathering = gathering
    }

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// Room for the next bytes, waiting for it; throws once the reader stopped.
    func space() throws -> UnsafeMutableRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            releaseBlocksRead()
            if let last = holding.last {
                if holding.count == 1, readOffset == last.filled {
                    // Read to its end: written again from its start.
                    holding[0].filled = 0
                    readOffset = 0
                }
                let room = blockSize - holding[holding.count - 1].filled
                if room * 4 >= blockSize {
                    return UnsafeMutableRawBufferPointer(rebasing: blocks[last.block][(blockSize - room)...])
                }
            }
            if free.isEmpty, blocks.count < blockCount {
                blocks.append(.allocate(byteCount: blockSize, alignment: 16))
                free.append(blocks.count - 1)
            }
            if let block = free.popLast() {
                holding.append((block, 0))
                return blocks[block]
            }
            // Full: a reader gathering bytes takes what is there instead of waiting for more.
            writerWaits = true
            condition.broadcast()
            condition.wait()
            writerWaits = false
        }
    }

    /// Takes the `count` bytes written at the start of the room `space` gave.
    func received(_ count: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        holding[holding.count - 1].filled += count
        buffered += count
        // The reader is woken only once it can fill its buffer (or finds bytes at all).
        if buffered == count || buffered >= readerWants { condition.broadcast() }
    }

    /// Fills `buffer`, waiting for bytes, and then for as many as it holds for at most
    /// `gathering` seconds (a fast connection fills it at once; a slow one gives what came in
    /// that time) or until the writer waits for room; 0 at the end; the writer's error if it
    /// failed, once the bytes it wrote before are read (they are good: a resume goes on after
    /// them).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while buffered == 0, !finished, failure == nil { condition.wait() }
        if buffered < buffer.count, !finished, failure == nil {
            let deadline = Date(timeIntervalSinceNow: gathering)
            readerWants = buffer.count
            while buffered < readerWants, !writerWaits, !finished, failure == nil, condition.wait(until: deadline) {}
            readerWants = 0
        }
        if buffered == 0, let failure { throw failure }
        releaseBlocksRead()
        var count = 0
        while count < buffer.count, let first = holding.first, readOffset < first.filled {
            let taken = min(buffer.count - count, first.filled - readOffset)
            let piece = UnsafeRawBufferPointer(rebasing: blocks[first.block][readOffset..<(readOffset + taken)])
            // Copied without the lock, so that the connection's next bytes go in meanwhile: the
            // writer writes a block only past its count, and neither frees nor starts again a
            // block whose bytes are not all read (`readOffset` stays below this one's count
            // until the copy is done).
            condition.unlock()
            UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + taken)]).copyMemory(from: piece)
            condition.lock()
            count += taken
            readOffset += taken
            buffered -= taken
            releaseBlocksRead()
            if writerWaits { condition.broadcast() }
        }
        condition.broadcast()
        return count
    }

    /// Frees the blocks read to their end that are no longer written to (all but the last).
    private func releaseBlocksRead() {
        while holding.count > 1, readOffset == holding[0].filled {
            free.append(holding.removeFirst().block)
            readOffset = 0
        }
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

import Foundation
import FTP

/// The digest of the bytes of one copy as they pass, for comparing with the server's at the end.
///
/// For a big file it is computed on a thread of its own while the copy goes on: each block is
/// set aside (a copy in memory, a tenth of what hashing it costs) and hashed there, so that a
/// verified copy takes about as long as the slower of moving and hashing its bytes, not the two
/// one after the other, wherever the processor has a core to spare. SHA-256, the digest servers
/// offer most, hashes about as fast as a copy moves bytes over loopback. At most
/// `backlogLimit` bytes wait to be hashed; `update` waits beyond that. A small file is hashed in
/// place: a thread would cost more than it saves.
final class PassingDigest {
    /// The smallest file hashed on a thread of its own.
    static let backgroundThreshold: UInt64 = 8 << 20
    /// The most bytes that wait to be hashed.
    static let backlogLimit = 4 << 20

    let algorithm: DigestAlgorithm
    private let digest: ContentDigest
    /// The blocks waiting for the hashing thread; nil when hashing in place.
    private let backlog: Backlog?
    private var result: [UInt8]?

    /// A digest with `algorithm`, hashed on a thread of its own when the file is known to be
    /// at least `backgroundThreshold` bytes.
    init(_ algorithm: DigestAlgorithm, size: UInt64?) {
        self.algorithm = algorithm
        let digest = ContentDigest(algorithm)
        self.digest = digest
        guard let size, size >= Self.backgroundThreshold else {
            backlog = nil
            return
        }
        let backlog = Backlog(limit: Self.backlogLimit)
        self.backlog = backlog
        let handed = HandedOver(digest)
        let thread = Thread {
            while let block = backlog.next() {
                block.withUnsafeBytes { handed.value.update($0) }
                backlog.recycle(block)
            }
            backlog.hashed()
        }
        thread.name = "ferry-digest"
        thread.start()
    }

    deinit {
        // A copy that failed on the way: the thread ends all the same.
        if result == nil { backlog?.endAndWait() }
    }

    /// Adds bytes, valid only during the call.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let backlog else { return digest.update(bytes) }
        backlog.add(bytes)
    }

    /// The digest of every byte added; waits for the hashing thread to catch up.
    func finish() -> [UInt8] {
        if let result { return result }
        backlog?.endAndWait()
        let value = digest.finish()
        result = value
        return value
    }
}

/// Blocks of bytes handed from a copy to the thread that hashes them, in order, with the
/// emptied blocks kept for reuse.
private final class Backlog: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private let limit: Int
    private var blocks: [[UInt8]] = []
    private var spare: [[UInt8]] = []
    private var waitingBytes = 0
    private var ended = false
    private var done = false

    init(limit: Int) { self.limit = limit }

    /// Copies `bytes` into the backlog, first waiting while it is full.
    func add(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        condition.lock()
        while waitingBytes >= limit { condition.wait() }
        var block = spare.popLast() ?? []
        condition.unlock()
        block.removeAll(keepingCapacity: true)
        block.append(contentsOf: bytes)
        condition.lock()
        blocks.append(block)
        waitingBytes += block.count
        condition.broadcast()
        condition.unlock()
    }

    /// The next block to hash, waiting for one; nil once the backlog ended and is empty.
    func next() -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while blocks.isEmpty, !ended { condition.wait() }
        return blocks.isEmpty ? nil : blocks.removeFirst()
    }

    /// A block hashed: its room is free again, and its storage kept for the next one. A copy
    /// waiting for room is woken once half the backlog is free, not for every block.
    func recycle(_ block: [UInt8]) {
        condition.lock()
        waitingBytes -= block.count
        if spare.count < 4 { spare.append(block) }
        if waitingBytes <= limit / 2 { condition.broadcast() }
        condition.unlock()
    }

    /// The hashing thread is done.
    func hashed() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    /// No more blocks come: waits until the thread hashed those there and ended.
    func endAndWait() {
        condition.lock()
        ended = true
        condition.broadcast()
        while !done { condition.wait() }
        condition.unlock()
    }
}

import Foundation

/// Hashes bytes into a digest's state on a thread of its own, while the thread that adds them
/// goes on: the bytes are copied into one of `slotCount` buffers of `slotSize` bytes, and a full
/// buffer goes to the hashing thread, which gives it back once hashed. The adding thread waits
/// only when every buffer is full (the hashing is behind by that much), so a transfer cannot run
/// ahead of its digest by more than the buffers hold.
///
/// Bytes are added on one thread; `finish` gives the state back to it with every byte hashed,
/// `abandon` stops the hashing where it is.
final class DigestWorker: @unchecked Sendable {
    // @unchecked: `filling` and `filled` belong to the adding thread; `shared` is touched only
    // while `condition` is held, and a buffer belongs to whichever thread took it from there.

    static let slotSize = 1 << 20
    static let slotCount = 4

    /// What the two threads pass each other: the buffers handed for hashing (with how many of
    /// their bytes are filled) and the buffers free again, in order, and how far it went.
    private struct Shared {
        var handed: [(slot: Int, byteCount: Int)] = []
        var free: [Int] = []
        var noMoreBytes = false
        var abandoned = false
        var ended = false
    }

    private let state: DigestState
    /// The count this worker's thread is one of, until it ends.
    private let threads: HashingThreads
    private let slots: [UnsafeMutableRawBufferPointer]
    private let condition = NSCondition()
    private var shared = Shared()
    /// The buffer being filled, and how much of it is.
    private var filling = 0
    private var filled = 0

    /// Starts a hashing thread, which `state` belongs to until `finish`; nil when `threads`
    /// has none to spare.
    static func start(hashingInto state: DigestState, threads: HashingThreads) -> DigestWorker? {
        threads.admit() ? DigestWorker(hashingInto: state, threads: threads) : nil
    }

    private init(hashingInto state: DigestState, threads: HashingThreads) {
        self.state = state
        self.threads = threads
        slots = (0..<Self.slotCount).map { _ in .allocate(byteCount: Self.slotSize, alignment: 64) }
        shared.free = Array(1..<Self.slotCount)
        Thread.detachNewThread { [self] in hashUntilTheEnd() }
    }

    deinit {
        for slot in slots { slot.deallocate() }
    }

    /// Copies bytes into the buffers, handing each full one to the hashing thread.
    func add(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let count = min(bytes.count - offset, Self.slotSize - filled)
            UnsafeMutableRawBufferPointer(rebasing: slots[filling][filled..<filled + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
            filled += count
            offset += count
            if filled == Self.slotSize { handFilledSlot() }
        }
    }

    /// Waits until every byte added is hashed; the state is the caller's again.
    func finish() {
        condition.lock()
        defer { condition.unlock() }
        if filled > 0 { shared.handed.append((filling, filled)) }
        filled = 0
        shared.noMoreBytes = true
        condition.broadcast()
        while !shared.ended { condition.wait() }
    }

    /// Stops the hashing thread without hashing what it has not begun, waiting for it (at most
    /// the hashing of one buffer): no thread is left using the state, even as the process ends.
    func abandon() {
        condition.lock()
        defer { condition.unlock() }
        shared.abandoned = true
        shared.noMoreBytes = true
        condition.broadcast()
        while !shared.ended { condition.wait() }
    }

    /// Hands the full buffer over and takes a free one, waiting for one if need be.
    private func handFilledSlot() {
        condition.lock()
        defer { condition.unlock() }
        shared.handed.append((filling, filled))
        condition.broadcast()
        while shared.free.isEmpty { condition.wait() }
        filling = shared.free.removeFirst()
        filled = 0
    }

    private func hashUntilTheEnd() {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while shared.handed.isEmpty, !shared.noMoreBytes { condition.wait() }
            guard !shared.abandoned, !shared.handed.isEmpty else { break }
            let (slot, byteCount) = shared.handed.removeFirst()
            condition.unlock()
            state.update(UnsafeRawBufferPointer(rebasing: slots[slot][0..<byteCount]))
            condition.lock()
            shared.free.append(slot)
            condition.broadcast()
        }
        threads.leave()
        shared.ended = true
        condition.broadcast()
    }
}

/// The hashing threads of a process, counted: beyond `most` at once a digest is hashed as its
/// bytes pass, so that many large transfers at once (a server's sessions, a batch's workers) do
/// not each add a thread and its buffers.
final class HashingThreads: Sendable {
    /// The most threads at once.
    let most: Int
    private let running = Locked(0)

    /// The process's own count: four threads a processor.
    static let shared = HashingThreads(most: 4 * max(1, ProcessInfo.processInfo.activeProcessorCount))

    init(most: Int) { self.most = most }

    /// Counts one more thread; false when `most` are running.
    func admit() -> Bool {
        running.withLock { running in
            guard running < most else { return false }
            running += 1
            return true
        }
    }

    /// Counts a thread that ended.
    func leave() {
        running.withLock { $0 -= 1 }
    }
}

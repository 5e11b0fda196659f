import Foundation

/// Writes a file's gathered buffers on threads of their own while the thread that gathers them
/// fills the next: a direct write waits for the disk (a MiB takes about 0.7 ms here), and the
/// copy into the next buffer, with its digest, need not wait too. Writes run one at a time,
/// or two at once where the file takes a write alongside another (`LocalFile.takesWriteAlongside`:
/// direct writes into room set aside, which ext4 runs side by side). Used from one thread; a
/// buffer handed to `start` is the writing threads' until `wait` returns or a later `start`
/// has waited for it (writes are waited for in the order they started).
final class WriteBehind {
    /// The threads the writes run on, reused from write to write and file to file (a batch runs
    /// at most 32 copies at once, each with at most `mostInFlight` writes).
    static let threads = ThreadPool(name: "ferry-writer", width: 256)

    /// The most writes in flight at once.
    static let mostInFlight = 2

    /// A write started and not yet waited for.
    private struct InFlight {
        let done: DispatchSemaphore
        /// Whether it runs alone: it keeps the file's count of what was written, which nothing
        /// else may touch meanwhile.
        let alone: Bool
    }

    private let file: LocalFile
    private let failure = LockedError()
    private var inFlight: [InFlight] = []

    /// How many writes are started and not yet waited for.
    var writesInFlight: Int { inFlight.count }

    init(file: LocalFile) {
        self.file = file
    }

    /// Starts writing `bytes`, the file's next ones, once the writes before allow it; throws the
    /// failure of a write before.
    func start(_ bytes: UnsafeRawBufferPointer) throws {
        // What the file takes is decided while no write that keeps its count is running.
        if inFlight.contains(where: \.alone) { try waitForAll() }
        let alongside = file.takesWriteAlongside(of: bytes)
        try waitForAll(but: alongside ? Self.mostInFlight - 1 : 0)
        let done = DispatchSemaphore(value: 0)
        inFlight.append(InFlight(done: done, alone: !alongside))
        // Unretained: the file is the caller's, alive until `wait` returns, and closed on its
        // thread when it lets go, not on the pool's after the copy has moved on.
        let (file, failure) = (HandedOver(Unmanaged.passUnretained(file)), failure)
        let offset = alongside ? self.file.claimWriteAlongside(of: bytes) : nil
        let handed = HandedOver(bytes)
        Self.threads.run {
            do {
                let file = file.value.takeUnretainedValue()
                if let offset {
                    try file.writeAlongside(handed.value, at: offset)
                } else {
                    try file.write(handed.value)
                }
            } catch {
                failure.set(error)
            }
            done.signal()
        }
    }

    /// Waits until no write is in flight; throws the failure of a write, if one failed.
    func wait() throws {
        try waitForAll()
    }

    /// Waits, oldest first, until at most `left` writes are in flight; throws the failure of a
    /// write, if one failed.
    private func waitForAll(but left: Int = 0) throws {
        while inFlight.count > left {
            inFlight.removeFirst().done.wait()
        }
        if let error = failure.error { throw error }
    }
}

/// A value given to another thread, which alone uses it until it signals that it is done.
struct HandedOver<Value>: @unchecked Sendable {
    // @unchecked: the giving thread does not touch the value until the taker is done with it.
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An error one thread leaves for another: the first one left, which the others may follow from.
final class LockedError: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var stored: (any Error)?

    func set(_ error: any Error) { lock.withLock { stored = stored ?? error } }
    var error: (any Error)? { lock.withLock { stored } }
}

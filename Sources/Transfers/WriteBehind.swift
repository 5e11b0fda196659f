import Foundation

/// Writes a file's gathered buffers on a thread of its own, one write at a time, while the
/// thread that gathers them fills the next: a direct write waits for the disk (a MiB takes
/// about 0.7 ms here), and the copy into the next buffer, with its digest, need not wait too.
/// Used from one thread; a buffer handed to `start` is the writing thread's until `wait`
/// returns.
final class WriteBehind {
    /// The threads the writes run on, reused from write to write and file to file (a batch runs
    /// at most 32 copies at once).
    static let threads = ThreadPool(name: "ferry-writer", width: 256)

    private let file: LocalFile
    private let done = DispatchSemaphore(value: 0)
    private let failure = LockedError()
    private var isWriting = false

    init(file: LocalFile) {
        self.file = file
    }

    /// Starts writing `bytes` once the write before has ended; throws that write's failure.
    func start(_ bytes: UnsafeRawBufferPointer) throws {
        try wait()
        isWriting = true
        // Unretained: the file is the caller's, alive until `wait` returns, and closed on its
        // thread when it lets go, not on the pool's after the copy has moved on.
        let (file, done, failure) = (HandedOver(Unmanaged.passUnretained(file)), done, failure)
        let handed = HandedOver(bytes)
        Self.threads.run {
            do {
                try file.value.takeUnretainedValue().write(handed.value)
            } catch {
                failure.set(error)
            }
            done.signal()
        }
    }

    /// Waits until no write is in flight; throws the failure of the last one, if it failed.
    func wait() throws {
        if isWriting {
            done.wait()
            isWriting = false
        }
        if let error = failure.error { throw error }
    }
}

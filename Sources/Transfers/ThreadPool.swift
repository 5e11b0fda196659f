import Foundation

/// Threads that are kept while there is work and leave once idle for a moment, so that work
/// given one piece after another — a small file's read, then the next file's — runs on a
/// thread that exists already instead of one made for it. Runs up to `width` pieces at once;
/// more wait their turn. A piece may block (on a socket, on the disk), but never on another
/// piece of the same pool.
final class ThreadPool: @unchecked Sendable {
    // @unchecked: every field below `condition` is guarded by it.
    /// How long an idle thread waits for more work before it leaves.
    static let idleSeconds = 0.05

    private let name: String
    private let width: Int
    private let condition = NSCondition()
    private var pending: [@Sendable () -> Void] = []
    private var threads = 0
    private var idle = 0
    private var unfinished = 0

    /// A pool whose threads are called `name`.
    init(name: String, width: Int) {
        self.name = name
        self.width = max(1, width)
    }

    /// Runs `work` on one of the threads.
    func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        pending.append(work)
        unfinished += 1
        // A thread for each piece no idle thread will take, up to `width`.
        let starts = pending.count > idle && threads < width
        if starts { threads += 1 }
        condition.signal()
        condition.unlock()
        guard starts else { return }
        let thread = Thread { [self] in serve() }
        thread.name = name
        thread.start()
    }

    /// Waits until every piece given so far has run.
    func wait() {
        condition.lock()
        while unfinished > 0 { condition.wait() }
        condition.unlock()
    }

    private func serve() {
        condition.lock()
        while true {
            if pending.isEmpty {
                idle += 1
                let woken = condition.wait(until: Date(timeIntervalSinceNow: Self.idleSeconds))
                idle -= 1
                if !woken, pending.isEmpty { break }
                continue
            }
            let work = pending.removeFirst()
            condition.unlock()
            work()
            condition.lock()
            unfinished -= 1
            // Only `wait()` cares, and only for the last piece.
            if unfinished == 0 { condition.broadcast() }
        }
        threads -= 1
        condition.unlock()
    }
}

import Foundation

/// Holds a transfer between two chunks while it is paused: the transfer's thread calls
/// `waitWhilePaused()` (from its progress callback) and blocks there until `resume()` or `open()`.
/// Safe to use from any thread.
public final class PauseGate: @unchecked Sendable {
    // @unchecked: `paused` and `opened` are touched only with `condition` locked.
    private let condition = NSCondition()
    private var paused = false
    private var opened = false

    public init() {}

    /// Whether the gate holds the transfer now.
    public var isPaused: Bool {
        condition.withLock { paused && !opened }
    }

    /// Holds the transfer at its next call of `waitWhilePaused()`.
    public func pause() {
        condition.withLock { paused = true }
    }

    /// Lets a held transfer go on.
    public func resume() {
        condition.withLock {
            paused = false
            condition.broadcast()
        }
    }

    /// Lets the transfer go for good (it is being cancelled or ended): pausing holds it no more.
    public func open() {
        condition.withLock {
            opened = true
            condition.broadcast()
        }
    }

    /// Returns at once unless paused; else blocks until resumed or opened.
    public func waitWhilePaused() {
        condition.lock()
        defer { condition.unlock() }
        while paused, !opened { condition.wait() }
    }
}

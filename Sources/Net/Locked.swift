import Foundation

/// A value guarded by a lock, used as `Synchronization.Mutex` is (`withLock`), but built on a
/// pthread mutex (through `NSLock`), which the thread sanitizer sees. `Mutex` waits in the
/// standard library's own futex code, which is not instrumented, so every value it guards would
/// be reported as a race and the engine's tests could not run under the sanitizer.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    public init(_ initialValue: sending Value) {
        value = initialValue
    }

    /// Runs `body` with the value while no other thread can touch it.
    public func withLock<Result, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

import Foundation

/// A token bucket that holds the transfers of one command, on any number of threads, to a rate
/// of bytes per second. Each transfer takes the bytes of a block as it passes and sleeps in its
/// own thread until the bucket allows them, so transfers stay plain blocking code. The bucket
/// holds at most a small burst (a tenth of a second's bytes), and a block larger than what is
/// there leaves a debt that the next taker waits off too: the rate holds for all threads
/// together, block after even block.
public final class RateLimiter: @unchecked Sendable {
    // @unchecked: `tokens` and `last` are guarded by `lock`; the rest are constants.
    /// The rate allowed.
    public let bytesPerSecond: Double
    private let burst: Double
    private let clock: @Sendable () -> Double
    private let sleep: @Sendable (Double) -> Void
    private let lock = NSLock()
    private var tokens: Double
    private var last: Double

    /// A bucket for `bytesPerSecond` (at least 1), starting full; `clock` gives seconds on a
    /// steady clock and `sleep` waits, both replaceable for tests.
    public init(
        bytesPerSecond: UInt64, clock: @escaping @Sendable () -> Double = ProgressMeter.now,
        sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    ) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
        burst = self.bytesPerSecond / 10
        self.clock = clock
        self.sleep = sleep
        tokens = burst
        last = clock()
    }

    /// The size of block that keeps a transfer at this rate smooth: about a twentieth of a
    /// second's bytes, between 1 KiB and `blockSize`.
    public func blockSize(atMost blockSize: Int) -> Int {
        max(1024, min(blockSize, Int(bytesPerSecond / 20)))
    }

    /// Takes `count` bytes, sleeping until the rate allows them.
    public func take(_ count: Int) {
        let wait = reserve(count)
        if wait > 0 { sleep(wait) }
    }

    /// Takes `count` bytes from the bucket and returns how many seconds the taker must wait
    /// before they may pass (0 when the bucket held them).
    public func reserve(_ count: Int) -> Double {
        lock.withLock {
            let now = clock()
            tokens = min(burst, tokens + max(0, now - last) * bytesPerSecond)
            last = now
            tokens -= Double(max(0, count))
            return tokens < 0 ? -tokens / bytesPerSecond : 0
        }
    }

    /// Reads a rate: bytes, or a number with `K`, `M` or `G` (1024-based; `1.5M`), optionally
    /// followed by `B` or `/s`. Nil for anything else, and for 0 or less than one byte.
    public static func parseRate(_ text: String) -> UInt64? {
        var number = text.trimmingCharacters(in: .whitespaces).uppercased()
        if number.hasSuffix("/S") { number.removeLast(2) }
        if number.hasSuffix("B") { number.removeLast() }
        var factor = 1.0
        if let unit = number.last, let power = ["K": 1.0, "M": 2.0, "G": 3.0][String(unit)] {
            factor = pow(1024, power)
            number.removeLast()
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(number) else { return nil }
        let bytes = (value * factor).rounded(.down)
        guard bytes >= 1, bytes < 0x1p62 else { return nil }
        return UInt64(bytes)
    }
}

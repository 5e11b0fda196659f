import Foundation
import Net
import Testing
import Transfers

/// The token bucket's arithmetic, on a clock the test moves.
@Suite("Rate limiter")
struct RateLimiterTests {
    final class Clock: Sendable {
        let seconds = Locked(0.0)
        func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
        var now: Double { seconds.withLock { $0 } }
    }

    @Test func aFullBucketLetsABurstThroughThenMakesTakersWait() {
        let clock = Clock()
        let limiter = RateLimiter(bytesPerSecond: 1000, clock: { clock.now })
        #expect(limiter.reserve(100) == 0)
        #expect(abs(limiter.reserve(100) - 0.1) < 1e-9)
        // The debt stays: the next taker waits for both.
        #expect(abs(limiter.reserve(50) - 0.15) < 1e-9)
        clock.advance(0.15)
        #expect(abs(limiter.reserve(10) - 0.01) < 1e-9)
    }

    @Test func theBucketRefillsAtTheRateUpToASmallBurst() {
        let clock = Clock()
        let limiter = RateLimiter(bytesPerSecond: 1000, clock: { clock.now })
        #expect(limiter.reserve(100) == 0)
        clock.advance(0.05)
        #expect(limiter.reserve(50) < 1e-9)
        #expect(abs(limiter.reserve(1) - 0.001) < 1e-9)
        clock.advance(60)
        // An idle minute leaves a tenth of a second's bytes, not a minute's.
        #expect(limiter.reserve(100) == 0)
        #expect(abs(limiter.reserve(100) - 0.1) < 1e-9)
    }

    @Test func takingSleepsOffTheWait() {
        let clock = Clock()
        let slept = Locked<[Double]>([])
        let limiter = RateLimiter(bytesPerSecond: 2048, clock: { clock.now }, sleep: { seconds in slept.withLock { $0.append(seconds) } })
        limiter.take(204)
        limiter.take(1024)
        #expect(slept.withLock { $0.count } == 1)
        #expect(abs(slept.withLock { $0[0] } - 0.5) < 0.001)
    }

    @Test func blocksShrinkToAboutATwentiethOfASecond() {
        #expect(RateLimiter(bytesPerSecond: 1024 * 1024).blockSize(atMost: 256 * 1024) == 52428)
        #expect(RateLimiter(bytesPerSecond: 100).blockSize(atMost: 256 * 1024) == 1024)
        #expect(RateLimiter(bytesPerSecond: 1 << 40).blockSize(atMost: 256 * 1024) == 256 * 1024)
    }

    @Test(arguments: [
        ("500K", 512_000 as UInt64?), ("2M", 2_097_152), ("1.5M", 1_572_864), ("100", 100), ("1G", 1_073_741_824), ("64k", 65536),
        ("2MB", 2_097_152), ("1M/s", 1_048_576), ("fast", nil), ("0", nil), ("-1M", nil), ("1.2.3K", nil), ("1e6", nil), ("M", nil),
        ("", nil), ("0.5", nil), ("99999999999G", nil), ("1KK", nil),
    ])
    func ratesAreRead(_ text: String, _ expected: UInt64?) {
        #expect(RateLimiter.parseRate(text) == expected)
    }
}

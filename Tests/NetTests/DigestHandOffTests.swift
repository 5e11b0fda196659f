import Foundation
@testable import Net
import Testing

/// A large file's digest is hashed on a thread of its own: the result is the digest of the
/// same bytes hashed in order on the adding thread, however they are cut. Each test counts its
/// threads apart from the process's, which other tests' transfers take at the same time.
@Suite("Digests hashed on a thread of their own")
struct DigestHandOffTests {
    /// As many threads as the process may have, for this test's digests alone.
    private let threads = HashingThreads(most: HashingThreads.shared.most)

    /// Bytes that never repeat a pattern (xorshift), so that bytes out of order, missing or
    /// doubled, even whole buffers of them, change the digest.
    private static let bytes: [UInt8] = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<(3 * DigestWorker.slotSize * DigestWorker.slotCount + 12_345)).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }()

    /// Pieces of every size around the buffers' size: smaller, equal, larger, across them.
    private static let pieceSizes = [1, 4_095, DigestWorker.slotSize, 65_536, DigestWorker.slotSize + 7, 3 * DigestWorker.slotSize, 300_000, 17]

    private static func digest(_ digest: ContentDigest) -> [UInt8] {
        var offset = 0
        var size = 0
        while offset < bytes.count {
            let count = min(pieceSizes[size % pieceSizes.count], bytes.count - offset)
            bytes.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
            offset += count
            size += 1
        }
        return digest.finish()
    }

    @Test(arguments: DigestAlgorithm.allCases)
    func aDigestHandedOffEqualsOneMadeInPlace(_ algorithm: DigestAlgorithm) {
        let inPlace = ContentDigest(algorithm, handingOffAfter: nil)
        let expected = Self.digest(inPlace)
        #expect(!inPlace.wasHandedOff)
        for threshold in [1, 100_000, DigestWorker.slotSize] {
            let handedOff = ContentDigest(algorithm, handingOffAfter: threshold, threads: threads)
            #expect(Self.digest(handedOff) == expected)
            #expect(handedOff.wasHandedOff)
        }
    }

    /// A digest known from outside, its bytes nearly all hashed on the thread: SHA-256 of a
    /// million "a", given a thousand at a time.
    @Test func theMillionAsDigestIsKnown() {
        let digest = ContentDigest(.sha256, handingOffAfter: 1, threads: threads)
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000)
        for _ in 0..<1_000 { digest.update(thousand) }
        #expect(digest.wasHandedOff)
        #expect(ContentDigest.hex(digest.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Only a large file's digest starts a thread; a small one is hashed as it passes.
    @Test func aSmallFileStartsNoThread() {
        let digest = ContentDigest(.sha256)
        digest.update([UInt8](repeating: 1, count: ContentDigest.handOffThreshold - 1))
        _ = digest.finish()
        #expect(!digest.wasHandedOff)
    }

    /// A digest dropped half way (a failed transfer), its buffers full, stops its thread: many
    /// times over, each later digest still gets a thread of its own (the threads are counted,
    /// and a digest beyond the most at once would be hashed in place).
    @Test func aDigestDroppedHalfWayStopsItsThread() {
        let buffers = [UInt8](repeating: 2, count: DigestWorker.slotSize * DigestWorker.slotCount)
        for _ in 0..<100 {
            let digest = ContentDigest(.sha256, handingOffAfter: 1, threads: threads)
            digest.update([1])
            digest.update(buffers)
            #expect(digest.wasHandedOff)
        }
    }

    /// Beyond the most hashing threads at once, a digest is hashed as its bytes pass, and
    /// still right.
    @Test func aDigestBeyondTheMostThreadsIsHashedInPlace() {
        let running = (0..<threads.most).map { _ in
            let digest = ContentDigest(.sha1, handingOffAfter: 1, threads: threads)
            digest.update([1])
            digest.update([2])
            return digest
        }
        #expect(running.allSatisfy { $0.wasHandedOff })
        let beyond = ContentDigest(.sha1, handingOffAfter: 1, threads: threads)
        beyond.update(Array("a".utf8))
        beyond.update(Array("bc".utf8))
        #expect(!beyond.wasHandedOff)
        #expect(ContentDigest.hex(beyond.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        for digest in running { _ = digest.finish() }
    }
}

import Foundation
@testable import Net
import Testing

/// A large file's digest is hashed on a thread of its own: the result is the digest of the
/// same bytes hashed in order on the adding thread, however they are cut.
@Suite("Digests hashed on a thread of their own")
struct DigestHandOffTests {
    /// Bytes that differ from one position to the next, so that bytes out of order, missing or
    /// doubled change the digest.
    private static let bytes: [UInt8] = (0..<(3 * DigestWorker.slotSize * DigestWorker.slotCount + 12_345)).map {
        UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13)
    }

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
            let handedOff = ContentDigest(algorithm, handingOffAfter: threshold)
            #expect(Self.digest(handedOff) == expected)
            #expect(handedOff.wasHandedOff)
        }
    }

    /// The digest of bytes given as one piece, known from outside: SHA-256 of a million "a".
    @Test func theMillionAsDigestIsKnown() {
        let digest = ContentDigest(.sha256, handingOffAfter: 1)
        digest.update([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(ContentDigest.hex(digest.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Only a large file's digest starts a thread; a small one is hashed as it passes.
    @Test func aSmallFileStartsNoThread() {
        let digest = ContentDigest(.sha256)
        digest.update([UInt8](repeating: 1, count: ContentDigest.handOffThreshold - 1))
        _ = digest.finish()
        #expect(!digest.wasHandedOff)
    }

    /// A digest dropped half way (a failed transfer) lets its thread go without waiting for
    /// it, many times over without running out of threads or memory.
    @Test func aDigestDroppedHalfWayLetsItsThreadGo() {
        for _ in 0..<200 {
            let digest = ContentDigest(.sha256, handingOffAfter: 1)
            digest.update([UInt8](repeating: 2, count: DigestWorker.slotSize * DigestWorker.slotCount))
            #expect(digest.wasHandedOff)
        }
    }
}

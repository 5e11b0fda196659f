import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
@testable import Transfers

/// Files big enough that the digest of the bytes that pass is computed on a thread of its own
/// (`PassingDigest.backgroundThreshold`), against the loopback server, which computes digests
/// of its files: still verified, and a wrong digest still caught.
@Suite("Big-file digests", .serialized)
struct BigFileDigestTests {
    /// Past the threshold, and not a whole number of blocks.
    static let bigSize = Int(PassingDigest.backgroundThreshold) + 3 * 1024 * 1024 + 12_345

    @Test(arguments: [
        (["HASH"], DigestAlgorithm.sha256),
        (["XSHA1"], .sha1),
        (["XMD5"], .md5),
        (["XCRC"], .crc32),
    ])
    func aBigUploadAndDownloadAreVerifiedWithEveryAlgorithm(_ offered: [String], _ algorithm: DigestAlgorithm) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.offerDigestCommands(Set(offered))
        let contents = sampleBytes(Self.bigSize)
        try local.write("up.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        let uploaded = try FileUpload(localPath: local.file("up.bin"), remotePath: "big.bin").run(on: session, retry: .never)
        #expect(uploaded == TransferOutcome(bytes: UInt64(Self.bigSize), verified: algorithm))
        #expect(fixture.root.read("big.bin") == contents)
        let downloaded = try FileDownload(remotePath: "big.bin", localPath: local.file("down.bin")).run(on: session, retry: .never)
        #expect(downloaded == TransferOutcome(bytes: UInt64(Self.bigSize), verified: algorithm))
        #expect(local.read("down.bin") == contents)
    }

    @Test func aWrongDigestOfABigFileFailsBothWays() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(Self.bigSize)
        try local.write("up.bin", contents)
        try fixture.root.write("down.bin", contents)
        fixture.server.faults.answerWrongDigests(true)
        let session = try fixture.session()
        defer { session.close() }
        #expect(throws: ChecksumMismatch.self) {
            try FileUpload(localPath: local.file("up.bin"), remotePath: "up.bin").run(on: session, retry: .never)
        }
        #expect(throws: ChecksumMismatch.self) {
            try FileDownload(remotePath: "down.bin", localPath: local.file("down.bin")).run(on: session, retry: .never)
        }
        #expect(!local.exists("down.bin"))
        #expect(!local.exists("down.bin.part"))
    }

    /// The head already on disk is hashed into the digest before the tail passes.
    @Test func aBigResumedDownloadIsVerifiedOverHeadAndTail() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(Self.bigSize)
        try fixture.root.write("r.bin", contents)
        fixture.server.faults.cutTransfers(after: 5_000_000, times: 1)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "r.bin", localPath: local.file("r.bin"))
            .run(on: session, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(outcome.verified == .sha256)
        #expect(outcome.resumedFrom > 0)
        #expect(local.read("r.bin") == contents)
    }

    /// On its thread or in place, in blocks of any size, the digest is the one of all the bytes.
    @Test(arguments: DigestAlgorithm.allCases)
    func theDigestOnAThreadEqualsTheDigestInPlace(_ algorithm: DigestAlgorithm) {
        let bytes = Array(sampleBytes(Self.bigSize, seed: 7))
        let whole = ContentDigest(algorithm)
        whole.update(bytes)
        let expected = whole.finish()
        for size: UInt64? in [nil, 100, PassingDigest.backgroundThreshold] {
            let digest = PassingDigest(algorithm, size: size)
            var offset = 0
            var step = 1
            bytes.withUnsafeBytes { all in
                while offset < all.count {
                    let count = min(step, all.count - offset)
                    digest.update(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + count)]))
                    offset += count
                    step = step * 3 + 7
                }
            }
            #expect(digest.finish() == expected)
            #expect(digest.finish() == expected)
        }
    }

    /// A digest dropped before it finished (a copy that failed on the way) ends its thread.
    @Test func aDigestLeftUnfinishedEndsItsThread() throws {
        let bytes = Array(sampleBytes(1_000_000))
        for _ in 0..<20 {
            let digest = PassingDigest(.sha256, size: PassingDigest.backgroundThreshold)
            bytes.withUnsafeBytes { digest.update($0) }
        }
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = threads.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(!names.contains { $0.hasPrefix("ferry-digest") })
    }
}

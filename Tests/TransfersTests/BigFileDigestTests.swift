import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
import Transfers

/// Files of many blocks against the loopback server, which computes digests of its files: the
/// digest of the bytes that passed matches the server's with every algorithm, both ways, and
/// a wrong one is caught.
@Suite("Big-file digests")
struct BigFileDigestTests {
    /// Many blocks, and not a whole number of them.
    static let bigSize = 11 * 1024 * 1024 + 12_345

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

    /// A server without a digest (vsftpd) still has the upload's size checked after STOR: a
    /// size other than the file's fails the copy, however the transfer itself went.
    @Test func aBigUploadWithoutADigestIsCheckedBySize() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.offerDigestCommands([])
        let contents = sampleBytes(Self.bigSize)
        try local.write("up.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileUpload(localPath: local.file("up.bin"), remotePath: "up.bin").run(on: session, retry: .never)
        #expect(outcome == TransferOutcome(bytes: UInt64(Self.bigSize), verified: nil))
        #expect(fixture.root.read("up.bin") == contents)
        #expect(fixture.server.receivedCommands.suffix(2) == ["STOR up.bin", "SIZE up.bin"])
        fixture.server.faults.script("SIZE", reply: .init(code: 213, text: "\(Self.bigSize - 1)"))
        #expect(throws: IncompleteTransfer.self) {
            try FileUpload(localPath: local.file("up.bin"), remotePath: "again.bin").run(on: session, retry: .never)
        }
    }
}

import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
import Transfers

/// Downloads and uploads against the loopback server, which computes digests of its files:
/// every finished transfer is compared with the digest of the bytes that passed.
@Suite("Verified transfers")
struct VerifiedTransferTests {
    @Test(arguments: [
        (["HASH", "XSHA256", "XMD5"], DigestAlgorithm.sha256, "HASH"),
        (["XSHA256"], .sha256, "XSHA256"),
        (["XSHA1", "XCRC"], .sha1, "XSHA1"),
        (["XMD5"], .md5, "XMD5"),
        (["XCRC"], .crc32, "XCRC"),
    ])
    func downloadsAreVerifiedWithTheStrongestDigest(_ offered: [String], _ algorithm: DigestAlgorithm, _ verb: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.offerDigestCommands(Set(offered))
        let contents = sampleBytes(700_000)
        try fixture.root.write("f.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session)
        #expect(outcome == TransferOutcome(bytes: 700_000, verified: algorithm))
        #expect(local.read("f.bin") == contents)
        #expect(fixture.server.receivedCommands.contains { $0.hasPrefix(verb + " ") })
    }

    /// A verified copy says which digest it will ask (OPTS HASH, once a session, with its
    /// first request), so the project's server makes the digest as a download's bytes pass and
    /// reads no file again for it. An upload's digest is still read from the file (the server
    /// cannot tell another writer's changes from its own).
    @Test func aVerifiedDownloadCostsTheServerNoSecondReadOfTheFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(700_000))
        try local.write("up.bin", sampleBytes(300_000, seed: 5))
        // Older than the server's settling time: the digest of a file changed within a tick of
        // the clock is not kept.
        Thread.sleep(forTimeInterval: 0.1)
        let session = try fixture.session()
        defer { session.close() }
        let downloaded = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session)
        #expect(downloaded == TransferOutcome(bytes: 700_000, verified: .sha256))
        #expect(fixture.server.digestsReadFromFiles == 0)
        let uploaded = try FileUpload(localPath: local.file("up.bin"), remotePath: "up.bin").run(on: session)
        #expect(uploaded == TransferOutcome(bytes: 300_000, verified: .sha256))
        #expect(fixture.server.digestsReadFromFiles == 1)
        #expect(fixture.server.receivedCommands.filter { $0.hasPrefix("OPTS HASH") } == ["OPTS HASH SHA-256"])
        // With the next command, never in a write (and a round trip) of its own.
        #expect(fixture.server.commandsReadTogether.contains { $0.contains("OPTS HASH SHA-256") && $0.count > 1 })
    }

    /// A server that refuses the announcement (OPTS HASH) changes nothing: the file is verified
    /// all the same, its digest read from the file.
    @Test func aRefusedAnnouncementChangesNothing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(200_000))
        Thread.sleep(forTimeInterval: 0.1)
        fixture.server.faults.script("OPTS", reply: .init(code: 501, text: "Option not understood."))
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session)
        #expect(outcome == TransferOutcome(bytes: 200_000, verified: .sha256))
        #expect(local.read("f.bin") == sampleBytes(200_000))
        #expect(fixture.server.receivedCommands.contains("OPTS HASH SHA-256"))
        #expect(fixture.server.digestsReadFromFiles == 1)
    }

    /// A server whose HASH keeps to the algorithm it marks (SHA-1 here) and refuses OPTS HASH
    /// for the stronger one it lists: the first download is left unverified, saying so, and
    /// the next ones on the session are verified with the algorithm the server keeps (or an
    /// older command's, where one is stronger).
    @Test func aServerThatKeepsItsHashAlgorithmIsAskedInThatOne() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.fixHashAlgorithm(.sha1)
        fixture.server.faults.offerDigestCommands(["HASH"])
        try fixture.root.write("a.bin", sampleBytes(200_000, seed: 1))
        try fixture.root.write("b.bin", sampleBytes(200_000, seed: 2))
        let session = try fixture.session()
        defer { session.close() }
        let first = try FileDownload(remotePath: "a.bin", localPath: local.file("a.bin")).run(on: session, retry: .never)
        #expect(first.verified == nil)
        #expect(first.unverifiedBecause?.contains("OPTS HASH SHA-256") == true, "\(first.unverifiedBecause ?? "")")
        #expect(local.read("a.bin") == sampleBytes(200_000, seed: 1))
        let second = try FileDownload(remotePath: "b.bin", localPath: local.file("b.bin")).run(on: session, retry: .never)
        #expect(second.verified == .sha1, "\(fixture.server.receivedCommands)")
        #expect(local.read("b.bin") == sampleBytes(200_000, seed: 2))
        // SHA-256 asked once; then SHA-1 only announced, as the algorithm the server has in use.
        #expect(fixture.server.receivedCommands.filter { $0.hasPrefix("OPTS HASH") } == ["OPTS HASH SHA-256", "OPTS HASH SHA-1"])
        #expect(fixture.server.receivedCommands.contains("HASH b.bin"))
    }

    /// proftpd's mod_digest answers `213-Computing SHA-256 digest` first, the digest on the last line.
    @Test(arguments: [("HASH", DigestAlgorithm.sha256), ("XSHA256", .sha256), ("XCRC", .crc32)])
    func aDigestOnTheLastLineOfSeveralIsFound(_ verb: String, _ algorithm: DigestAlgorithm) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.offerDigestCommands([verb])
        fixture.server.faults.announceDigestComputation(true)
        try fixture.root.write("f.bin", sampleBytes(200_000))
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session)
        #expect(outcome == TransferOutcome(bytes: 200_000, verified: algorithm))
        #expect(local.read("f.bin") == sampleBytes(200_000))
    }

    @Test func noDigestWithoutServerSupportOrWhenTurnedOff() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(1000))
        let session = try fixture.session()
        defer { session.close() }
        let unverified = try FileDownload(remotePath: "f.bin", localPath: local.file("a"), settings: TransferSettings(verifies: false)).run(on: session)
        #expect(unverified.verified == nil)
        fixture.server.faults.offerDigestCommands([])
        session.drop()
        #expect(try FileDownload(remotePath: "f.bin", localPath: local.file("b")).run(on: session).verified == nil)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("HASH") || $0.hasPrefix("X") })
    }

    @Test func aWrongDigestLeavesNothingInPlaceAfterOneMoreTryFromTheStart() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(300_000))
        fixture.server.faults.answerWrongDigests(true)
        let session = try fixture.session()
        defer { session.close() }
        #expect(throws: ChecksumMismatch.self) {
            try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session, retry: .never)
        }
        #expect(!local.exists("f.bin"))
        #expect(!local.exists("f.bin.part"))
        #expect(fixture.server.receivedCommands.filter { $0 == "RETR f.bin" }.count == 2)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
    }

    @Test func aWrongDigestOnceIsMendedByTheSecondTry() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(300_000)
        try fixture.root.write("f.bin", contents)
        fixture.server.faults.script("HASH", reply: .init(code: 213, text: "SHA-256 0-300000 \(String(repeating: "0", count: 64)) f.bin", times: 1))
        let session = try fixture.session()
        defer { session.close() }
        var retried: [String] = []
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin"))
            .run(on: session, retry: .never, onRetry: { error, _ in retried.append("\(error)") })
        #expect(outcome.verified == .sha256)
        #expect(local.read("f.bin") == contents)
        #expect(retried.count == 1 && retried[0].contains("checksum mismatch"))
    }

    @Test(arguments: [
        "SHA-256 0-300000 not-hex-at-all f.bin",
        "SHA-256 0-300000 \(String(repeating: "ab", count: 31)) f.bin",
        "MD5 0-300000 \(String(repeating: "ab", count: 16)) f.bin",
        "SHA-256 0-299999 \(String(repeating: "ab", count: 32)) f.bin",
        "SHA-256",
        "",
        "\u{1B}[2J \(String(repeating: "9", count: 5000))",
    ])
    func aDigestReplyThatSaysNothingUsableLeavesTheFileUnverifiedNotWrong(_ text: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(300_000)
        try fixture.root.write("f.bin", contents)
        fixture.server.faults.script("HASH", reply: .init(code: 213, text: text))
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session, retry: .never)
        #expect(outcome.verified == nil)
        #expect(outcome.unverifiedBecause != nil)
        #expect(local.read("f.bin") == contents)
    }

    @Test(arguments: ["XSHA256", "XCRC"])
    func anXCommandReplyWithoutADigestLeavesTheFileUnverified(_ verb: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(50_000)
        try fixture.root.write("f.bin", contents)
        fixture.server.faults.offerDigestCommands([verb])
        fixture.server.faults.script(verb, reply: .init(code: 250, text: "no digest here, only words\nand \u{1B}[2J more"))
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session, retry: .never)
        #expect(outcome.verified == nil)
        #expect(local.read("f.bin") == contents)
    }

    @Test func uploadsAreVerifiedAndAMismatchFails() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(500_000)
        try local.write("u.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileUpload(localPath: local.file("u.bin"), remotePath: "u.bin").run(on: session)
        #expect(outcome == TransferOutcome(bytes: 500_000, verified: .sha256))
        #expect(fixture.root.read("u.bin") == contents)
        fixture.server.faults.answerWrongDigests(true)
        #expect(throws: ChecksumMismatch.self) {
            try FileUpload(localPath: local.file("u.bin"), remotePath: "v.bin").run(on: session, retry: .never)
        }
    }

    /// Files larger than a digest hashes in place (both sides hash on threads of their own) and
    /// than a block (a download goes through the read-ahead channel): verified down and up, a
    /// resumed download's head hashed from the disk, and a wrong digest still caught.
    @Test(arguments: [("HASH", DigestAlgorithm.sha256), ("XCRC", .crc32)])
    func largeFilesAreVerifiedWhole(_ verb: String, _ algorithm: DigestAlgorithm) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.offerDigestCommands([verb])
        let contents = sampleBytes(9_000_000, seed: 21)
        try fixture.root.write("big.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        let downloaded = try FileDownload(remotePath: "big.bin", localPath: local.file("big.bin")).run(on: session)
        #expect(downloaded == TransferOutcome(bytes: 9_000_000, verified: algorithm))
        #expect(local.read("big.bin") == contents)
        let uploaded = try FileUpload(localPath: local.file("big.bin"), remotePath: "up.bin").run(on: session)
        #expect(uploaded == TransferOutcome(bytes: 9_000_000, verified: algorithm))
        #expect(fixture.root.read("up.bin") == contents)

        fixture.server.faults.cutTransfers(after: 6_000_000, times: 1)
        let resumed = try FileDownload(remotePath: "big.bin", localPath: local.file("again.bin"))
            .run(on: session, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(resumed.verified == algorithm)
        #expect(resumed.resumedFrom > 0)
        #expect(local.read("again.bin") == contents)

        fixture.server.faults.answerWrongDigests(true)
        #expect(throws: ChecksumMismatch.self) {
            try FileDownload(remotePath: "big.bin", localPath: local.file("wrong.bin")).run(on: session, retry: .never)
        }
        #expect(local.read("wrong.bin") == nil)
    }

    @Test func aResumedDownloadHashesTheHeadOnDiskAndFetchesOnlyTheTail() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_000_000)
        try fixture.root.write("r.bin", contents)
        fixture.server.faults.cutTransfers(after: 400_000, times: 1)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "r.bin", localPath: local.file("r.bin"))
            .run(on: session, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(outcome.verified == .sha256)
        #expect(local.read("r.bin") == contents)
        #expect(fixture.server.receivedCommands.contains("REST 400000"))
    }
}

import Foundation
import FTP
import FTPWire
import Net
import Testing
import TestSupport

/// Once a client has asked for a digest, the project's server makes the digest of a file a
/// download passes whole as its bytes pass, and answers a digest command for that file from it
/// while the file is as it was; anything else is read again.
@Suite("The server's digests made in passing")
struct ServerDigestInPassingTests {
    private static let sha256 = DigestCommand(verb: "HASH", algorithm: .sha256)

    /// Waits until files just written are older than the server's settling time (50 ms): the
    /// digest of a file changed within a tick of the clock is not kept.
    static func letFilesSettle() {
        Thread.sleep(forTimeInterval: 0.1)
    }

    static func sha256(_ bytes: Data) -> [UInt8] {
        let digest = ContentDigest(.sha256)
        digest.update(Array(bytes))
        return digest.finish()
    }

    static func md5(_ bytes: Data) -> [UInt8] {
        let digest = ContentDigest(.md5)
        digest.update(Array(bytes))
        return digest.finish()
    }

    /// A client that asks for digests: one of a first file, read from it.
    private static func clientAskingDigests(of fixture: ServerFixture) throws -> FTPClient {
        try fixture.root.write("first.bin", Data("first".utf8))
        let client = try fixture.client()
        client.transferType = .binary
        _ = try client.digest(of: "first.bin", using: sha256)
        #expect(fixture.server.digestsReadFromFiles == 1)
        return client
    }

    @Test func aFileJustDownloadedWholeIsNotReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let bytes = sampleBytes(700_000)
        try fixture.root.write("f.bin", bytes)
        Self.letFilesSettle()
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        try client.retrieve("f.bin") { _ in }
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(try client.digest(of: "f.bin", using: DigestCommand(verb: "XSHA256", algorithm: .sha256)) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 1)
        // Another algorithm than the one made in passing is read from the file.
        _ = try client.digest(of: "f.bin", using: DigestCommand(verb: "XMD5", algorithm: .md5))
        #expect(fixture.server.digestsReadFromFiles == 2)
    }

    /// The digest kept of a file serves every session: another client's digest command for the
    /// file, unchanged, and its download of it neither read nor hash the file again, until the
    /// file changes; a digest in another algorithm is kept beside it. The file is large enough
    /// for the server to hash it on a thread of its own.
    @Test func aDigestKeptServesEverySessionUntilTheFileChanges() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let bytes = sampleBytes(5_000_000, seed: 11)
        let path = try fixture.root.write("f.bin", bytes)
        Self.letFilesSettle()
        let first = try Self.clientAskingDigests(of: fixture)
        try first.retrieve("f.bin") { _ in }
        first.close()
        #expect(fixture.server.digestsMadeInPassing == 1)
        let second = try fixture.client()
        defer { second.close() }
        second.transferType = .binary
        #expect(try second.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        try second.retrieve("f.bin") { _ in }
        #expect(try second.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsMadeInPassing == 1)
        #expect(fixture.server.digestsReadFromFiles == 1)
        // A third client's MD5, made as its download passes, keeps the SHA-256 too.
        let md5 = DigestCommand(verb: "XMD5", algorithm: .md5)
        let third = try fixture.client()
        defer { third.close() }
        third.transferType = .binary
        _ = try third.digest(of: "first.bin", using: md5)
        #expect(fixture.server.digestsReadFromFiles == 2)
        try third.retrieve("f.bin") { _ in }
        #expect(fixture.server.digestsMadeInPassing == 2)
        #expect(try third.digest(of: "f.bin", using: md5) == Self.md5(bytes))
        #expect(try second.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 2)
        // Changed, the file is hashed again as it passes.
        let changed = sampleBytes(5_000_000, seed: 12)
        try changed.write(to: URL(fileURLWithPath: path))
        Self.letFilesSettle()
        try second.retrieve("f.bin") { _ in }
        #expect(fixture.server.digestsMadeInPassing == 3)
        #expect(try second.digest(of: "f.bin", using: Self.sha256) == Self.sha256(changed))
        #expect(fixture.server.digestsReadFromFiles == 2)
    }

    /// A client that has not asked for a digest costs the server none: the first digest it
    /// asks for, after its transfer, is read from the file.
    @Test func aClientThatAskedForNoDigestGetsNoneMadeInPassing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let bytes = sampleBytes(70_000)
        try fixture.root.write("f.bin", bytes)
        let client = try fixture.client()
        defer { client.close() }
        client.transferType = .binary
        try client.retrieve("f.bin") { _ in }
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 1)
    }

    /// An upload makes no digest in passing (another writer of the file could change it while
    /// it is written, unseen), and forgets the one kept: the file is read.
    @Test func aFileJustUploadedIsReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let bytes = sampleBytes(500_000, seed: 3)
        try fixture.root.write("up.bin", sampleBytes(500_000, seed: 4))
        Self.letFilesSettle()
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        try client.retrieve("up.bin") { _ in }
        try client.store("up.bin", from: reader(for: bytes))
        #expect(try client.digest(of: "up.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 2)
    }

    /// A file changed just before its download (within the server's settling time) may change
    /// again unseen in the same tick of the clock: its digest is not kept.
    @Test func aFileChangedJustBeforeItsDownloadIsReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        // "Just before", however long the download takes to begin on a loaded machine.
        fixture.server.faults.settleFiles(after: 3600)
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        let bytes = sampleBytes(100_000, seed: 6)
        try fixture.root.write("f.bin", bytes)
        try client.retrieve("f.bin") { _ in }
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 2)
    }

    /// Whether a file had settled is judged when its download begins, not when it ends: a file
    /// changed just before a download that lasts longer than the settling time is read again.
    @Test func aFileChangedJustBeforeASlowDownloadIsReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        // Half a second for the download to begin, loaded machine or not.
        fixture.server.faults.settleFiles(after: 0.5)
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        let bytes = sampleBytes(100_000, seed: 7)
        try fixture.root.write("f.bin", bytes)
        // 2 s to send: four times the settling time.
        fixture.server.faults.throttle(bytesPerSecond: 50_000)
        try client.retrieve("f.bin") { _ in }
        fixture.server.faults.throttle(bytesPerSecond: nil)
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 2)
    }

    /// A file changed after its transfer, even to bytes of the same length, is read again.
    @Test func aFileChangedSinceIsReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let path = try fixture.root.write("f.bin", sampleBytes(100_000))
        Self.letFilesSettle()
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        try client.retrieve("f.bin") { _ in }
        let changed = sampleBytes(100_000, seed: 9)
        try changed.write(to: URL(fileURLWithPath: path))
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(changed))
        #expect(fixture.server.digestsReadFromFiles == 2)
    }

    /// Bytes that are not the whole file as it is (a download resumed part way, one in ASCII)
    /// make no digest: the file is read.
    @Test func aPartOrAnASCIICopyIsNoDigestOfTheFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let bytes = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 % 7 == 0 ? 10 : $0) })
        try fixture.root.write("f.bin", bytes)
        Self.letFilesSettle()
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        try client.retrieve("f.bin", offset: 1_000) { _ in }
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 2)
        client.transferType = .ascii
        try client.retrieve("f.bin") { _ in }
        #expect(try client.digest(of: "f.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 3)
    }
}

/// A client says which digest it will ask before it transfers, so that such a server knows.
@Suite("Digest announcements")
struct DigestAnnouncementTests {
    /// The digest to be asked is announced once, with the next write, and only for the HASH
    /// algorithm the server already uses: a setting that changes nothing else.
    @Test func aDigestIsAnnouncedOnceWithTheNextRequests() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.bin", sampleBytes(5_000))
        ServerDigestInPassingTests.letFilesSettle()
        let client = try fixture.client()
        defer { client.close() }
        client.transferType = .binary
        _ = try client.sizeAndModificationTime("f.bin")
        client.announceDigest(DigestCommand(verb: "HASH", algorithm: .sha1))
        client.announceDigest(DigestCommand(verb: "XSHA256", algorithm: .sha256))
        client.announceDigest(DigestCommand(verb: "HASH", algorithm: .sha256))
        client.announceDigest(DigestCommand(verb: "HASH", algorithm: .sha256))
        _ = try client.sizeAndModificationTime("f.bin", thenRetrieving: true)
        try client.retrieve("f.bin") { _ in }
        #expect(fixture.server.commandsReadTogether.contains(["OPTS HASH SHA-256", "SIZE f.bin", "MDTM f.bin", "EPSV", "RETR f.bin"]))
        #expect(fixture.server.receivedCommands.filter { $0.hasPrefix("OPTS HASH") } == ["OPTS HASH SHA-256"])
        #expect(try client.digest(of: "f.bin", using: DigestCommand(verb: "HASH", algorithm: .sha256))
            == ServerDigestInPassingTests.sha256(sampleBytes(5_000)))
        #expect(fixture.server.digestsReadFromFiles == 0)
    }
}

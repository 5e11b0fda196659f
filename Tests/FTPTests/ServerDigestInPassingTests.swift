import Foundation
import FTP
import FTPWire
import Net
import Testing
import TestSupport

/// Once a client has asked for a digest, the project's server makes the digest of a file a
/// transfer passes whole as its bytes pass, and answers a digest command for that file from it
/// while the file is as it was; anything else is read again.
@Suite("The server's digests made in passing")
struct ServerDigestInPassingTests {
    private static let sha256 = DigestCommand(verb: "HASH", algorithm: .sha256)

    private static func sha256(_ bytes: Data) -> [UInt8] {
        let digest = ContentDigest(.sha256)
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

    @Test func aFileJustUploadedIsNotReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let bytes = sampleBytes(500_000, seed: 3)
        let client = try Self.clientAskingDigests(of: fixture)
        defer { client.close() }
        var rest = bytes[...]
        try client.store("up.bin") { buffer in
            let count = min(buffer.count, rest.count)
            rest.prefix(count).copyBytes(to: buffer)
            rest = rest.dropFirst(count)
            return count
        }
        #expect(try client.digest(of: "up.bin", using: Self.sha256) == Self.sha256(bytes))
        #expect(fixture.server.digestsReadFromFiles == 1)
    }

    /// A file changed after its transfer, even to bytes of the same length, is read again.
    @Test func aFileChangedSinceIsReadAgain() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let path = try fixture.root.write("f.bin", sampleBytes(100_000))
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

import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
import Transfers

/// A retry or `-c` continues only bytes a Ferry job wrote for the same source.
@Suite("Resuming only what is ours")
struct ResumeOwnershipTests {
    @Test func aStalePartFileOfAnotherVersionIsNotContinued() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(200_000)
        try fixture.root.write("f.bin", contents)
        try local.write("f.bin.part", sampleBytes(50_000, seed: 7))
        let session = try fixture.session()
        defer { session.close() }
        try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin"), settings: TransferSettings(continues: true)).run(on: session)
        #expect(local.read("f.bin") == contents)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
    }

    @Test func aPartFileWrittenForTheSameSourceIsContinued() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(200_000)
        try fixture.root.write("f.bin", contents)
        try local.write("f.bin.part", contents.prefix(50_000))
        let session = try fixture.session()
        defer { session.close() }
        let client = try session.connection()
        let stamp = SourceStamp(size: 200_000, modified: try client.mdtm("f.bin"))
        try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin"), settings: TransferSettings(continues: true, ownedStamp: stamp)).run(on: session)
        #expect(local.read("f.bin") == contents)
        #expect(fixture.server.receivedCommands.contains("REST 50000"))
        // A stamp of another size (the server's file changed since) starts again from byte 0.
        try local.write("g.bin.part", contents.prefix(50_000))
        try fixture.root.write("g.bin", contents)
        fixture.server.clearReceivedCommands()
        let other = SourceStamp(size: 199_999, modified: stamp.modified)
        try FileDownload(remotePath: "g.bin", localPath: local.file("g.bin"), settings: TransferSettings(continues: true, ownedStamp: other)).run(on: session)
        #expect(local.read("g.bin") == contents)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
    }

    @Test func aPartFileThatIsALinkIsNeverWrittenThrough() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(10_000))
        try local.write("outside", Data("keep".utf8))
        try FileManager.default.createSymbolicLink(atPath: local.file("f.bin.part"), withDestinationPath: local.file("outside"))
        let session = try fixture.session()
        defer { session.close() }
        #expect(throws: LocalFileError.self) {
            try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session, retry: .never)
        }
        #expect(local.read("outside") == Data("keep".utf8))
        #expect(!local.exists("f.bin"))
    }

    @Test func anUploadRetriedAfterItsFirstDataConnectionWasRefusedStartsFromByteZero() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(400_000)
        try local.write("u.bin", contents)
        try fixture.root.write("u.bin", sampleBytes(100_000, seed: 99))
        fixture.server.faults.script("STOR", reply: .init(code: 425, text: "Can't open data connection.", times: 1))
        let session = try fixture.session()
        defer { session.close() }
        try FileUpload(localPath: local.file("u.bin"), remotePath: "u.bin")
            .run(on: session, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(fixture.root.read("u.bin") == contents)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
    }

    @Test func anUploadCutInTheMiddleContinuesWhatItWrote() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_500_000)
        try local.write("u.bin", contents)
        fixture.server.faults.cutTransfers(after: 600_000, times: 1)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileUpload(localPath: local.file("u.bin"), remotePath: "u.bin")
            .run(on: session, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(outcome.verified == .sha256)
        #expect(fixture.root.read("u.bin") == contents)
        #expect(fixture.server.receivedCommands.contains { $0.hasPrefix("REST ") })
    }
}

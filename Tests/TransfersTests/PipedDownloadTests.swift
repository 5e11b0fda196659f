import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
@testable import Transfers

/// Downloads whose bytes no digest needs go from the data connection through a pipe into the
/// file in the kernel (`splice`): whole, from an offset, cut half way (what came is on the
/// disk), stopped early (the connection stays in step), and as part of a copy with its retry.
@Suite("Downloads moved by the kernel", .enabled(if: KernelPipe.isAvailable, "splice is Linux's"))
struct PipedDownloadTests {
    /// The server's file read through a pipe into `path` from `offset`: the counts moved.
    static func move(
        _ name: String, from offset: UInt64 = 0, client: FTPClient, into path: String, blockSize: Int = 64 * 1024
    ) throws -> [Int] {
        let reader = try #require(PipedRemoteReader(client: client, path: RemotePath(name), offset: offset, blockSize: blockSize, digestAfter: nil))
        var counts: [Int] = []
        do {
            let moved = try LocalFileSystem().write(path, from: offset, blockSize: blockSize, movingFrom: reader) { counts.append($0) }
            #expect(moved)
        } catch {
            throw reader.finish() ?? error
        }
        if let failure = reader.finish() { throw failure }
        return counts
    }

    @Test func aFileIsMovedWholeInPiecesOfAtMostTheBlock() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(3_000_000)
        try fixture.root.write("big.bin", contents)
        let client = try fixture.client()
        defer { client.close() }
        #expect(client.retrievesIntoPipes)

        let counts = try Self.move("big.bin", client: client, into: local.file("big.bin.part"))
        #expect(local.read("big.bin.part") == contents)
        #expect(counts.reduce(0, +) == 3_000_000)
        #expect(counts.allSatisfy { $0 > 0 && $0 <= 64 * 1024 })
        // The control connection is in step after it.
        #expect(try client.pwd() == RemotePath("/"))
    }

    @Test func aDownloadGoesOnFromAnOffset() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(700_000, seed: 3)
        try fixture.root.write("f.bin", contents)
        try local.write("f.bin.part", contents.prefix(250_000) + Data(repeating: 0xFF, count: 1_000))
        let client = try fixture.client()
        defer { client.close() }

        let counts = try Self.move("f.bin", from: 250_000, client: client, into: local.file("f.bin.part"))
        #expect(counts.reduce(0, +) == 450_000)
        #expect(local.read("f.bin.part") == contents)
        #expect(fixture.server.receivedCommands.contains("REST 250000"))
    }

    @Test func bytesBeforeACutAreOnTheDiskAndTheCutIsReported() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(2_000_000, seed: 4)
        try fixture.root.write("f.bin", contents)
        fixture.server.faults.cutTransfers(after: 500_000, times: 1)
        let client = try fixture.client()
        defer { client.close() }

        #expect(throws: FTPError.self) { try Self.move("f.bin", client: client, into: local.file("f.bin.part")) }
        #expect(local.read("f.bin.part") == contents.prefix(500_000))
    }

    @Test func aFileThatFailsAtOnceLeavesNoFileAndAnEmptyOneMakesAnEmptyFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("empty.bin", Data())
        let client = try fixture.client()
        defer { client.close() }

        #expect(throws: FTPError.self) { try Self.move("missing.bin", client: client, into: local.file("missing.part")) }
        #expect(!local.exists("missing.part"))
        #expect(try Self.move("empty.bin", client: client, into: local.file("empty.part")) == [])
        #expect(local.read("empty.part") == Data())
    }

    /// A file the kernel cannot move bytes into (here one opened to append, which `splice`
    /// refuses) takes them through memory, all of them.
    @Test func aFileThatRefusesMovedBytesTakesThemThroughMemory() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(900_000, seed: 7)
        try fixture.root.write("f.bin", contents)
        let client = try fixture.client()
        defer { client.close() }
        let descriptor = open(local.file("f.out"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let file = try LocalFile.standard(descriptor, named: "f.out")

        let reader = try #require(PipedRemoteReader(client: client, path: "f.bin", offset: 0, blockSize: 64 * 1024, digestAfter: nil))
        var total = 0
        while true {
            let moved = try file.move(from: reader, atMost: 64 * 1024)
            if moved == 0 { break }
            total += moved
        }
        #expect(reader.finish() == nil)
        #expect(total == 900_000)
        #expect(local.read("f.out") == contents)
    }

    /// The pipe holds what the channel of a read into memory would: 16 blocks, small ones
    /// under a rate limit, at most what the system lets anyone have.
    @Test func thePipeHoldsSixteenBlocksAtMost() throws {
        #expect(try #require(KernelPipe(capacity: 16 * 4096)).capacity == 16 * 4096)
        #expect(try #require(KernelPipe(capacity: 16 * 256 * 1024)).capacity >= 64 * 1024)
    }

    /// A reader given up on with the pipe full and most of the file still on the server: its
    /// thread stops (ABOR), and the client answers the next command in step.
    @Test(.timeLimit(.minutes(1)))
    func aReaderStoppedEarlyStopsItsThreadAndLeavesTheClientInStep() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("big.bin", sampleBytes(20_000_000, seed: 5))
        let client = try fixture.client()
        defer { client.close() }

        let reader = try #require(PipedRemoteReader(client: client, path: "big.bin", offset: 0, blockSize: 64 * 1024, digestAfter: nil))
        var buffer = [UInt8](repeating: 0, count: 10_000)
        let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
        #expect(count > 0 && Data(buffer[0..<count]) == sampleBytes(count, seed: 5))
        Thread.sleep(forTimeInterval: 0.2) // the pipe fills
        #expect(reader.finish() == nil)
        #expect(fixture.server.receivedCommands.contains("ABOR"))
        #expect(try client.pwd() == RemotePath("/"))
    }

    /// A copy that verifies nothing (`--no-verify`) goes through the pipe, is cut once, and goes
    /// on from what reached the disk; one that verifies hashes every byte as it passes.
    @Test(arguments: [false, true])
    func aCopyIsMovedByTheKernelOnlyWhenNoDigestIsMade(verifies: Bool) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_500_000, seed: 6)
        try fixture.root.write("from.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        let client = try session.connection()
        #expect(try RemoteFileSystem(client: client).openReader("from.bin", from: 0, blockSize: 4096, type: .binary, digestAfter: nil)
            is PipedRemoteReader)
        #expect(try RemoteFileSystem(client: client).openReader("from.bin", from: 0, blockSize: 4096, type: .binary, digestAfter: client.digestCommand)
            is RemoteReader)

        fixture.server.faults.cutTransfers(after: 400_000, times: 1)
        var progress: [UInt64] = []
        let outcome = try FileCopy<RemoteFileSystem, LocalFileSystem>(from: "from.bin", to: local.file("to.bin"), settings: TransferSettings(verifies: verifies))
            .run(from: .server(session), to: .local, retry: RetryPolicy(retries: 2, initialDelay: 0.05), onProgress: { progress.append($0.completedBytes) })
        #expect(local.read("to.bin") == contents)
        #expect(outcome.bytes == 1_500_000 && outcome.resumedFrom > 0)
        #expect(outcome.verified == (verifies ? .sha256 : nil))
        #expect(progress.last == 1_500_000)
    }

    @Test func anASCIIDownloadIsNotMovedByTheKernel() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        client.transferType = .ascii
        #expect(!client.retrievesIntoPipes)
        let feed = Refusing()
        #expect(throws: FTPError.self) { try client.retrieve("f.bin", into: feed) }
        #expect(!fixture.server.receivedCommands.contains("RETR f.bin"))
    }

    /// A pipe that must never be asked for.
    final class Refusing: ReceivingPipe {
        func pipeWithRoom() throws -> KernelPipe {
            Issue.record("no pipe should be asked for")
            throw CancellationError()
        }
    }
}

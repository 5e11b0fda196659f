import Foundation
import FTP
import FTPServer
import Testing
import TestSupport
@testable import Transfers

/// A download's file is handed to the disk window by window as it is written, so that the
/// `fsync` before the rename has little left to do; where the system refuses the hint (a pipe),
/// writing goes on as before.
@Suite("Writeback while downloading")
struct WritebackTests {
    static let window = Int(Writeback.window)

    @Test func aFileWrittenInBlocksIsHandedToTheDiskAWindowAtATime() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(2 * Self.window + 300_000)
        let file = try LocalFile.writing(local.file("f.part"), from: 0)
        try write(contents, in: 256 * 1024, to: file)
        #expect(file.writeback?.isAvailable == true)
        #expect(file.writeback?.start == UInt64(2 * Self.window))
        #expect(file.writeback?.pending == 300_000)
        try file.synchronize()
        #expect(local.read("f.part") == contents)
    }

    @Test func aContinuedFileCountsItsWindowsFromWhereItContinues() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let head = sampleBytes(3_000_000, seed: 1)
        let tail = sampleBytes(Self.window + 10, seed: 2)
        try local.write("f.part", head)
        let file = try LocalFile.writing(local.file("f.part"), from: 3_000_000)
        try write(tail, in: 100_000, to: file)
        #expect(file.writeback?.start == 3_000_000 + UInt64(tail.count))
        try file.synchronize()
        #expect(local.read("f.part") == head + tail)
    }

    @Test func aDescriptorThatRefusesTheHintIsNotAskedAgain() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        var writeback = Writeback(start: 0)
        writeback.wrote(Self.window - 1, to: ends[1])
        #expect(writeback.isAvailable)
        writeback.wrote(1, to: ends[1])  // a pipe has no disk to write to: ESPIPE
        #expect(!writeback.isAvailable)
        writeback.wrote(2 * Self.window, to: ends[1])
        #expect(!writeback.isAvailable)
        #expect(writeback.start == 0)
    }

    @Test func aLargeVerifiedDownloadArrivesWholeWithItsProgress() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.offerDigestCommands(["HASH"])
        let contents = sampleBytes(2 * Self.window + 12_345)
        try fixture.root.write("big.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        var last: TransferProgress?
        let outcome = try FileDownload(remotePath: "big.bin", localPath: local.file("big.bin")).run(on: session, onProgress: { last = $0 })
        #expect(outcome == TransferOutcome(bytes: UInt64(contents.count), verified: .sha256))
        #expect(last?.completedBytes == UInt64(contents.count))
        #expect(last?.totalBytes == UInt64(contents.count))
        #expect(local.read("big.bin") == contents)
        #expect(!local.exists("big.bin.part"))
    }

    private func write(_ contents: Data, in blockSize: Int, to file: LocalFile) throws {
        try contents.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + blockSize, bytes.count)
                try file.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                offset = end
            }
        }
    }
}

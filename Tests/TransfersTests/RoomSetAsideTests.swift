import Foundation
import FTP
import Testing
import TestSupport
@testable import Transfers

/// A big download sets aside the room for its whole size before it writes (`fallocate`), so that
/// its direct writes extend nothing and two run at once; the room past the bytes that came is
/// given back, whether the source ends early, fails, or (the process killed) never comes back,
/// in which case the unwritten blocks are not counted as bytes written.
@Suite("Room set aside for a big download")
struct RoomSetAsideTests {
    static let block = LocalFileSystem.writeSize
    static let big = Int(DirectWrites.leastRoom) + 4 * block + 1234
    static let writesDirectly = DirectWritesTests.temporaryFolderWritesDirectly
    static let reason: Comment = "the temporary folder is not on ext4 or XFS"

    @Test(.enabled(if: writesDirectly, reason))
    func aBigDownloadHasItsRoomSetAsideAndWritesTwoAtOnce() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(3 * Self.block + 1234)
        let file = try LocalFile.writing(local.file("f.part"), from: 0)
        try file.setAsideRoom(upTo: UInt64(Self.big))
        #expect(LocalFile.sizeWithoutFollowing(local.file("f.part")) == UInt64(Self.big))
        let buffers = (0..<3).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: Self.block, alignment: DirectWrites.alignment) }
        defer { for buffer in buffers { buffer.deallocate() } }
        for (index, buffer) in buffers.enumerated() {
            contents.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[(index * Self.block)..<((index + 1) * Self.block)])) }
        }
        let writer = WriteBehind(file: file)
        // The first direct write runs alone: it shows that the file system takes them.
        try writer.start(UnsafeRawBufferPointer(buffers[0]))
        try writer.start(UnsafeRawBufferPointer(buffers[1]))
        #expect(writer.writesInFlight == 1)
        try writer.start(UnsafeRawBufferPointer(buffers[2]))
        #expect(writer.writesInFlight == 2)
        try writer.wait()
        #expect(file.bytesWrittenDirectly == UInt64(3 * Self.block))
        file.giveBackRoom()
        try contents.suffix(1234).withUnsafeBytes { try file.write($0) }
        try file.synchronize()
        #expect(local.read("f.part") == contents)
    }

    @Test(.enabled(if: writesDirectly, reason))
    func theDiskWriterGivesBackTheRoomPastAShortSource() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(Self.big)
        let shorter = contents.prefix(Int(DirectWrites.leastRoom) + 777)
        let source = BlockAlignedWriteTests.PieceSource(shorter, piece: 256 * 1024, watching: local.file("f.part"))
        try LocalFileSystem().write(
            local.file("f.part"), from: 0, totalSize: UInt64(Self.big), blockSize: 256 * 1024, type: .binary, digestAfter: nil, from: source.read)
        #expect(source.sizesSeen.contains(UInt64(Self.big)))
        #expect(local.read("f.part") == shorter)
    }

    @Test(.enabled(if: writesDirectly, reason))
    func aFailingSourceLeavesTheBytesThatCameAndNoRoom() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(Self.big)
        let cut = 9 * Self.block + 5
        let source = BlockAlignedWriteTests.PieceSource(contents, piece: 256 * 1024 + 3, failAfter: cut)
        #expect(throws: FTPError.self) {
            try LocalFileSystem().write(
                local.file("f.part"), from: 0, totalSize: UInt64(Self.big), blockSize: 256 * 1024, type: .binary, digestAfter: nil, from: source.read)
        }
        let kept = try #require(local.read("f.part"))
        #expect(kept.count >= cut && kept.count < cut + 256 * 1024 + 3)
        #expect(kept == contents.prefix(kept.count))
        #expect(try LocalFileSystem().size(of: local.file("f.part")) == UInt64(kept.count))
    }

    /// Made longer while its last block is partly written, the file would count that block's
    /// unwritten tail (zeros) as written: the room waits for the write that ends the block.
    @Test(.enabled(if: writesDirectly, reason))
    func aResumeFromInsideABlockSetsTheRoomAsideOnceTheBlockIsWhole() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(Self.big, seed: 7)
        let head = 3 * Self.block + 999
        try local.write("f.part", contents.prefix(head))
        do {
            let file = try LocalFile.writing(local.file("f.part"), from: UInt64(head))
            try file.setAsideRoom(upTo: UInt64(Self.big))
            #expect(file.roomEnd == nil)
            #expect(LocalFile.sizeWithoutFollowing(local.file("f.part")) == UInt64(head))
            let toBoundary = DirectWrites.alignment - head % DirectWrites.alignment
            try contents.dropFirst(head).prefix(toBoundary).withUnsafeBytes { try file.write($0) }
            #expect(file.roomEnd == UInt64(Self.big))
            #expect(LocalFile.sizeWithoutFollowing(local.file("f.part")) == UInt64(Self.big))
            #expect(try LocalFileSystem().size(of: local.file("f.part")) == UInt64(head + toBoundary))
            file.giveBackRoom()
        }
        #expect(local.read("f.part") == contents.prefix(head + DirectWrites.alignment - head % DirectWrites.alignment))
        // The whole way, through the disk writer.
        try local.write("f.part", contents.prefix(head))
        let source = BlockAlignedWriteTests.PieceSource(contents.dropFirst(head), piece: 256 * 1024)
        try LocalFileSystem().write(
            local.file("f.part"), from: UInt64(head), totalSize: UInt64(Self.big), blockSize: 256 * 1024, type: .binary, digestAfter: nil,
            from: source.read)
        #expect(local.read("f.part") == contents)
    }

    /// A process killed while its room was set aside leaves a file of the whole size: only the
    /// blocks written count, up to the first that is not, for a resume to go on from there.
    @Test(.enabled(if: writesDirectly, reason))
    func blocksSetAsideAndNeverWrittenAreNotCountedAsWritten() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(3 * Self.block, seed: 9)
        do {
            let file = try LocalFile.writing(local.file("f.part"), from: 0)
            try file.setAsideRoom(upTo: UInt64(Self.big))
            try contents.prefix(Self.block).withUnsafeBytes { try file.write($0) }
            // The write after it never happened; the one after that did.
            try contents.suffix(Self.block).withUnsafeBytes { try file.writeAlongside($0, at: UInt64(2 * Self.block)) }
            // Dropped without giving the room back, as a killed process leaves it.
        }
        #expect(LocalFile.sizeWithoutFollowing(local.file("f.part")) == UInt64(Self.big))
        #expect(try LocalFileSystem().size(of: local.file("f.part")) == UInt64(Self.block))
        #expect(local.read("f.part")?.prefix(Self.block) == contents.prefix(Self.block))
    }

    /// A write alongside another that failed leaves a gap before the other's bytes: the file
    /// is cut back to the gap, not to where the writes would have ended.
    @Test(.enabled(if: writesDirectly, reason))
    func aFailedWriteAlongsideCutsTheFileBackToItsGap() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(3 * Self.block, seed: 11)
        let file = try LocalFile.writing(local.file("f.part"), from: 0)
        try file.setAsideRoom(upTo: UInt64(Self.big))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 3 * Self.block, alignment: DirectWrites.alignment)
        defer { buffer.deallocate() }
        contents.withUnsafeBytes { buffer.copyMemory(from: $0) }
        let blocks = (0..<3).map { UnsafeRawBufferPointer(rebasing: buffer[($0 * Self.block)..<(($0 + 1) * Self.block)]) }
        try file.write(blocks[0])
        #expect(file.takesWriteAlongside(of: blocks[1]))
        _ = file.claimWriteAlongside(of: blocks[1])
        let third = file.claimWriteAlongside(of: blocks[2])
        // The second never lands; the third does.
        try file.writeAlongside(blocks[2], at: third)
        file.giveBackRoom(afterFailure: true)
        #expect(local.read("f.part") == contents.prefix(Self.block))
    }

    @Test(.enabled(if: writesDirectly, reason))
    func aDownloadBiggerThanTheFreeSpaceFailsAtItsFirstWrite() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        var disk = statvfs()
        try #require(statvfs(local.path, &disk) == 0)
        let free = UInt64(disk.f_bfree) * UInt64(disk.f_frsize)
        let source = BlockAlignedWriteTests.PieceSource(sampleBytes(4 * Self.block), piece: 256 * 1024)
        let error = #expect(throws: LocalFileError.self) {
            try LocalFileSystem().write(
                local.file("f.part"), from: 0, totalSize: free + (1 << 40), blockSize: 256 * 1024, type: .binary, digestAfter: nil,
                from: source.read)
        }
        #expect(error?.description.contains("no room on the disk for") == true, "\(String(describing: error))")
        // The first buffer's worth, which opens the file, and no more.
        #expect(source.position <= Self.block)
        #expect(LocalFile.sizeWithoutFollowing(local.file("f.part")) == 0)
    }
}

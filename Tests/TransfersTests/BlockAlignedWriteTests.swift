import Foundation
import FTP
import Testing
import TestSupport
@testable import Transfers

/// Every write to the disk but the last ends at a multiple of 4 KiB in the file, whatever pieces
/// the network hands over: one odd-sized write would leave every later one straddling pages.
/// The source is asked a block at a time. Bytes that came before a failure are on the disk all
/// the same, for a resume.
@Suite("Block-aligned writes to the disk")
struct BlockAlignedWriteTests {
    static let block = 4096

    /// A source that hands out `contents` in pieces of `piece` bytes, noting the room it was
    /// given each time (and the size of the file at `watched` then), and throws once
    /// `failAfter` bytes are out.
    final class PieceSource {
        let contents: [UInt8]
        let piece: Int
        let failAfter: Int?
        let watched: String?
        var position = 0
        var rooms: [Int] = []
        var sizesSeen: Set<UInt64> = []
        var ends = 0

        init(_ contents: Data, piece: Int, failAfter: Int? = nil, watching watched: String? = nil) {
            self.contents = Array(contents)
            self.piece = piece
            self.failAfter = failAfter
            self.watched = watched
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            rooms.append(buffer.count)
            if let watched, let size = LocalFile.size(of: watched) { sizesSeen.insert(size) }
            if let failAfter, position >= failAfter { throw FTPError(kind: .connection, detail: "cut") }
            let count = min(piece, buffer.count, contents.count - position)
            contents[position..<(position + count)].withUnsafeBytes { buffer.copyMemory(from: $0) }
            position += count
            if count == 0 { ends += 1 }
            return count
        }
    }

    @Test func oddPiecesFromAnOddOffsetFillBlocksUpToEachBoundary() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let head = sampleBytes(1_000, seed: 1)
        let tail = sampleBytes(10_000, seed: 2)
        try local.write("f.part", head)
        let source = PieceSource(tail, piece: 700, watching: local.file("f.part"))
        try LocalFileSystem().write(local.file("f.part"), from: 1_000, totalSize: nil, blockSize: Self.block, type: .binary, digestAfter: nil, from: source.read)
        #expect(local.read("f.part") == head + tail)
        // The pieces fall short of what was asked, so what has come is written as it comes, up
        // to 4096 in the file first, then up to each 4096 after it; the last 2808 at the end.
        #expect(source.sizesSeen == [1_000, 4096, 8192])
        #expect(source.rooms.allSatisfy { $0 <= Self.block })
        #expect(source.ends == 1) // asked no more once it had ended
    }

    @Test func bytesBeforeAFailureAreOnTheDisk() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(10_000)
        let source = PieceSource(contents, piece: 700, failAfter: 2_800)
        #expect(throws: FTPError.self) {
            try LocalFileSystem().write(local.file("f.part"), from: 0, totalSize: nil, blockSize: Self.block, type: .binary, digestAfter: nil, from: source.read)
        }
        #expect(local.read("f.part") == contents.prefix(2_800))
    }

    @Test func aSourceThatFailsAtOnceLeavesNoFileAndAnEmptyOneMakesAnEmptyFile() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let failing = PieceSource(sampleBytes(100), piece: 10, failAfter: 0)
        #expect(throws: FTPError.self) {
            try LocalFileSystem().write(local.file("none.part"), from: 0, totalSize: nil, blockSize: Self.block, type: .binary, digestAfter: nil, from: failing.read)
        }
        #expect(!FileManager.default.fileExists(atPath: local.file("none.part")))
        let empty = PieceSource(Data(), piece: 10)
        try LocalFileSystem().write(local.file("empty.part"), from: 0, totalSize: nil, blockSize: Self.block, type: .binary, digestAfter: nil, from: empty.read)
        #expect(local.read("empty.part") == Data())
        #expect(empty.rooms == [Self.block])
    }
}

import CFileSystem
import Foundation
import FTP
import Testing
import TestSupport
@testable import Transfers

/// A download's whole, aligned blocks go to the disk directly (`O_DIRECT`) where the file system
/// is a local one known to gain by it, and everything else (the odd-sized end, the head of a
/// resume, another file system) through memory as before: the file is byte for byte the same.
@Suite("Direct writes of a download")
struct DirectWritesTests {
    static let block = LocalFileSystem.writeSize

    /// Whether the system's temporary folder is on a file system that takes direct writes.
    static let temporaryFolderWritesDirectly: Bool = {
        let descriptor = open(FileManager.default.temporaryDirectory.path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        return descriptor >= 0 && DirectWrites.flag != nil && DirectWrites.fileSystems.contains(ferry_file_system_type(descriptor))
    }()

    /// A tmpfs folder (Linux's /dev/shm), on no list of file systems that write directly.
    static let memoryFolder: String? = {
        var status = stat()
        guard stat("/dev/shm", &status) == 0, access("/dev/shm", W_OK) == 0 else { return nil }
        let descriptor = open("/dev/shm", O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        return descriptor >= 0 && ferry_file_system_type(descriptor) == 0x0102_1994 ? "/dev/shm" : nil
    }()

    @Test(.enabled(if: temporaryFolderWritesDirectly, "the temporary folder is not on ext4 or XFS"))
    func wholeAlignedBlocksGoToTheDiskDirectlyAndTheEndThroughMemory() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(3 * Self.block + 1234)
        let file = try LocalFile.writing(local.file("f.part"), from: 0)
        try write(contents, blocksOf: Self.block, to: file)
        #expect(file.bytesWrittenDirectly == UInt64(3 * Self.block))
        #expect(file.writeback?.start == UInt64(3 * Self.block))
        #expect(file.writeback?.pending == 1234)
        try file.synchronize()
        #expect(local.read("f.part") == contents)
    }

    @Test(.enabled(if: temporaryFolderWritesDirectly, "the temporary folder is not on ext4 or XFS"))
    func aResumeFromAnOddOffsetWritesItsHeadThroughMemoryAndTheRestDirectly() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let head = sampleBytes(5000, seed: 1)
        try local.write("f.part", head)
        // The head up to the next 4 KiB is written through memory, the whole blocks after it
        // directly; the buffer starts on a page, so it is the offset that decides.
        let rest = sampleBytes(4096 - 5000 % 4096 + 2 * Self.block, seed: 2)
        let file = try LocalFile.writing(local.file("f.part"), from: 5000)
        let firstPart = 4096 - 5000 % 4096
        try write(rest.prefix(firstPart), blocksOf: Self.block, to: file)
        #expect(file.bytesWrittenDirectly == 0)
        try write(rest.dropFirst(firstPart), blocksOf: Self.block, to: file)
        #expect(file.bytesWrittenDirectly == UInt64(2 * Self.block))
        try file.synchronize()
        #expect(local.read("f.part") == head + rest)
    }

    @Test(.enabled(if: temporaryFolderWritesDirectly, "the temporary folder is not on ext4 or XFS"))
    func aSmallFileGoesThroughMemoryEvenInWholePages() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(2 * DirectWrites.alignment)
        let file = try LocalFile.writing(local.file("f.part"), from: 0)
        try write(contents, blocksOf: DirectWrites.alignment, to: file)
        #expect(file.bytesWrittenDirectly == 0)
        #expect(local.read("f.part") == contents)
    }

    @Test(.enabled(if: memoryFolder != nil, "no tmpfs at /dev/shm"))
    func aFileSystemNotOnTheListIsWrittenThroughMemory() throws {
        let path = (Self.memoryFolder ?? "/dev/shm") + "/ferry-direct-\(getpid())-\(UUID().uuidString.prefix(8)).part"
        defer { unlink(path) }
        let contents = sampleBytes(2 * Self.block)
        let file = try LocalFile.writing(path, from: 0)
        try write(contents, blocksOf: Self.block, to: file)
        #expect(file.bytesWrittenDirectly == 0)
        #expect(FileManager.default.contents(atPath: path) == contents)
    }

    @Test(.enabled(if: memoryFolder != nil, "no tmpfs at /dev/shm"))
    func aFileInMemoryHasEveryGatheredBufferWrittenBeforeTheNextBytesAreRead() throws {
        let path = (Self.memoryFolder ?? "/dev/shm") + "/ferry-direct-\(getpid())-\(UUID().uuidString.prefix(8)).part"
        defer { unlink(path) }
        let contents = sampleBytes(4 * Self.block + 777, seed: 7)
        let blockSize = 256 * 1024
        var given = 0
        var sizesSeen: [UInt64] = []
        var sizesExpected: [UInt64] = []
        try LocalFileSystem().write(path, from: 0, totalSize: UInt64(contents.count), blockSize: blockSize, type: .binary, digestAfter: nil) { buffer in
            // Memory takes a write at once, so it is made here, not behind the next fill: each
            // whole buffer gathered is in the file when the source is next asked.
            if given > 0 {
                sizesSeen.append(LocalFile.size(of: path) ?? 0)
                sizesExpected.append(UInt64(given / Self.block * Self.block))
            }
            let count = min(blockSize, buffer.count, contents.count - given)
            contents.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[given..<given + count]))
            }
            given += count
            return count
        }
        #expect(sizesSeen.count > 16)
        #expect(sizesSeen == sizesExpected)
        #expect(FileManager.default.contents(atPath: path) == contents)
        #expect(try LocalFile.writing(path, from: UInt64(contents.count)).isInMemory)
    }

    @Test func aFileOnTheTemporaryFolderIsNotInMemoryUnlessItIsTmpfs() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let file = try LocalFile.writing(local.file("f.part"), from: 0)
        #expect(file.isInMemory == (Self.temporaryFolderType == 0x0102_1994))
    }

    /// The statfs type of the system's temporary folder.
    static let temporaryFolderType: Int = {
        let descriptor = open(FileManager.default.temporaryDirectory.path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        return ferry_file_system_type(descriptor)
    }()

    @Test func theDiskWriterPutsEveryByteInPlaceWhateverSizesTheSourceGives() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let head = sampleBytes(3_000_001, seed: 3)
        let tail = sampleBytes(2 * Self.block + 777, seed: 4)
        try local.write("f.part", head)
        var given = 0
        var sizes = [1, 4095, 65_536, 333_333, 1 << 20].makeIterator()
        try LocalFileSystem().write(local.file("f.part"), from: UInt64(head.count), totalSize: nil, blockSize: 256 * 1024, type: .binary, digestAfter: nil) { buffer in
            let size = sizes.next() ?? 100_000
            let count = min(size, buffer.count, tail.count - given)
            tail.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[given..<given + count]))
            }
            given += count
            return count
        }
        #expect(local.read("f.part") == head + tail)
    }

    @Test(.enabled(if: temporaryFolderWritesDirectly, "the temporary folder is not on ext4 or XFS"))
    func theDiskWriterSendsWholeBuffersPastThePageCache() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let head = sampleBytes(5000, seed: 5)
        let path = try local.write("f.part", head)
        let tail = sampleBytes(3 * Self.block + 999, seed: 6)
        var given = 0
        // A source that always has a block ready, as a fast connection has.
        try LocalFileSystem().write(path, from: UInt64(head.count), totalSize: nil, blockSize: 256 * 1024, type: .binary, digestAfter: nil) { buffer in
            let count = min(buffer.count, tail.count - given)
            tail.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[given..<given + count]))
            }
            given += count
            return count
        }
        // Up to the first 4 KiB boundary after the first 1 MiB gathered, through memory; the
        // next two whole buffers straight to the disk, so none of their pages is in memory.
        let pages = try residentPages(of: path)
        let firstDirect = (head.count + Self.block - 1) / 4096
        #expect(pages.count == (head.count + tail.count + 4095) / 4096)
        #expect(pages[0] && pages[firstDirect - 1])
        #expect(!pages[firstDirect..<(firstDirect + 2 * Self.block / 4096)].contains(true))
        #expect(local.read("f.part") == head + tail)
    }

    @Test func bytesThatArrivedAreWrittenWithoutWaitingForABlockFull() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(5000)
        var calls = 0
        var sizeOnTheDisk: UInt64?
        try LocalFileSystem().write(local.file("f.part"), from: 0, totalSize: nil, blockSize: 256 * 1024, type: .binary, digestAfter: nil) { buffer in
            calls += 1
            guard calls == 1 else {
                sizeOnTheDisk = LocalFile.size(of: local.file("f.part"))
                return 0
            }
            // Fewer bytes than asked: nothing more is waiting, so what ends on a 4 KiB boundary
            // is written now and the rest waits for more.
            contents.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[0..<contents.count]).copyMemory(from: $0) }
            return contents.count
        }
        #expect(sizeOnTheDisk == 4096)
        #expect(local.read("f.part") == contents)
    }

    /// Which pages of the file at `path` are in the system's memory (mincore).
    private func residentPages(of path: String) throws -> [Bool] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        var status = stat()
        try #require(descriptor >= 0 && fstat(descriptor, &status) == 0)
        let length = Int(status.st_size)
        let mapped = try #require(mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0))
        try #require(mapped != MAP_FAILED)
        defer { munmap(mapped, length) }
        var vector = [UInt8](repeating: 0, count: (length + 4095) / 4096)
        try #require(mincore(mapped, length, &vector) == 0)
        return vector.map { $0 & 1 == 1 }
    }

    /// Writes `contents` from a page-aligned buffer, `size` bytes at a time.
    private func write(_ contents: some DataProtocol, blocksOf size: Int, to file: LocalFile) throws {
        let bytes = Array(contents)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: DirectWrites.alignment)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < bytes.count {
            let count = min(size, bytes.count - offset)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
            }
            try file.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += count
        }
    }
}

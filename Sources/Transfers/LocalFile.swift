import CFileSystem
import Foundation
import FTP
import FTPWire

/// A local file could not be read or written: a full disk, a missing folder, no permission.
public struct LocalFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    /// What was being done, such as `writing`.
    public let action: String
    /// The system's reason.
    public let reason: String

    /// An error for `path`, with the system's reason for `code` (by default the current errno).
    public init(path: String, action: String, errno code: Int32 = errno) {
        self.path = path
        self.action = action
        reason = String(cString: strerror(code))
    }

    /// An error for `path` with a reason of its own.
    public init(path: String, action: String, reason: String) {
        self.path = path
        self.action = action
        self.reason = reason
    }

    /// An error for `path` from a Foundation file operation, with the system's reason where it gave one.
    public init(path: String, action: String, cause: any Error) {
        let underlying = (cause as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        self.init(path: path, action: action, errno: underlying?.domain == NSPOSIXErrorDomain ? Int32(underlying?.code ?? Int(EIO)) : EIO)
    }

    /// The path (which may hold a server's name) shown with control characters made visible.
    public var description: String { "\(action) \(Sanitizer.visible(path)): \(reason)" }
}

/// A local file another process (another Ferry copy, say) holds locked while it writes it: that
/// copy's, not this one's, to finish.
public struct FileInUse: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    public var description: String { "cannot write \(Sanitizer.visible(path)): another process (another Ferry copy, say) holds it locked" }
}

/// A local file opened for one transfer, read or written in place with plain system calls.
final class LocalFile {
    let path: String
    private let descriptor: Int32
    /// For a file opened by `writing`: how much of it has been handed to the disk.
    private(set) var writeback: Writeback?
    /// For a file opened by `writing`: whether its whole blocks go to the disk directly.
    private var direct: DirectWrites?
    /// Whether the file lies in memory (tmpfs, ramfs), which takes every write at once.
    let isInMemory: Bool
    /// Where the next write goes, for a file opened by `writing`.
    private var position: UInt64 = 0
    /// The bytes that went to the disk directly.
    private(set) var bytesWrittenDirectly: UInt64 = 0
    /// The end of the room set aside for the file past `position` (`setAsideRoom`), which the
    /// file's size reaches until it is given back; nil when none is.
    private(set) var roomEnd: UInt64?
    /// Where the room set aside begins: every byte before it was written.
    private var roomStart: UInt64 = 0
    /// The size to set room aside for once `position` reaches a block's start.
    private var roomWanted: UInt64?

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
        isInMemory = false
    }

    /// A file written from `position` on: handed to the disk as it goes, its whole blocks
    /// directly where the file system gains by it.
    private init(path: String, writingTo descriptor: Int32, from position: UInt64) {
        self.path = path
        self.descriptor = descriptor
        self.position = position
        writeback = Writeback(start: position)
        let fileSystem = ferry_file_system_type(descriptor)
        direct = DirectWrites(fileSystem: fileSystem)
        isInMemory = Self.memoryFileSystems.contains(fileSystem)
    }

    /// The file systems that keep their files in memory: tmpfs and ramfs (statfs types).
    static let memoryFileSystems: Set<Int> = [0x0102_1994, 0x8584_58F6]

    deinit { Glibc.close(descriptor) }

    /// Opens a file to read from `offset` on.
    static func reading(_ path: String, from offset: UInt64) throws -> LocalFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw LocalFileError(path: path, action: "cannot open") }
        let file = LocalFile(path: path, descriptor: descriptor)
        if offset > 0, lseek(descriptor, off_t(offset), SEEK_SET) < 0 { throw LocalFileError(path: path, action: "cannot seek in") }
        return file
    }

    /// Opens (creating) a file to write from `offset` on, cutting off anything after it. A
    /// symbolic link in its place is refused, not followed: a partial file is never written
    /// through a link someone else put there. The file is locked while it is open (`flock`):
    /// a second writer, in another Ferry process or in this one, is refused before it cuts or
    /// writes a byte, so the bytes of two copies never mix in one file.
    static func writing(_ path: String, from offset: UInt64) throws -> LocalFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw LocalFileError(path: path, action: errno == ELOOP ? "refusing to write through the link" : "cannot create") }
        let file = LocalFile(path: path, writingTo: descriptor, from: offset)
        try file.lock()
        // Only a file that holds more is cut: one this call created is not truncated at all,
        // which on ext4 would make its close flush it to the disk (the flush the fsync of the
        // commit does).
        var status = stat()
        guard fstat(descriptor, &status) == 0, UInt64(status.st_size) == offset || ftruncate(descriptor, off_t(offset)) == 0 else {
            throw LocalFileError(path: path, action: "cannot prepare")
        }
        return file
    }

    /// Standard input (0) or output (1) as a file of its own: a duplicate of the descriptor,
    /// so that closing it leaves the process's own alone.
    static func standard(_ descriptor: Int32, named name: String) throws -> LocalFile {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw LocalFileError(path: name, action: "cannot use") }
        return LocalFile(path: name, descriptor: duplicate)
    }

    /// The size of the file at `path`, or nil when there is none.
    static func size(of path: String) -> UInt64? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return UInt64(status.st_size)
    }

    /// The size of the plain file at `path` itself, or nil when there is none (or a link).
    static func sizeWithoutFollowing(_ path: String) -> UInt64? {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return UInt64(status.st_size)
    }

    /// Adds the first `count` bytes of the file at `path` to `digest`.
    static func hash(_ path: String, upTo count: UInt64, into digest: ContentDigest) throws {
        let file = try reading(path, from: 0)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = count
        while remaining > 0 {
            let read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(UInt64(buffer.count), remaining))]))
            guard read > 0 else { throw LocalFileError(path: path, action: "cannot read all of", errno: EIO) }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<read]))
            remaining -= UInt64(read)
        }
    }

    /// Makes the bytes of the plain file at `path` durable (fsync), and returns it open and
    /// locked, to be kept so until it is put in place; a link there is refused.
    static func lockedAndSynchronized(_ path: String) throws -> LocalFile {
        // Open for writing where it may be (NFS and CIFS lock only a file open so); a umask that
        // left it read-only has it opened for reading.
        var descriptor = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        if descriptor < 0, errno == EACCES { descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard descriptor >= 0 else { throw LocalFileError(path: path, action: errno == ELOOP ? "refusing to write through the link" : "cannot open") }
        let file = LocalFile(path: path, descriptor: descriptor)
        // Locked as it was written: a copy that took it over since it was closed is not put in place.
        try file.lock()
        try file.synchronize()
        return file
    }

    /// Locks the file for this copy alone (`flock`), as `writing` does; where the file system
    /// has no locks, it goes unlocked.
    private func lock() throws {
        if ExclusiveLock.take(descriptor) == EWOULDBLOCK { throw FileInUse(path: path) }
    }

    /// Makes the written bytes durable (fsync), so that a rename after it never leaves an
    /// empty or partial file in place after a crash.
    func synchronize() throws {
        while fsync(descriptor) != 0 {
            guard errno == EINTR else { throw LocalFileError(path: path, action: "cannot write") }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw LocalFileError(path: path, action: "cannot read") }
        }
    }

    /// Writes all of `bytes` at `position` (where the descriptor stands, for standard output).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var isDirect = direct?.use(for: bytes, at: position, on: descriptor) ?? false
        let (written, firstFailure) = writeAll(bytes, at: writeback == nil ? nil : position)
        var failure = firstFailure
        if failure == EINVAL, isDirect {
            // The file system takes no direct writes after all: written through memory.
            direct?.refused(on: descriptor)
            isDirect = false
            failure = writeAll(UnsafeRawBufferPointer(rebasing: bytes[written...]), at: position + UInt64(written)).failure
        }
        if failure != 0 { throw LocalFileError(path: path, action: "cannot write", errno: failure) }
        noteWritten(bytes.count, directly: isDirect)
        if let wanted = roomWanted, position % UInt64(DirectWrites.alignment) == 0 {
            roomWanted = nil
            try setAsideRoom(upTo: wanted)
        }
    }

    /// Whether `bytes`, the next ones of the file, may be written directly by `writeAlongside`
    /// while another such write is in flight: they suit a direct write, a direct write of this
    /// file went through already (the file system takes them), and they fall inside the room set
    /// aside, so they extend nothing: ext4 runs two direct writes that extend nothing at once,
    /// and serialises those that do.
    func takesWriteAlongside(of bytes: UnsafeRawBufferPointer) -> Bool {
        guard let roomEnd, let direct, bytesWrittenDirectly > 0 else { return false }
        return direct.isSet && direct.suits(bytes, at: position) && position + UInt64(bytes.count) <= roomEnd
    }

    /// Takes the place of the next `bytes.count` bytes for a write that `writeAlongside` makes,
    /// on any thread, where `takesWriteAlongside` allows it; returns where they go.
    func claimWriteAlongside(of bytes: UnsafeRawBufferPointer) -> UInt64 {
        let offset = position
        noteWritten(bytes.count, directly: true)
        return offset
    }

    /// Writes `bytes` directly at `offset`, taken by `claimWriteAlongside`; touches nothing of
    /// the file's state, so it may run beside another.
    func writeAlongside(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        let (_, failure) = writeAll(bytes, at: offset)
        if failure != 0 { throw LocalFileError(path: path, action: "cannot write", errno: failure) }
    }

    /// Sets aside room on the disk for the file up to `size` bytes, which becomes its size
    /// (`fallocate`), where it writes directly and at least `DirectWrites.leastRoom` bytes are to
    /// come: its direct writes then extend nothing, and two may run at once
    /// (`takesWriteAlongside`). A disk without that room fails here, before a byte is fetched.
    /// The room past the bytes written is given back (`giveBackRoom`) before the last write,
    /// and after a failure; a file whose writer died first holds unwritten blocks past its
    /// bytes, which `bytesWritten(at:)` does not count. From a `position` inside a block, the
    /// room is set aside once a write reaches the next block's start: made longer at once, the
    /// file would count that block's unwritten tail (zeros) among the bytes written.
    func setAsideRoom(upTo size: UInt64) throws {
        guard let direct, direct.isAvailable, size >= position + DirectWrites.leastRoom, let allocate = Self.allocate,
              let start = Int64(exactly: position), let length = Int64(exactly: size - position)
        else { return }
        guard position % UInt64(DirectWrites.alignment) == 0 else {
            roomWanted = size
            return
        }
        // Blocks larger than the writes' alignment could end a write inside one, whose rest
        // the file system would fill with zeros and count as written.
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_blksize <= DirectWrites.alignment else { return }
        // Asked first: a file system sets aside all the room it has before it says there is too
        // little, which would leave every other writer of the disk without for a moment.
        if let free = freeBytes(), free < size - position {
            throw LocalFileError(path: path, action: "no room on the disk for", reason: "\(size - position) bytes are still to come and \(free) are free")
        }
        guard allocate(descriptor, 0, start, length) == 0 else {
            let failure = errno
            ftruncate(descriptor, off_t(start))
            if failure == ENOSPC || failure == EDQUOT { throw LocalFileError(path: path, action: "no room on the disk for", errno: failure) }
            return
        }
        (roomStart, roomEnd) = (position, size)
    }

    /// The bytes free on the file's disk for this process (the superuser may use the blocks
    /// kept for it); nil where the system cannot tell.
    private func freeBytes() -> UInt64? {
        var disk = statvfs()
        guard fstatvfs(descriptor, &disk) == 0 else { return nil }
        let blocks = UInt64(geteuid() == 0 ? disk.f_bfree : disk.f_bavail)
        let (free, overflow) = blocks.multipliedReportingOverflow(by: UInt64(disk.f_frsize))
        return overflow ? nil : free
    }

    /// Cuts the file back to the bytes written, once no write is in flight: to `position`
    /// after writes that all went through, else to its first unwritten block, which a failed
    /// write alongside another may have left before the end of the other's bytes.
    func giveBackRoom(afterFailure failed: Bool = false) {
        roomWanted = nil
        guard let room = roomEnd else { return }
        roomEnd = nil
        let end = failed ? Self.firstUnwrittenByte(of: descriptor).map { min(max($0, roomStart), position) } ?? roomStart : position
        // Writes past the room made the file longer, and left nothing unwritten.
        if end < room { ftruncate(descriptor, off_t(end)) }
    }

    /// The bytes written from the start of the plain file at `path` (a link is not followed):
    /// its size, unless it holds blocks set aside and never written (a download whose process
    /// died while its room was set aside), which end the count. Only files that may have been
    /// given room are looked into: of at least `DirectWrites.leastRoom` bytes, on a file system
    /// that writes directly (another, such as ZFS with compression, may keep a run of zeros
    /// written as a hole).
    static func bytesWritten(at path: String) -> UInt64? {
        guard let size = sizeWithoutFollowing(path) else { return nil }
        guard size >= DirectWrites.leastRoom else { return size }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return size }
        defer { Glibc.close(descriptor) }
        guard DirectWrites.fileSystems.contains(ferry_file_system_type(descriptor)) else { return size }
        return firstUnwrittenByte(of: descriptor).map { min($0, size) } ?? size
    }

    /// Where the first hole of the file is, counting blocks set aside and never written as one
    /// (`SEEK_HOLE`); nil where the system cannot tell.
    private static func firstUnwrittenByte(of descriptor: Int32) -> UInt64? {
        #if os(Linux)
        // SEEK_HOLE (4), which Swift's Glibc module leaves out (glibc declares it for _GNU_SOURCE).
        let hole = lseek(descriptor, 0, 4)
        return hole >= 0 ? UInt64(hole) : nil
        #else
        return nil
        #endif
    }

    /// Writes all of `bytes` at `offset` (`pwrite`), or where the descriptor stands when nil;
    /// the bytes written, and 0 or the errno that stopped it (ENOSPC for a write of nothing).
    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: UInt64?) -> (written: Int, failure: Int32) {
        var written = 0
        while written < bytes.count {
            let start = bytes.baseAddress.map { $0 + written }
            let count = if let offset {
                pwrite(descriptor, start, bytes.count - written, off_t(offset) + off_t(written))
            } else {
                Glibc.write(descriptor, start, bytes.count - written)
            }
            if count > 0 {
                written += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return (written, count == 0 ? ENOSPC : errno)
            }
        }
        return (written, 0)
    }

    /// Counts `count` bytes written at `position`.
    private func noteWritten(_ count: Int, directly: Bool) {
        position += UInt64(count)
        if directly {
            bytesWrittenDirectly += UInt64(count)
            writeback?.wroteDirectly(count, to: descriptor)
        } else {
            writeback?.wrote(count, to: descriptor)
        }
    }

    /// Linux's `fallocate` (`posix_fallocate` writes zeros to every block where the file system
    /// cannot set room aside).
    private static let allocate = gnuFunction("fallocate", as: (@convention(c) (Int32, Int32, Int64, Int64) -> Int32).self)
}

/// Hands a file's bytes to the disk while they are still being written, a window at a time,
/// without waiting: the `fsync` at the end then has little left to do, instead of writing the
/// whole file while the transfer stands still. Only a hint (`sync_file_range`); durability still
/// comes from that `fsync`, and where the hint is missing or refused nothing changes.
struct Writeback {
    /// The bytes gathered before the disk is asked to write them.
    static let window: UInt64 = 8 << 20
    /// The first byte not yet handed to the disk.
    private(set) var start: UInt64
    /// The bytes written after `start`.
    private(set) var pending: UInt64 = 0
    /// Whether the system accepts the hint; false after the first refusal.
    private(set) var isAvailable = true

    init(start: UInt64) { self.start = start }

    /// Notes `count` bytes written; once a window is full, asks the system to start writing it.
    mutating func wrote(_ count: Int, to descriptor: Int32) {
        guard isAvailable else { return }
        pending += UInt64(count)
        guard pending >= Self.window else { return }
        isAvailable = Self.startWriting(descriptor, from: start, count: pending)
        guard isAvailable else { return }
        start += pending
        pending = 0
    }

    /// Notes `count` bytes written straight to the disk: they need no hint, and the next
    /// window starts after them (once the bytes pending before them were handed over).
    mutating func wroteDirectly(_ count: Int, to descriptor: Int32) {
        if isAvailable, pending > 0 { isAvailable = Self.startWriting(descriptor, from: start, count: pending) }
        start += pending + UInt64(count)
        pending = 0
    }

    /// Asks the system to start writing the range to the disk; false when it cannot.
    static func startWriting(_ descriptor: Int32, from offset: UInt64, count: UInt64) -> Bool {
        guard let syncFileRange, let offset = Int64(exactly: offset), let count = Int64(exactly: count) else { return false }
        // SYNC_FILE_RANGE_WRITE (2): start writing, wait for nothing.
        return syncFileRange(descriptor, offset, count, 2) == 0
    }

    /// Linux's `sync_file_range`.
    private static let syncFileRange = gnuFunction("sync_file_range", as: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
}

/// A function of the C library looked up by name, for those glibc declares only for
/// _GNU_SOURCE, which Swift's Glibc module leaves out; nil where the library has no such
/// function (or off Linux).
private func gnuFunction<Function>(_ name: String, as type: Function.Type) -> Function? {
    #if os(Linux)
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
    return unsafeBitCast(symbol, to: type)
    #else
    return nil
    #endif
}

/// Writes a big file's large, aligned blocks straight to the disk (`O_DIRECT`), past the
/// system's memory of files: a big download then costs no copy into that memory and no pages of
/// it to find, and the `fsync` before the rename finds its bytes written. Any other write goes
/// through memory as usual: the odd-sized end of a file, the head of a resume, and writes of
/// less than `leastSize` — a small file, or bytes written as they trickle in — which memory
/// takes at once, where a direct write would wait for the disk (the `fsync` of a small file
/// runs later, on another thread); so does every write on a file system not known to gain (a
/// network file system would make each direct write wait for the server) or that refuses them.
struct DirectWrites {
    /// The alignment of address, length and file offset that direct writes need (a page, which
    /// is a multiple of every disk's sector).
    static let alignment = 4096

    /// The fewest bytes written directly at once.
    static let leastSize = 1 << 20

    /// The fewest bytes a download must have still to come for room to be set aside for them
    /// (`LocalFile.setAsideRoom`).
    static let leastRoom: UInt64 = 16 << 20

    /// The file systems on local disks that write directly: ext2/3/4 and XFS (statfs types).
    static let fileSystems: Set<Int> = [0xEF53, 0x5846_5342]

    /// `O_DIRECT`, which Swift's Glibc module leaves out (glibc declares it only for
    /// _GNU_SOURCE); its value differs between processors. Nil where it is not known.
    static let flag: Int32? = {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200000
        #else
        return nil
        #endif
    }()

    /// Whether the descriptor has the flag set now.
    private(set) var isSet = false
    /// Whether direct writes may be tried; false once the file system refused one.
    private(set) var isAvailable: Bool

    /// Direct writes for a file on the file system of statfs type `fileSystem`, where it is one
    /// of `fileSystems`.
    init(fileSystem: Int) {
        isAvailable = Self.flag != nil && Self.fileSystems.contains(fileSystem)
    }

    /// Sets or clears the flag as `bytes`, written at `position`, suit a direct write; whether
    /// the write is direct.
    mutating func use(for bytes: UnsafeRawBufferPointer, at position: UInt64, on descriptor: Int32) -> Bool {
        let suits = suits(bytes, at: position)
        if suits != isSet {
            if set(suits, on: descriptor) {
                isSet = suits
            } else {
                isAvailable = false
            }
        }
        return isSet
    }

    /// Whether `bytes`, written at `position`, suit a direct write: big enough, and aligned.
    func suits(_ bytes: UnsafeRawBufferPointer, at position: UInt64) -> Bool {
        isAvailable && bytes.count >= Self.leastSize && bytes.count % Self.alignment == 0
            && Int(bitPattern: bytes.baseAddress) % Self.alignment == 0 && position % UInt64(Self.alignment) == 0
    }

    /// Clears the flag for good after the file system refused a direct write.
    mutating func refused(on descriptor: Int32) {
        isAvailable = false
        if isSet, set(false, on: descriptor) { isSet = false }
    }

    /// Sets or clears the flag; whether that worked.
    private func set(_ on: Bool, on descriptor: Int32) -> Bool {
        guard let flag = Self.flag else { return false }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(descriptor, F_SETFL, on ? flags | flag : flags & ~flag) == 0
    }
}

/// An open file's exclusive lock (`flock`), taken unless another holds it. A lock can outlive
/// its descriptor for a moment: a child process that another thread is starting holds a copy of
/// every descriptor until it runs its program. So a refusal is tried again, three times in 30 ms.
enum ExclusiveLock {
    /// Takes the lock; returns 0, or the errno of the last refusal (EWOULDBLOCK: another holds
    /// it; ENOLCK and the like: the file system has no locks).
    static func take(_ descriptor: Int32) -> Int32 {
        var failure: Int32 = 0
        for attempt in 0..<4 {
            if attempt > 0 { usleep(10_000) }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return 0 }
            failure = errno
            guard failure == EWOULDBLOCK else { return failure }
        }
        return failure
    }
}

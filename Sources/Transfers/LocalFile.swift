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

    /// An error for `path` from a Foundation file operation, with the system's reason where it gave one.
    public init(path: String, action: String, cause: any Error) {
        let underlying = (cause as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        self.init(path: path, action: action, errno: underlying?.domain == NSPOSIXErrorDomain ? Int32(underlying?.code ?? Int(EIO)) : EIO)
    }

    /// The path (which may hold a server's name) shown with control characters made visible.
    public var description: String { "\(action) \(Sanitizer.visible(path)): \(reason)" }
}

/// A local file opened for one transfer, read or written in place with plain system calls.
final class LocalFile {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

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
    /// through a link someone else put there.
    static func writing(_ path: String, from offset: UInt64) throws -> LocalFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw LocalFileError(path: path, action: errno == ELOOP ? "refusing to write through the link" : "cannot create") }
        let file = LocalFile(path: path, descriptor: descriptor)
        guard ftruncate(descriptor, off_t(offset)) == 0, lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
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

    /// Makes the bytes of the plain file at `path` durable (fsync); a link there is refused.
    static func synchronize(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw LocalFileError(path: path, action: errno == ELOOP ? "refusing to write through the link" : "cannot open") }
        try LocalFile(path: path, descriptor: descriptor).synchronize()
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

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if count > 0 {
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                throw LocalFileError(path: path, action: "cannot write", errno: count == 0 ? ENOSPC : errno)
            }
        }
    }
}

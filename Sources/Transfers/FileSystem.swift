import Foundation
import FTP
import FTPWire
import Net

/// A tree of files that copies read from and write to: a local folder or a server. A walk from
/// any file system to any other (`TreeWalk`) plans every recursive copy, and one `FileCopy`
/// copies a file from any to any other.
public protocol FileSystem {
    /// How the file system names a file.
    associatedtype Path: Hashable, Sendable

    /// The entries of a folder, without `.` and `..`, and how many lines could not be read.
    func list(_ folder: Path) throws -> DirectoryListing
    /// The path of an entry listed in `folder` by this file system.
    func path(of entry: ListingEntry, in folder: Path) -> Path
    /// The path of a file called `name` (a name already checked by `SafeName`) in `folder`.
    func path(named name: String, in folder: Path) -> Path
    /// Whether `path` is a folder (on a server: whether CWD into it works).
    func isFolder(_ path: Path) -> Bool
    /// What a walk does with a listed entry at `path`.
    func role(of entry: ListingEntry, at path: Path) -> EntryRole
    /// Makes a folder unless it is there.
    func makeFolder(_ path: Path) throws
    /// Deletes a file, or an empty folder.
    func remove(_ path: Path, isFolder: Bool) throws
    /// Deletes a folder and everything in it, or (given `including`) what that lets through and
    /// the folder only once that leaves it empty; links are deleted, never followed.
    func removeTree(_ path: Path, including: ((ListingEntry) -> Bool)?) throws
    /// Renames or moves within the file system.
    func rename(_ path: Path, to destination: Path) throws
    /// The path as shown to a person, control characters made visible.
    func shown(_ path: Path) -> String
    /// The last part of the path, as the file system spells it (for progress lines).
    func name(of path: Path) -> String
    /// The path with `suffix` (such as `.1` or `.part`) added to its last part.
    func path(_ path: Path, suffixed suffix: String) -> Path

    /// What is at `path` (links followed): its kind, size and modification time where known;
    /// nil when nothing is there.
    func stat(_ path: Path) throws -> FileFacts?
    /// `stat`, for a caller that reads the file from its start next, whatever the answer: a
    /// server may be asked for the bytes in the same round trip as for the facts. With
    /// `knownSize` (the exact size the file's listing gave), a server is not asked its size.
    func stat(_ path: Path, readingNext: Bool, knownSize: UInt64?) throws -> FileFacts?
    /// The size of the plain file at `path`, cheaply: nil when there is none, or when the file
    /// system cannot tell without more ado (a server without SIZE).
    func size(of path: Path) throws -> UInt64?
    /// Opens a file to read from byte `offset` on (a positioned read; on a server REST and RETR,
    /// whose refusal it throws). `digestAfter` is the digest the copy will ask of this file once
    /// it is read, which a server's reader sends ahead with the next file's request.
    func openReader(
        _ path: Path, from offset: UInt64, type: FTPClient.TransferType, digestAfter: DigestCommand?
    ) throws -> any ByteReader
    /// Writes a file from byte `offset` on, cutting off what it held after that, with the bytes
    /// `source` gives (0 at the end); `totalSize` is the size the source gave for the whole file,
    /// where it gave one (the disk sets room aside for it). `source` is first asked before anything is written, and
    /// on a server once it accepted the write (STOR), so that whoever notes there that it began
    /// writing does so neither too early nor too late. A copy in binary then asks the size of
    /// what it wrote, and `digestAfter` where given: a server's writer sends both ahead, with the
    /// next file's request.
    func write(
        _ path: Path, from offset: UInt64, totalSize: UInt64?, blockSize: Int, type: FTPClient.TransferType, digestAfter: DigestCommand?,
        from source: (UnsafeMutableRawBufferPointer) throws -> Int) throws
    /// Where a copy writes a file until it is complete and verified: beside it (`NAME.part`) on
    /// the disk, the file itself on a server (which has no safe rename over a file).
    func stagingPath(for path: Path) -> Path
    /// Puts a complete file from its staging path in place, durably; nothing when they are one.
    func commit(_ staging: Path, to path: Path) throws
    /// `commit` as a step that may run later on another thread; nil where it must run now (on a
    /// server, whose connection is the transfer's).
    func commitStep(_ staging: Path, to path: Path) -> (@Sendable () throws -> Void)?

    /// How a server computes a file's digest; nil for the disk, which is read instead.
    var digestCommand: DigestCommand? { get }

    /// Tells the server, where there is one to tell, that `check` will be asked of a file it
    /// sends or takes; nothing for a local file system.
    func announce(_ check: DigestCommand)
    /// The digest of a whole file: computed by the server with `command`, or read and computed
    /// here. Throws `FTPError` when a server's reply holds no usable digest.
    func digest(of path: Path, using command: DigestCommand, size: UInt64?) throws -> [UInt8]
    /// Whether reading a file costs no more than a disk does: a resumed copy computes the digest
    /// of the bytes already copied from such a side rather than asking two servers.
    var readsCheaply: Bool { get }
    /// The path as the bytes the file system takes: two paths are one only when these are equal
    /// (text that merely looks the same, such as NFC and NFD, is two names).
    func bytes(of path: Path) -> [UInt8]
    /// What the file system calls the folder at `path` whatever its path (as a listing's
    /// `ListingEntry.unique` does), where it can tell; nil elsewhere.
    func identity(ofFolder path: Path) -> String?
    /// Where `folder`'s listing may show a link as a folder, the names (as bytes) of the
    /// entries known to be folders indeed; nil where listings tell links apart.
    func foldersConfirmed(in folder: Path) throws -> Set<[UInt8]>?
    /// The entries of `folder` whose names begin with a dot, for a listing that does not show
    /// them (`DirectoryListing.showsDotFiles`); none where nothing hides them.
    func dotEntries(in folder: Path) throws -> [ListingEntry]
}

extension FileSystem {
    public func announce(_ check: DigestCommand) {}

    public func identity(ofFolder path: Path) -> String? { nil }

    public func foldersConfirmed(in folder: Path) throws -> Set<[UInt8]>? { nil }

    public func dotEntries(in folder: Path) throws -> [ListingEntry] { [] }

    /// A file system that can do nothing ahead, and reads facts cheaply, answers
    /// `stat(_:readingNext:knownSize:)` as `stat`.
    public func stat(_ path: Path, readingNext: Bool, knownSize: UInt64?) throws -> FileFacts? {
        try stat(path)
    }

    public func commitStep(_ staging: Path, to path: Path) -> (@Sendable () throws -> Void)? { nil }

    /// Opens a file to read from byte `offset` on, with no digest to ask of it afterwards.
    public func openReader(_ path: Path, from offset: UInt64, type: FTPClient.TransferType) throws -> any ByteReader {
        try openReader(path, from: offset, type: type, digestAfter: nil)
    }
}

/// What a walk does with an entry.
public enum EntryRole: Equatable, Sendable {
    /// Walk into it.
    case folder
    /// Copy it.
    case file
    /// Leave it, saying why when it is worth saying.
    case skipped(String?)
}

/// The page-aligned buffers downloads gather their bytes in, kept for the next write once one
/// is done: a fresh 1 MiB buffer for every small file of a mirror was mapped and unmapped each
/// time (a mirror of 200 files made 270 mmap and 217 munmap calls, 67 and 14 with these).
enum WriteBuffers {
    /// The most buffers kept while no write uses them.
    static let mostKept = 8

    /// A buffer no write uses; any thread may take it.
    private struct Spare: @unchecked Sendable {
        let memory: UnsafeMutableRawBufferPointer
    }

    /// Kept buffers, all of `LocalFileSystem.writeSize` bytes.
    private static let spare = Locked<[Spare]>([])

    /// A buffer of `byteCount` bytes, aligned for direct writes: a kept one where it is of the
    /// usual size and one is kept.
    static func take(byteCount: Int) -> UnsafeMutableRawBufferPointer {
        let kept = byteCount == LocalFileSystem.writeSize ? spare.withLock { $0.popLast() } : nil
        return kept?.memory ?? .allocate(byteCount: byteCount, alignment: DirectWrites.alignment)
    }

    /// Keeps `buffer` for the next write, or frees it when `mostKept` are kept already or it is
    /// not of the usual size (a large block size's buffers are not held on to).
    static func giveBack(_ buffer: UnsafeMutableRawBufferPointer) {
        let returned = Spare(memory: buffer)
        let kept = buffer.count == LocalFileSystem.writeSize && spare.withLock { buffers in
            guard buffers.count < mostKept else { return false }
            buffers.append(returned)
            return true
        }
        if !kept { buffer.deallocate() }
    }
}

/// The local disk. Links to folders are listed as links, and a folder is made only where no
/// link stands: a copy never writes through a link someone put in its way.
public struct LocalFileSystem: FileSystem {
    /// The most bytes a download gathers before it writes: a full buffer goes to the disk
    /// directly (direct writes of 1 MiB took 0.8x the time of 256 KiB ones here, for 512 MiB to
    /// ext4, and larger ones no less).
    static let writeSize = DirectWrites.leastSize

    public init() {}

    public func list(_ folder: String) throws -> DirectoryListing {
        switch Self.entries(at: folder) {
        case .success(let entries): DirectoryListing(entries: entries.sorted { $0.name < $1.name }, unreadableLines: 0)
        case .failure: throw LocalFileError(path: folder, action: "reading the folder")
        }
    }

    public func path(of entry: ListingEntry, in folder: String) -> String {
        path(named: entry.name, in: folder)
    }

    public func path(named name: String, in folder: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    public func isFolder(_ path: String) -> Bool { Self.isFolder(path) }

    /// Folders and files; a link only when it leads to a file (a link to a folder could lead
    /// round in a circle); nothing that cannot be read.
    public func role(of entry: ListingEntry, at path: String) -> EntryRole {
        switch entry.kind {
        case .directory: return .folder
        case .file: return .file
        case .link: return !Self.isFolder(path) && FileManager.default.fileExists(atPath: path) ? .file : .skipped(nil)
        case .other: return .skipped(entry.name.contains("\u{FFFD}") ? "\(shown(path)): a name that is not UTF-8; left alone" : nil)
        }
    }

    public func makeFolder(_ path: String) throws { try Self.makeFolder(path) }

    public func remove(_ path: String, isFolder: Bool) throws {
        guard (isFolder ? rmdir(path) : unlink(path)) == 0 else { throw LocalFileError(path: path, action: "cannot delete") }
    }

    public func removeTree(_ path: String, including: ((ListingEntry) -> Bool)?) throws {
        guard let including else {
            do {
                return try FileManager.default.removeItem(atPath: path)
            } catch {
                throw LocalFileError(path: path, action: "cannot delete", cause: error)
            }
        }
        try removeTree(path, including: including, depth: 0)
    }

    /// What `including` lets through in the folder `path`, depth first (a link as a file), then
    /// the folder if that leaves it empty.
    private func removeTree(_ path: String, including: (ListingEntry) -> Bool, depth: Int) throws {
        guard depth < WalkLimits.maximumDepth else { return }
        var keeps = false
        for entry in try list(path).entries {
            guard including(entry) else {
                keeps = true
                continue
            }
            let child = self.path(of: entry, in: path)
            if entry.kind == .directory { try removeTree(child, including: including, depth: depth + 1) } else { try remove(child, isFolder: false) }
        }
        if !keeps, try list(path).entries.isEmpty { try remove(path, isFolder: true) }
    }

    /// Moves across file systems too (copying, then deleting the original); a folder is never
    /// moved into itself.
    public func rename(_ path: String, to destination: String) throws {
        if Self.isFolderItself(path), Self.folder(of: destination, liesIn: path) {
            throw LocalFileError(path: path, action: "cannot move", reason: "a folder cannot go into itself")
        }
        do {
            try FileManager.default.moveItem(atPath: path, toPath: destination)
        } catch {
            throw LocalFileError(path: path, action: "cannot move", cause: error)
        }
    }

    public func shown(_ path: String) -> String { Sanitizer.visible(path) }

    public func bytes(of path: String) -> [UInt8] { Array(path.utf8) }

    public func name(of path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    public func path(_ path: String, suffixed suffix: String) -> String { path + suffix }

    public func stat(_ path: String) throws -> FileFacts? {
        guard let status = followedStatus(path) else { return nil }
        let kind: ListingEntry.Kind = switch status.st_mode & S_IFMT {
        case S_IFREG: .file
        case S_IFDIR: .directory
        default: .other
        }
        return FileFacts(
            size: UInt64(max(0, status.st_size)), modified: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)), kind: kind)
    }

    /// The size of the plain file itself: a link in its place is not followed (nor written
    /// through). The bytes written from its start, where a download's process died while room was set
    /// aside past them (`LocalFile.bytesWritten(at:)`).
    public func size(of path: String) throws -> UInt64? { LocalFile.bytesWritten(at: path) }

    public func openReader(
        _ path: String, from offset: UInt64, type: FTPClient.TransferType, digestAfter: DigestCommand?
    ) throws -> any ByteReader {
        try LocalFile.reading(path, from: offset)
    }

    /// Opens the file only once the source gave its first bytes or ended (a source that fails at
    /// once leaves no file), and never through a link put in its place. Asks the source for a
    /// block at a time (as a rate limit and the progress count them) and gathers up to
    /// `writeSize` bytes (or the block size, if larger; one block, if under a quarter of it, as
    /// a rate limit makes it) before it writes, or fewer once the source has no more waiting.
    /// Every write but the last ends at a multiple of 4 KiB in the file, whatever sizes the
    /// source gives: a server's bytes come as the network cuts them, and one odd-sized write
    /// left every later one straddling pages, which made writing 256 MiB to ext4 and flushing it
    /// about a third slower here; whole buffers go to the disk directly (`DirectWrites`). Bytes
    /// that came before a failure are written all the same, for a resume to go on from.
    public func write(
        _ path: String, from offset: UInt64, totalSize: UInt64?, blockSize: Int, type: FTPClient.TransferType, digestAfter: DigestCommand?,
        from source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws {
        let alignment = DirectWrites.alignment
        // A rate limit's small blocks are written one by one as they come, not gathered.
        let gathered = blockSize < Self.writeSize / 4 ? max(1, blockSize) : max(Self.writeSize, blockSize)
        let size = (gathered + alignment - 1) / alignment * alignment
        // One buffer, and another for each write that goes behind: one fills while the others
        // are written.
        var buffers = [WriteBuffers.take(byteCount: size)]
        var behind: WriteBehind?
        var file: LocalFile?
        defer {
            try? behind?.wait()
            // Given back before the last write; still set aside, it is after a failure.
            file?.giveBackRoom(afterFailure: true)
            for buffer in buffers { WriteBuffers.giveBack(buffer) }
        }
        var filling = 0
        // The file's offset of the filling buffer's first byte, and how many bytes it holds.
        var position = offset
        var held = 0
        while true {
            let buffer = buffers[filling]
            let toBoundary = alignment - Int(position % UInt64(alignment))
            var ended = false
            var failure: (any Error)?
            do {
                ended = try Self.fill(buffer, held: &held, blockSize: max(1, blockSize), returningAt: toBoundary, from: source)
            } catch {
                failure = error
            }
            // All that is held at the end, else up to the last 4 KiB boundary; the rest waits.
            let last = ended || failure != nil
            let writing = last ? held : held - (held - toBoundary) % alignment
            if writing > 0 || (ended && failure == nil) {
                let opened = try file ?? Self.openForWriting(path, from: offset, totalSize: totalSize)
                file = opened
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<writing])
                if last || writing < DirectWrites.leastSize || opened.isInMemory {
                    // The last write, and one that memory takes at once (a small one, and every
                    // one to a file in memory, tmpfs: handed to another thread, the bytes were
                    // read there from the other core's cache, and a 512 MiB get took about 1.1x
                    // the time), is made here once the ones behind it are done (the last after
                    // the room past them is given back); the bytes past the boundary move to the
                    // start.
                    try behind?.wait()
                    if last { opened.giveBackRoom() }
                    if writing > 0 { try opened.write(bytes) }
                    if let start = buffer.baseAddress { memmove(start, start + writing, held - writing) }
                } else {
                    // A write that waits for the disk goes behind the next fill. The buffers
                    // in flight are the last filled; where that is all of them, one more is
                    // put next. The bytes past the boundary go to the next buffer's start.
                    let writer = behind ?? WriteBehind(file: opened)
                    behind = writer
                    try writer.start(bytes)
                    if writer.writesInFlight == buffers.count { buffers.insert(WriteBuffers.take(byteCount: size), at: filling + 1) }
                    let nextFilling = (filling + 1) % buffers.count
                    if let start = buffers[nextFilling].baseAddress, let rest = buffer.baseAddress {
                        memcpy(start, rest + writing, held - writing)
                    }
                    filling = nextFilling
                }
                held -= writing
                position += UInt64(writing)
            }
            if let failure { throw failure }
            if ended { return }
        }
    }

    /// Opens the file to write from `offset` on, with room set aside for a big one up to its
    /// `totalSize` (`LocalFile.setAsideRoom`).
    private static func openForWriting(_ path: String, from offset: UInt64, totalSize: UInt64?) throws -> LocalFile {
        let file = try LocalFile.writing(path, from: offset)
        if let totalSize { try file.setAsideRoom(upTo: totalSize) }
        return file
    }

    /// Reads from `source` into `buffer` after the `held` bytes it holds, a block at a time,
    /// until it is full, or until the source gives fewer bytes than asked (it has no more
    /// waiting) once at least `least` are held; true when the source ended (gave 0). `held`
    /// counts the bytes in the buffer also when the source throws.
    private static func fill(
        _ buffer: UnsafeMutableRawBufferPointer, held: inout Int, blockSize: Int, returningAt least: Int,
        from source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> Bool {
        while held < buffer.count {
            let asked = min(blockSize, buffer.count - held)
            let read = min(try source(UnsafeMutableRawBufferPointer(rebasing: buffer[held..<held + asked])), asked)
            guard read > 0 else { return true }
            held += read
            if read < asked, held >= least { return false }
        }
        return false
    }

    /// `PATH.part`; for a name too long to take the suffix (more than 250 bytes: file systems
    /// take 255), the name's first bytes, a `~`, a hash of the whole name and `.part`. The same
    /// name always stages at the same path, so a resume finds its bytes.
    public func stagingPath(for path: String) -> String {
        let bytes = Array(path.utf8)
        let nameStart = (bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        let name = bytes[nameStart...]
        guard name.count + Self.stagingSuffix.count > Self.longestName else { return path + Self.stagingSuffix }
        let mark = "~" + Self.hexHash(name)
        var kept = Self.longestName - Self.stagingSuffix.count - mark.utf8.count
        // Cut where a character begins, not inside one.
        while kept > 0, name[name.startIndex + kept] & 0xC0 == 0x80 { kept -= 1 }
        let shortened = Array(bytes[..<(nameStart + kept)]) + Array((mark + Self.stagingSuffix).utf8)
        return String(decoding: shortened, as: UTF8.self)
    }

    /// The suffix of a download's name until it is complete.
    private static let stagingSuffix = ".part"
    /// The longest file name most file systems take, in bytes.
    private static let longestName = 255

    /// 64-bit FNV-1a of `bytes`, in hexadecimal: two long names that begin alike stage apart.
    private static func hexHash(_ bytes: ArraySlice<UInt8>) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Makes the bytes durable (fsync) before the rename, so that a crash never leaves an empty
    /// or partial file in place; the rename replaces what is there.
    public func commit(_ staging: String, to path: String) throws {
        guard staging != path else { return }
        // The file stays open, and locked, until it is in place.
        let file = try LocalFile.lockedAndSynchronized(staging)
        guard Glibc.rename(staging, path) == 0 else { throw LocalFileError(path: path, action: "cannot rename the finished copy to") }
        withExtendedLifetime(file) {}
    }

    /// The `fsync` and rename need no connection: they may run on any thread, after the copy.
    public func commitStep(_ staging: String, to path: String) -> (@Sendable () throws -> Void)? {
        { try LocalFileSystem().commit(staging, to: path) }
    }

    public var digestCommand: DigestCommand? { nil }

    public func digest(of path: String, using command: DigestCommand, size: UInt64?) throws -> [UInt8] {
        let digest = ContentDigest(command.algorithm)
        try LocalFile.hash(path, upTo: LocalFile.size(of: path) ?? 0, into: digest)
        return digest.finish()
    }

    public var readsCheaply: Bool { true }

    /// Whether a local path is a folder (or a link to one).
    /// Whether `path` is a folder itself, not a link to one.
    static func isFolderItself(_ path: String) -> Bool {
        var status = Glibc.stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// Whether the folder `path` would be put in is `folder` or lies inside it, links followed.
    static func folder(of path: String, liesIn folder: String) -> Bool {
        let parent = (path as NSString).deletingLastPathComponent
        guard let inner = realpath(parent.isEmpty ? "." : parent, nil) else { return false }
        defer { free(inner) }
        guard let outer = realpath(folder, nil) else { return false }
        defer { free(outer) }
        let (container, moved) = (String(cString: inner), String(cString: outer))
        return container == moved || container.hasPrefix(moved == "/" ? moved : moved + "/")
    }

    public static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Makes a local folder unless a real folder is there; a link in its place is refused.
    public static func makeFolder(_ path: String) throws {
        var status = Glibc.stat()
        if lstat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { return }
            let reason: Int32 = status.st_mode & S_IFMT == S_IFLNK ? ELOOP : EEXIST
            throw LocalFileError(path: path, action: reason == ELOOP ? "refusing to write through the link" : "making the folder", errno: reason)
        }
        guard mkdir(path, 0o755) == 0 else { throw LocalFileError(path: path, action: "making the folder") }
    }

    /// Reads a local folder into listing entries; one that cannot be read (a name that is not
    /// UTF-8, or gone meanwhile) is listed as `other`.
    public static func entries(at path: String) -> Result<[ListingEntry], LocalFileError> {
        guard let directory = opendir(path) else { return .failure(LocalFileError(path: path, action: "reading the folder")) }
        defer { closedir(directory) }
        var entries: [ListingEntry] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            var status = Glibc.stat()
            guard lstat(full, &status) == 0 else {
                entries.append(ListingEntry(name: name, kind: .other))
                continue
            }
            let kind: ListingEntry.Kind = switch status.st_mode & S_IFMT {
            case S_IFDIR: .directory
            case S_IFREG: .file
            case S_IFLNK: .link
            default: .other
            }
            var target: String?
            if kind == .link, let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: full) { target = destination }
            entries.append(ListingEntry(
                name: name, kind: kind, size: kind == .directory ? nil : UInt64(max(0, status.st_size)),
                modified: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)), target: target,
                permissions: UnixPermissions.fromMode(Int(status.st_mode))))
        }
        return .success(entries)
    }
}

/// The status of what a local path leads to (links followed); nil when nothing is there.
private func followedStatus(_ path: String) -> stat? {
    var status = stat()
    return stat(path, &status) == 0 ? status : nil
}

/// A server, through one logged-in connection.
public struct RemoteFileSystem: FileSystem {
    public let client: FTPClient
    /// What LIST said of each folder asked, for the link checks of this file system's deletes.
    private let kinds = ListedKinds()

    public init(client: FTPClient) { self.client = client }

    /// The folder's listing (`FTPClient.folderListing`: named with a trailing `/` for LIST).
    public func list(_ folder: RemotePath) throws -> DirectoryListing { try client.folderListing(folder) }

    public func path(of entry: ListingEntry, in folder: RemotePath) -> RemotePath { folder.appending(entry.remoteName) }

    public func path(named name: String, in folder: RemotePath) -> RemotePath { folder.appending(RemotePath(name)) }

    public func isFolder(_ path: RemotePath) -> Bool { Self.isFolder(path, client: client) }

    /// Folders as listed; links and files are fetched (the server follows its own links); an
    /// entry of a kind the listing did not say is probed.
    public func role(of entry: ListingEntry, at path: RemotePath) -> EntryRole {
        switch entry.kind {
        case .directory: .folder
        case .file, .link: .file
        case .other: isFolder(path) ? .folder : .file
        }
    }

    public func makeFolder(_ path: RemotePath) throws {
        do {
            try client.mkd(path)
        } catch {
            // Most likely it is there already; say so only if it is not a folder.
            guard (error as? FTPError)?.kind == .permanent, isFolder(path) else { throw error }
        }
    }

    /// The path made visible; the empty path, where a session starts, as `the login folder`.
    public func shown(_ path: RemotePath) -> String { path.isEmpty ? "the login folder" : Sanitizer.visible(path.description) }

    public func bytes(of path: RemotePath) -> [UInt8] { path.bytes }

    /// The folder's `unique` fact, from MLST where the server offers that fact (one round trip).
    public func identity(ofFolder path: RemotePath) -> String? {
        guard client.features.offersMachineFact("unique"), let facts = (try? client.mlst(path))??.facts else { return nil }
        return facts["unique"]
    }

    /// Asked of LIST where listings come from MLSD, which some servers answer with a link's
    /// target (pyftpdlib); LIST's own listings show links as links.
    public func foldersConfirmed(in folder: RemotePath) throws -> Set<[UInt8]>? {
        guard client.features.supports("MLST") else { return nil }
        return Set(try client.folderNamesListed(in: folder).map(\.bytes))
    }

    /// From `LIST -a`, where listings come from LIST; none where they come from MLSD.
    public func dotEntries(in folder: RemotePath) throws -> [ListingEntry] {
        client.features.supports("MLST") ? [] : try client.dotEntries(of: folder)
    }

    public func remove(_ path: RemotePath, isFolder: Bool) throws {
        if isFolder { try client.rmd(path) } else { try client.delete(path) }
    }

    public func removeTree(_ path: RemotePath, including: ((ListingEntry) -> Bool)?) throws {
        try client.removeTree(path, kinds: kinds, including: including)
    }

    public func rename(_ path: RemotePath, to destination: RemotePath) throws { try client.rename(path, to: destination) }

    public func name(of path: RemotePath) -> String { path.lastComponent.description }

    public func path(_ path: RemotePath, suffixed suffix: String) -> RemotePath { RemotePath(bytes: path.bytes + Array(suffix.utf8)) }

    /// SIZE and MDTM (in one round trip where the client pipelines); where the server answers
    /// neither for the name (it has neither command, or refuses them here), the listing of its
    /// folder tells. A name an incomplete listing does not show may hide in what it could not
    /// read: unless SIZE answers that there is no such file (550), it counts as there, with
    /// nothing known of it (`FileFacts.mayExist`).
    public func stat(_ path: RemotePath) throws -> FileFacts? {
        try stat(path, readingNext: false, knownSize: nil)
    }

    /// `stat`; with `readingNext`, the file's passive request and RETR go out with SIZE and MDTM
    /// (`FTPClient.sizeAndModificationTime(_:thenRetrieving:knownSize:)`), for the read that
    /// follows to take up; with `knownSize`, MDTM alone.
    public func stat(_ path: RemotePath, readingNext: Bool, knownSize: UInt64?) throws -> FileFacts? {
        let (size, modified) = try client.sizeAndModificationTime(path, thenRetrieving: readingNext, knownSize: knownSize)
        if size != nil || modified != nil { return FileFacts(size: size, modified: modified) }
        let folder = RemotePath(bytes: path.withoutTrailingSlash.bytes.dropLast(path.lastComponent.bytes.count))
        let listing = try client.listing(folder.isEmpty ? nil : folder)
        guard let entry = listing.entries.first(where: { $0.remoteName == path.lastComponent }) else {
            return try listing.isComplete || sizeSaysMissing(path) ? nil : .mayExist
        }
        return FileFacts(size: entry.size, modified: entry.modified, kind: entry.kind)
    }

    public func size(of path: RemotePath) throws -> UInt64? { try client.sizeIfKnown(path, missingIsAnError: false) }

    /// Whether SIZE answers that there is no such file (550), rather than that it cannot tell
    /// (no SIZE, a refusal of another kind).
    private func sizeSaysMissing(_ path: RemotePath) throws -> Bool {
        do {
            _ = try client.size(path)
            return false
        } catch let error as FTPError where error.reply?.code == .fileUnavailable {
            return true
        } catch let error as FTPError where [.permanent, .temporary, .protocolViolation].contains(error.kind) {
            return false
        }
    }

    /// REST and RETR, whose bytes the reader reads straight from the connection (`RemoteReader`).
    public func openReader(
        _ path: RemotePath, from offset: UInt64, type: FTPClient.TransferType, digestAfter: DigestCommand?
    ) throws -> any ByteReader {
        client.transferType = type
        return try RemoteReader(client: client, path: path, offset: offset, digestAfter: digestAfter)
    }

    public func write(
        _ path: RemotePath, from offset: UInt64, totalSize: UInt64?, blockSize: Int, type: FTPClient.TransferType, digestAfter: DigestCommand?,
        from source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws {
        client.transferType = type
        try client.store(path, offset: offset, blockSize: blockSize, asksSize: type == .binary, digest: digestAfter, from: source)
    }

    public func stagingPath(for path: RemotePath) -> RemotePath { path }

    public func commit(_ staging: RemotePath, to path: RemotePath) throws {
        if staging != path { try client.rename(staging, to: path) }
    }

    public var digestCommand: DigestCommand? { client.digestCommand }

    public func announce(_ check: DigestCommand) {
        client.announceDigest(check)
    }

    public func digest(of path: RemotePath, using command: DigestCommand, size: UInt64?) throws -> [UInt8] {
        try client.digest(of: path, using: command, size: size)
    }

    public var readsCheaply: Bool { false }

    /// What a listing gives exactly of a file, so that a transfer need not ask the server
    /// again: its size and time from MLSD (to the second); its size alone from a Unix LIST line
    /// of a plain file that writes it in bytes (its time is rounded to the minute, or to the
    /// day), where other lines may give units, blocks or records; nil otherwise.
    public func exactFacts(of entry: ListingEntry) -> FileFacts? {
        if client.features.supports("MLST") {
            guard entry.size != nil, entry.modified != nil else { return nil }
            return FileFacts(size: entry.size, modified: entry.modified)
        }
        guard entry.kind == .file, entry.sizeIsWrittenInBytes, let size = entry.size else { return nil }
        return FileFacts(size: size, modified: nil)
    }

    /// Whether a server's path is a folder: its MLST type where the server offers MLST and
    /// names it a folder or a file (one round trip), else whether CWD into it works
    /// (`FTPClient.canEnter`).
    public static func isFolder(_ path: RemotePath, client: FTPClient) -> Bool {
        if client.features.supports("MLST"), let type = (try? client.mlst(path))??.facts["type"]?.lowercased() {
            if type == "dir" || type == "cdir" { return true }
            if type == "file" { return false }
        }
        return (try? client.canEnter(path)) == true
    }
}

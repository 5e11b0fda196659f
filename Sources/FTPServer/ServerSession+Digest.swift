import FTPWire
import Glibc
import Net

extension ServerSession {
    /// The FEAT lines for the digest commands, each on a line of its own with a leading space.
    var digestFeatures: String {
        let offered = server.faults.offeredDigestCommands
        var lines = ""
        if offered.contains("HASH") {
            let algorithms = DigestAlgorithm.allCases.map { $0 == hashAlgorithmInUse ? $0.rawValue + "*" : $0.rawValue }
            lines += " HASH \(algorithms.joined(separator: ";"))\n"
        }
        for verb in ["XCRC", "XMD5", "XSHA1", "XSHA256"] where offered.contains(verb) { lines += " \(verb)\n" }
        return lines
    }

    /// The algorithm HASH uses: the one OPTS HASH chose, unless a fault fixed another.
    var hashAlgorithmInUse: DigestAlgorithm { server.faults.fixedHashAlgorithm ?? hashAlgorithm }

    /// OPTS: `UTF8 ON`, and `HASH ALGORITHM` to pick the algorithm HASH uses.
    func options(_ argument: String) {
        let words = argument.uppercased().split(separator: " ")
        if words == ["UTF8", "ON"] {
            reply(200, "Always in UTF8 mode.")
        } else if words.first == "HASH", words.count == 2, server.faults.offeredDigestCommands.contains("HASH") {
            guard let algorithm = DigestAlgorithm(rawValue: String(words[1])) else {
                reply(501, "Unknown algorithm.")
                return
            }
            if let fixed = server.faults.fixedHashAlgorithm, algorithm != fixed {
                reply(501, "HASH uses \(fixed.rawValue) only.")
                return
            }
            hashAlgorithm = algorithm
            askedDigest = algorithm
            reply(200, algorithm.rawValue)
        } else {
            reply(501, "Option not understood.")
        }
    }

    /// HASH (`213 SHA-256 0-SIZE HEX NAME`) and the older XSHA256, XSHA1, XMD5 and XCRC
    /// (`250 HEX`): the digest of a whole file, or a wrong one when the fault asks for it,
    /// after a line of its own announcing the computation when that fault asks for it.
    func digest(_ verb: String, of path: String) {
        guard server.faults.offeredDigestCommands.contains(verb) else {
            reply(500, "Unknown command.")
            return
        }
        let algorithm: DigestAlgorithm = switch verb {
        case "XSHA256": .sha256
        case "XSHA1": .sha1
        case "XMD5": .md5
        case "XCRC": .crc32
        default: hashAlgorithmInUse
        }
        askedDigest = algorithm
        guard let location = locate(path) else { return }
        guard let info = FileInfo(path: location.localPath), info.kind == .file,
              let digest = passedDigest(of: location.localPath, algorithm) ?? digestRead(from: location.localPath, algorithm)
        else {
            reply(550, "Could not compute the digest.")
            return
        }
        var hex = ContentDigest.hex(digest)
        if server.faults.answersWrongDigests { hex = (hex.first == "0" ? "1" : "0") + hex.dropFirst() }
        let announcement = server.faults.announcesDigestComputation ? "Computing \(algorithm.rawValue) digest\n" : ""
        if verb == "HASH" {
            reply(213, announcement + "\(algorithm.rawValue) 0-\(info.size) \(hex) \(location.name)")
        } else {
            reply(250, announcement + hex)
        }
    }

    /// A digest of the bytes of a download of a whole file (binary, from its start, in the state
    /// `file`), made as they pass in the algorithm the client last asked for, once it has asked
    /// for one (a client that never does is not slowed by them), unless the server keeps that
    /// digest of the file as it is; nil otherwise. Uploads make none: another writer of the file
    /// could change it while it is written, unseen.
    func digestInPassing(from offset: UInt64, of file: FileStamp?) -> ContentDigest? {
        guard let askedDigest, offset == 0, transferType == .binary else { return nil }
        if let file, server.keptDigests.digest(of: file, askedDigest) != nil { return nil }
        server.countDigestMadeInPassing()
        return ContentDigest(askedDigest)
    }

    /// Keeps the digest of `byteCount` bytes read from `file` (the open file's state before the
    /// reading began), when they are all of it, `path` still names that file in that state, and
    /// the file had not changed for a while when that state was taken (`FileStamp.wasSettled`).
    func keep(_ digest: ContentDigest?, of path: String, byteCount: UInt64, file: FileStamp?) {
        guard let digest, let file, file.wasSettled(after: server.faults.digestSettling), file.size == byteCount, FileStamp(path: path) == file else { return }
        server.keptDigests.keep(PassedDigest(stamp: file, algorithm: digest.algorithm, digest: digest.finish()))
    }

    /// The kept digest of the file at `path`, if the file has not changed since and the
    /// algorithm is the one asked for.
    private func passedDigest(of path: String, _ algorithm: DigestAlgorithm) -> [UInt8]? {
        guard let stamp = FileStamp(path: path) else { return nil }
        return server.keptDigests.digest(of: stamp, algorithm)
    }

    /// The digest of a file's bytes, read again; nil when it cannot be read.
    private func digestRead(from path: String, _ algorithm: DigestAlgorithm) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        server.countDigestReadFromFile()
        let digest = ContentDigest(algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return digest.finish() }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}

/// The digests of whole files made as downloads passed them, shared by the server's sessions
/// (as ProFTPD's digest cache is): a digest command for a file, and a download of it, take the
/// digest kept while the file is in the state it was when its bytes were read, instead of
/// reading the file again (for a large file, as long as sending it took) or hashing it again.
final class KeptDigests: Sendable {
    /// The most digests kept: beyond, one of them is forgotten for each new one.
    static let capacity = 1_024

    /// A file, and the algorithm of its digest: one digest of each kind is kept for a file.
    private struct Key: Hashable {
        let file: FileIdentity
        let algorithm: DigestAlgorithm
    }

    private let digests = Locked<[Key: PassedDigest]>([:])

    /// Keeps a file's digest, in place of any kept for the file in that algorithm before.
    func keep(_ passed: PassedDigest) {
        let key = Key(file: passed.stamp.identity, algorithm: passed.algorithm)
        digests.withLock { digests in
            if digests.count >= Self.capacity, digests[key] == nil {
                digests.remove(at: digests.startIndex)
            }
            digests[key] = passed
        }
    }

    /// The digest kept of a file in the state `stamp` tells, in `algorithm`; nil for none.
    func digest(of stamp: FileStamp, _ algorithm: DigestAlgorithm) -> [UInt8]? {
        digests.withLock { digests in
            guard let passed = digests[Key(file: stamp.identity, algorithm: algorithm)], passed.stamp == stamp else { return nil }
            return passed.digest
        }
    }

    /// Forgets the digests of the file at `path`, about to be written.
    func forget(fileAt path: String) {
        guard let stamp = FileStamp(path: path) else { return }
        digests.withLock { digests in
            for algorithm in DigestAlgorithm.allCases {
                digests.removeValue(forKey: Key(file: stamp.identity, algorithm: algorithm))
            }
        }
    }
}

/// The digest of a file whose every byte a download read, made as they passed, and what the
/// file was then.
struct PassedDigest: Sendable {
    let stamp: FileStamp
    let algorithm: DigestAlgorithm
    let digest: [UInt8]
}

/// A file, whatever its path: its device and inode.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
}

/// Which file a path names and what state it is in: its device and inode, its size and the
/// time of its last change (ctime, which a write or any change of its metadata moves on, and
/// which no one can set back).
struct FileStamp: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: UInt64
    let changed: timespec
    /// How long ago the file last changed when the stamp was taken; nil where the file system
    /// keeps no nanoseconds (see `wasSettled(after:)`).
    let age: Double?

    /// The state of the file a path names.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(status)
    }

    /// The state of an open file.
    init?(descriptor: Int32) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        self.init(status)
    }

    private init?(_ status: stat) {
        guard status.st_mode & S_IFMT == S_IFREG else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = UInt64(max(0, status.st_size))
        changed = status.st_ctim
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        age = changed.tv_nsec != 0 ? Double(now.tv_sec - changed.tv_sec) + Double(now.tv_nsec - changed.tv_nsec) / 1e9 : nil
    }

    /// Whether the file's last change was at least `settling` old when the stamp was taken: a
    /// change shows in the ctime only if it falls in a later tick of the clock file times come
    /// from (1-10 ms a tick on most kernels), so a stamp taken within a tick of a change may miss
    /// the next one. A file system that keeps whole seconds or coarser (FAT, some network ones)
    /// gives no nanoseconds, and a change in the same second would go unseen: never settled there.
    func wasSettled(after settling: Double) -> Bool {
        age.map { $0 >= settling } ?? false
    }

    var identity: FileIdentity { FileIdentity(device: device, inode: inode) }

    /// How old a file's last change must be for its stamp to tell every later change.
    static let settling = 0.05

    /// The same file in the same state (whenever either stamp was taken).
    static func == (lhs: FileStamp, rhs: FileStamp) -> Bool {
        lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
            && lhs.changed.tv_sec == rhs.changed.tv_sec && lhs.changed.tv_nsec == rhs.changed.tv_nsec
    }
}

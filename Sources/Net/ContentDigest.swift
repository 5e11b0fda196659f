import COpenSSL
import Foundation

/// The digests a server may compute for a file (HASH, XSHA256, XSHA1, XMD5, XCRC), strongest first.
public enum DigestAlgorithm: String, Sendable, CaseIterable, Codable {
    case sha256 = "SHA-256"
    case sha1 = "SHA-1"
    case md5 = "MD5"
    case crc32 = "CRC32"

    /// The length of the digest in bytes.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha1: 20
        case .md5: 16
        case .crc32: 4
        }
    }
}

/// A digest computed incrementally over the bytes of a file as they pass.
///
/// SHA-256, SHA-1 and MD5 come from OpenSSL (with the processor's hashing instructions where it
/// has them); CRC-32 (the zlib polynomial, as XCRC uses) is computed here with a table per byte
/// position of eight, so it keeps up with a fast link.
///
/// A large file's bytes are hashed on a thread of their own when the machine has more than one
/// processor: once `handOffThreshold` bytes were hashed as they came, the following bytes are
/// copied into a few buffers that a `DigestWorker` hashes while the transfer goes on, so that
/// hashing (SHA-256 runs at about the speed loopback moves bytes) overlaps the moving instead
/// of following it. Small files are hashed as they pass and start no thread.
public final class ContentDigest {
    public let algorithm: DigestAlgorithm
    private let state: DigestState
    /// After how many bytes hashed here the rest goes to a thread of its own; nil for never.
    private var handOffAfter: Int?
    private var hashedHere = 0
    private var worker: DigestWorker?
    private let threads: HashingThreads
    /// Whether bytes went to a thread of their own.
    private(set) var wasHandedOff = false

    /// The bytes a digest hashes as they pass before it hands the rest to a thread of its own.
    static let handOffThreshold = 4 << 20

    /// Whether the machine has more than one processor for a hashing thread to run on: asked
    /// once a process, since the answer reads the control group's files.
    private static let hasProcessorsToSpare = ProcessInfo.processInfo.activeProcessorCount > 1

    public convenience init(_ algorithm: DigestAlgorithm) {
        self.init(algorithm, handingOffAfter: Self.hasProcessorsToSpare ? Self.handOffThreshold : nil)
    }

    /// A digest that hands its bytes to a thread of its own after `handingOffAfter` of them
    /// (nil for never), when `threads` has one to spare.
    init(_ algorithm: DigestAlgorithm, handingOffAfter: Int?, threads: HashingThreads = .shared) {
        self.algorithm = algorithm
        state = DigestState(algorithm)
        handOffAfter = handingOffAfter
        self.threads = threads
    }

    deinit { worker?.abandon() }

    /// Tells OpenSSL to leave its state alone when the process exits: its clean-up at exit frees
    /// what threads still running may be using (a digest, a TLS connection: a commander that
    /// quits with a transfer's last steps under way), and the process's end frees it anyway.
    /// Called first thing in `main`, before anything else uses OpenSSL; later calls do nothing.
    public static func keepOpenSSLUntilExit() {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }

    /// Sets OpenSSL's digests up on a thread of its own, so that the first digest of the
    /// process does not wait for it: the first use reads OpenSSL's configuration and loads its
    /// provider (1-2 ms). Called once, early, on the main thread, after
    /// `keepOpenSSLUntilExit()`, before anything else uses OpenSSL.
    public static func prepareInBackground() {
        Thread.detachNewThread { _ = ContentDigest(.sha256).finish() }
    }

    /// Adds bytes to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if let worker {
            worker.add(bytes)
            return
        }
        state.update(bytes)
        hashedHere += bytes.count
        if let handOffAfter, hashedHere >= handOffAfter {
            worker = DigestWorker.start(hashingInto: state, threads: threads)
            wasHandedOff = worker != nil
            // Hashed here to the end when no thread was free: asked only once.
            self.handOffAfter = nil
        }
    }

    /// Adds bytes to the digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of all bytes added; the object is spent afterwards.
    public func finish() -> [UInt8] {
        worker?.finish()
        worker = nil
        return state.finish()
    }

    /// Lower-case hexadecimal, as servers write digests.
    public static func hex(_ digest: [UInt8]) -> String {
        Hexadecimal.string(digest)
    }

    /// The bytes of a hexadecimal digest of exactly `byteCount` bytes; nil for anything else.
    public static func bytes(fromHex text: Substring, byteCount: Int) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count == byteCount * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        var index = 0
        while index < characters.count {
            guard let high = Hexadecimal.value(of: characters[index]), let low = Hexadecimal.value(of: characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

/// The running state of a digest: OpenSSL's context, or the CRC-32 so far.
final class DigestState: @unchecked Sendable {
    // @unchecked: used by one thread at a time, the one adding bytes or the `DigestWorker` it
    // handed them to, which gives it back when it has finished.
    private let context: OpaquePointer?
    private var crc: UInt32 = 0xFFFF_FFFF

    init(_ algorithm: DigestAlgorithm) {
        let method: OpaquePointer? = switch algorithm {
        case .sha256: EVP_sha256()
        case .sha1: EVP_sha1()
        case .md5: EVP_md5()
        case .crc32: nil
        }
        if let method {
            context = EVP_MD_CTX_new()
            EVP_DigestInit_ex(context, method, nil)
        } else {
            context = nil
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        if let context {
            EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
        } else {
            crc = CRC32Table.shared.update(crc, bytes)
        }
    }

    func finish() -> [UInt8] {
        guard let context else {
            let value = ~crc
            return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        return Array(output.prefix(Int(length)))
    }
}

/// Slicing-by-8 tables for the reflected CRC-32 polynomial 0xEDB88320.
private struct CRC32Table: Sendable {
    static let shared = CRC32Table()
    private let tables: [[UInt32]]

    private init() {
        var first = [UInt32](repeating: 0, count: 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
            first[index] = value
        }
        var tables = [first]
        for level in 1..<8 {
            tables.append((0..<256).map { index in
                let previous = tables[level - 1][index]
                return (previous >> 8) ^ first[Int(previous & 0xFF)]
            })
        }
        self.tables = tables
    }

    func update(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = start
        var index = 0
        let count = bytes.count
        tables.withUnsafeBufferPointer { t in
            let (t0, t1, t2, t3) = (t[0], t[1], t[2], t[3])
            let (t4, t5, t6, t7) = (t[4], t[5], t[6], t[7])
            while index + 8 <= count {
                let low = crc ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
                crc = t7[Int(low & 0xFF)] ^ t6[Int(low >> 8 & 0xFF)] ^ t5[Int(low >> 16 & 0xFF)] ^ t4[Int(low >> 24)]
                    ^ t3[Int(bytes[index + 4])] ^ t2[Int(bytes[index + 5])] ^ t1[Int(bytes[index + 6])] ^ t0[Int(bytes[index + 7])]
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ t0[Int((crc ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return crc
    }
}

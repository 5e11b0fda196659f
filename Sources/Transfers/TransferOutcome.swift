import FTP
import FTPWire

/// How a finished transfer ended: the size of the file at its destination, and the digest the
/// server's agreed with, if it offered one.
public struct TransferOutcome: Sendable, Equatable {
    /// The size of the file now at the destination.
    public var bytes: UInt64
    /// The algorithm of the server's digest that matched the bytes that passed; nil when the
    /// server offers none, in ASCII mode, or with verification off.
    public var verified: DigestAlgorithm?
    /// Why a digest the server offers could not be compared (its reply held none that fits, the
    /// command failed); nil when verified, or when nothing was offered.
    public var unverifiedBecause: String?
    /// Where the last attempt began: the bytes already at the destination that it continued.
    public var resumedFrom: UInt64

    public init(bytes: UInt64, verified: DigestAlgorithm?, unverifiedBecause: String? = nil, resumedFrom: UInt64 = 0) {
        self.bytes = bytes
        self.verified = verified
        self.unverifiedBecause = unverifiedBecause
        self.resumedFrom = resumedFrom
    }
}

/// The server's digest of a file differs from the digest of the bytes that passed.
public struct ChecksumMismatch: Error, CustomStringConvertible, Sendable {
    /// The algorithm compared.
    public let algorithm: DigestAlgorithm
    /// Whether the bytes were received (a download) or sent.
    public let received: Bool

    public var description: String {
        "checksum mismatch: the server's \(algorithm.rawValue) of the file differs from the bytes \(received ? "received" : "sent")"
    }
}

extension FTPClient {
    /// A file's size from SIZE, nil where the server cannot say (it has no SIZE, or it refuses
    /// it for this file). A missing file (550) throws when `missingIsAnError`, else is nil.
    func sizeIfKnown(_ path: RemotePath, missingIsAnError: Bool) throws -> UInt64? {
        do {
            return try size(path)
        } catch let error as FTPError where error.reply?.code == .fileUnavailable && missingIsAnError {
            throw error
        } catch let error as FTPError where error.kind == .permanent {
            return nil
        }
    }

    /// Compares the server's digest of a file with `digest`, computed from the bytes that
    /// passed: the algorithm when they agree, nil when there is nothing to compare (no command,
    /// or no digest from the server). A mismatch throws `ChecksumMismatch`.
    func verify(
        _ path: RemotePath, with check: DigestCommand?, against digest: ContentDigest?, size: UInt64?, received: Bool
    ) throws -> DigestAlgorithm? {
        guard let check, let digest, let theirs = try serverDigest(of: path, using: check, size: size) else { return nil }
        guard theirs == digest.finish() else { throw ChecksumMismatch(algorithm: check.algorithm, received: received) }
        return check.algorithm
    }

    /// The server's digest of a file, or nil when it cannot give one after all (the command
    /// failed, or its reply held no digest): then the transfer is simply not verified. A lost
    /// connection still throws.
    func serverDigest(of path: RemotePath, using command: DigestCommand, size: UInt64?) throws -> [UInt8]? {
        do {
            return try digest(of: path, using: command, size: size)
        } catch let error as FTPError where [.permanent, .temporary, .protocolViolation].contains(error.kind) {
            return nil
        }
    }
}

import Foundation
import FTP
import FTPWire

/// The bytes of one file, read in order from where it was opened (`FileSystem.openReader`).
public protocol ByteReader: AnyObject {
    /// Fills `buffer` with the next bytes; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Ends the read, stopping it where bytes are left, and returns the failure that stopped it
    /// on its own side, if one did: that failure, not the one it caused downstream, explains
    /// a copy that broke.
    func finish() -> (any Error)?
    /// Whether the bytes ended in a way that cannot tell the file's end from a connection cut
    /// (a TLS data connection without close_notify), once they have all been read.
    var mayBeCutShort: Bool { get }
}

extension ByteReader {
    public var mayBeCutShort: Bool { false }
}

extension LocalFile: ByteReader {
    /// A disk read fails only as it happens: nothing is left to report.
    func finish() -> (any Error)? { nil }
}

/// A server's file read with REST and RETR on the reader's own thread, straight from the data
/// connection into the reader's buffers (`Retrieval`): no thread and no copy between. The
/// socket's buffer reads ahead meanwhile, and a copy to the disk leaves the waiting for the
/// disk to threads of its own (`WriteBehind`). The client is the reader's until `finish()`.
final class RemoteReader: ByteReader {
    private let retrieval: Retrieval

    /// Sends REST and RETR and waits for the server to accept them. `digestAfter`: the digest
    /// the reader's owner will ask of the file, sent ahead with the next file's request where
    /// the client pipelines.
    init(client: FTPClient, path: RemotePath, offset: UInt64, digestAfter: DigestCommand?) throws {
        retrieval = try client.beginRetrieval(path, offset: offset, digest: digestAfter)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try retrieval.read(into: buffer) }

    var mayBeCutShort: Bool { retrieval.endedWithoutCloseNotify }

    func finish() -> (any Error)? {
        retrieval.abandon()
        return retrieval.failure
    }
}

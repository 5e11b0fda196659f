import Foundation
import FTP
import FTPWire

/// One remote file streamed to standard output (`ferry get URL -`) or from standard input
/// (`ferry put - URL`): no partial file, no journal, no resume, since bytes once written to a
/// pipe cannot be taken back and standard input cannot be read twice. The size and, where the
/// server offers a digest, the digest of the bytes that passed are checked at the end; a
/// mismatch fails the command after the bytes went out, as `curl` does.
public struct StreamTransfer: Sendable {
    public var remotePath: RemotePath
    /// Whether to compare the server's digest of the file, where it offers one.
    public var verifies: Bool
    /// Binary, or ASCII with line endings converted.
    public var transferType: FTPClient.TransferType
    /// The bucket that holds this transfer to a rate; nil for none.
    public var rateLimiter: RateLimiter?

    public init(remotePath: RemotePath, verifies: Bool = true, transferType: FTPClient.TransferType = .binary, rateLimiter: RateLimiter? = nil) {
        self.remotePath = remotePath
        self.verifies = verifies
        self.transferType = transferType
        self.rateLimiter = rateLimiter
    }

    /// Writes the file to standard output.
    @discardableResult
    public func download(on session: RemoteSession) throws -> TransferOutcome {
        let client = try session.connection()
        client.transferType = transferType
        let binary = transferType == .binary
        // Without SIZE the size goes unchecked; a missing file fails RETR all the same.
        let remoteSize = binary ? (try? client.size(remotePath)) : nil
        let check = verifies && binary ? client.digestCommand : nil
        let digest = check.map { ContentDigest($0.algorithm) }
        let output = try LocalFile.standard(STDOUT_FILENO, named: "standard output")
        let blockSize = rateLimiter?.blockSize(atMost: FTPClient.defaultBlockSize) ?? FTPClient.defaultBlockSize
        var received: UInt64 = 0
        try client.retrieve(remotePath, blockSize: blockSize) { chunk in
            rateLimiter?.take(chunk.count)
            try output.write(chunk)
            digest?.update(chunk)
            received += UInt64(chunk.count)
        }
        if let remoteSize, received != remoteSize { throw IncompleteTransfer(received: received, expected: remoteSize) }
        let verified = try client.verify(remotePath, with: check, against: digest, size: remoteSize, received: true)
        return TransferOutcome(bytes: received, verified: verified)
    }

    /// Stores standard input on the server.
    @discardableResult
    public func upload(on session: RemoteSession) throws -> TransferOutcome {
        let client = try session.connection()
        client.transferType = transferType
        let binary = transferType == .binary
        let check = verifies && binary ? client.digestCommand : nil
        let digest = check.map { ContentDigest($0.algorithm) }
        let input = try LocalFile.standard(STDIN_FILENO, named: "standard input")
        let blockSize = rateLimiter?.blockSize(atMost: FTPClient.defaultBlockSize) ?? FTPClient.defaultBlockSize
        var sent: UInt64 = 0
        try client.store(remotePath, blockSize: blockSize, from: { buffer in
            let count = try input.read(into: buffer)
            rateLimiter?.take(count)
            digest?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            sent += UInt64(count)
            return count
        })
        if binary, let stored = try? client.size(remotePath), stored != sent {
            throw IncompleteTransfer(received: stored, expected: sent)
        }
        let verified = try client.verify(remotePath, with: check, against: digest, size: sent, received: false)
        return TransferOutcome(bytes: sent, verified: verified)
    }
}

import Foundation
import FTP
import FTPWire

/// One remote file streamed to standard output (`ferry get URL -`) or from standard input
/// (`ferry put - URL`): no partial file and no journal, since bytes once written to a pipe cannot
/// be taken back and standard input cannot be read twice; a download broken half way continues
/// from the bytes written, an upload does not. The size and, where the server offers a digest,
/// the digest of the bytes that passed are checked at the end; a mismatch fails the command
/// after the bytes went out, as `curl` does.
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

    /// Writes the file to standard output. A transient failure (a broken connection, a 4xx
    /// reply) is retried by `retry` from the bytes already written (REST), in binary mode and
    /// while the server's file keeps the size it had at the start: a byte once in the pipe is
    /// never written twice. `onRetry` hears each error that will be retried and the wait.
    @discardableResult
    public func download(
        on session: RemoteSession, retry: RetryPolicy = .never, onRetry: (any Error, Double) -> Void = { _, _ in }
    ) throws -> TransferOutcome {
        let binary = transferType == .binary
        let output = try LocalFile.standard(STDOUT_FILENO, named: "standard output")
        let blockSize = rateLimiter?.blockSize(atMost: FTPClient.defaultBlockSize) ?? FTPClient.defaultBlockSize
        var start: Start?
        var received: UInt64 = 0
        return try retry.runTransfer(on: [session], { _ in
            let client = try session.connection()
            client.transferType = transferType
            if let start, received > 0 {
                // Only the same file continues: binary, its size known and unchanged.
                guard binary else { throw StreamNotContinued(written: received, reason: "ASCII mode cannot continue from a byte offset") }
                guard let size = start.remoteSize else { throw StreamNotContinued(written: received, reason: "the server does not tell the file's size") }
                let now = try client.size(remotePath)
                guard now == size else { throw StreamNotContinued(written: received, reason: "the file changed on the server (\(now) bytes, \(size) before)") }
            }
            // Without SIZE the size goes unchecked; a missing file fails RETR all the same.
            let begun = start ?? Start(remoteSize: binary ? (try? client.size(remotePath)) : nil, check: verifies && binary ? client.digestCommand : nil)
            start = begun
            try client.retrieve(remotePath, offset: received, blockSize: blockSize) { chunk in
                rateLimiter?.take(chunk.count)
                try output.write(chunk)
                begun.digest?.update(chunk)
                received += UInt64(chunk.count)
            }
            if let remoteSize = begun.remoteSize, received != remoteSize { throw IncompleteTransfer(received: received, expected: remoteSize) }
            let verified = try client.verify(remotePath, with: begun.check, against: begun.digest, size: begun.remoteSize, received: true)
            return TransferOutcome(bytes: received, verified: verified)
        }, onRetry: onRetry)
    }

    /// What the first attempt of a streamed download learnt, for the ones after it.
    private struct Start {
        /// The file's size by SIZE, nil when the server did not say.
        let remoteSize: UInt64?
        /// The digest the server offers, if it is to be checked.
        let check: DigestCommand?
        /// The digest of every byte written so far, over all attempts.
        let digest: ContentDigest?

        init(remoteSize: UInt64?, check: DigestCommand?) {
            self.remoteSize = remoteSize
            self.check = check
            digest = check.map { ContentDigest($0.algorithm) }
        }
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

/// A streamed download broke after bytes went out and cannot continue where it stopped: in
/// ASCII mode, or the server's file has no known size or a new one.
public struct StreamNotContinued: Error, CustomStringConvertible, Sendable {
    /// The bytes already written to standard output.
    public let written: UInt64
    /// Why it cannot continue.
    public let reason: String
    public var description: String { "cannot continue after the \(written) bytes written to standard output: \(reason)" }
}

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

    /// Writes the file to standard output. A transient failure (a refused connection, a broken
    /// one, a 4xx reply) is retried by `retry`: before any byte went out, from the start, of the
    /// file as it is then; after, from the bytes already written (REST), in binary mode and only
    /// while the server's file keeps the size and time it had when the first byte went out. A byte
    /// once in the pipe is never written twice, nor bytes of two files: where the file cannot be
    /// recognised again (ASCII mode, no SIZE), a break after bytes went out ends the download as
    /// it came. `onRetry` hears each error that will be retried and the wait.
    @discardableResult
    public func download(
        on session: RemoteSession, retry: RetryPolicy = .never, onRetry: (any Error, Double) -> Void = { _, _ in }
    ) throws -> TransferOutcome {
        let binary = transferType == .binary
        let output = try LocalFile.standard(STDOUT_FILENO, named: "standard output")
        let blockSize = rateLimiter?.blockSize(atMost: FTPClient.defaultBlockSize) ?? FTPClient.defaultBlockSize
        var stamp: (size: UInt64?, modified: Date?) = (nil, nil)
        var check: DigestCommand?
        var digest: ContentDigest?
        var received: UInt64 = 0
        do {
            return try retry.runTransfer(on: [session], { _ in
                let client = try session.connection()
                client.transferType = transferType
                // A missing file fails RETR all the same.
                let now = binary ? try client.sizeAndModificationTime(remotePath) : (size: nil, modified: nil)
                if received == 0 {
                    // Nothing went out yet: whatever the file is now is the one to write.
                    stamp = now
                    check = verifies && binary ? client.digestCommand : nil
                    digest = check.map { ContentDigest($0.algorithm) }
                } else if now.size != stamp.size || now.modified != stamp.modified {
                    throw StreamNotContinued(written: received, reason: "the file changed on the server")
                }
                // A retry after every byte arrived (its digest was asked in vain) only verifies.
                if received == 0 || stamp.size.map({ received < $0 }) ?? true {
                    do {
                        try client.retrieve(remotePath, offset: received, blockSize: blockSize) { chunk in
                            rateLimiter?.take(chunk.count)
                            try output.write(chunk)
                            digest?.update(chunk)
                            received += UInt64(chunk.count)
                        }
                    } catch where received > 0 && stamp.size == nil {
                        throw Unrecognisable(error: error)
                    }
                    // As for a file (`FileCopy`), an end that may be a cut is one; without a
                    // size the bytes written cannot be continued.
                    if stamp.size == nil, digest == nil, client.dataEndedWithoutCloseNotify {
                        throw Unrecognisable(error: UnconfirmedEnd(received: received, ascii: !binary))
                    }
                }
                if let size = stamp.size, received != size {
                    guard received < size else {
                        throw StreamNotContinued(written: received, reason: "more bytes arrived than the \(size) the server's SIZE gave")
                    }
                    throw IncompleteTransfer(received: received, expected: size)
                }
                let verified = try client.verify(remotePath, with: check, against: digest, size: stamp.size, received: true)
                return TransferOutcome(bytes: received, verified: verified)
            }, onRetry: onRetry)
        } catch let unrecognisable as Unrecognisable {
            throw unrecognisable.error
        }
    }

    /// A break after bytes went out of a file that could not be recognised again: not retried,
    /// and reported as the error it wraps.
    private struct Unrecognisable: Error {
        let error: any Error
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

/// A streamed download cannot go on from the bytes it wrote: the server's file changed, or
/// sent more bytes than its size.
public struct StreamNotContinued: Error, CustomStringConvertible, Sendable {
    /// The bytes already written to standard output.
    public let written: UInt64
    /// Why it cannot continue.
    public let reason: String
    public var description: String { "cannot continue after the \(written) bytes written to standard output: \(reason)" }
}

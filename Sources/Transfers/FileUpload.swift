import Foundation
import FTP
import FTPWire

/// Uploads one local file to a remote path, resumably and verified.
///
/// A retry or `-c` continues the server's file from its size only when a Ferry job wrote it
/// from the same local file: same size and modification time as when that job's STOR was
/// accepted (`ownedStamp`, or the stamp this upload took then). Otherwise it sends the whole
/// file, so an old file on the server is never extended with a new tail. Where the server
/// offers a digest (HASH, XSHA256, …), it is compared with the digest of the bytes sent.
public struct FileUpload: Sendable {
    /// The file to send.
    public var localPath: String
    /// Where it goes on the server.
    public var remotePath: RemotePath

    /// How it runs: continuing, verification, mode, block size, rate.
    public var settings: TransferSettings

    public init(localPath: String, remotePath: RemotePath, settings: TransferSettings = TransferSettings()) {
        self.settings = settings
        self.localPath = localPath
        self.remotePath = remotePath
    }

    /// Runs the upload on `session`, retrying transient failures by `retry`, and notes in
    /// `journal` the file's stamp once the server accepted the STOR.
    @discardableResult
    public func run(
        on session: RemoteSession, retry: RetryPolicy = RetryPolicy(), journal: JournalEntry? = nil,
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        guard let localSize = LocalFile.size(of: localPath) else {
            throw LocalFileError(path: localPath, action: "cannot read", errno: ENOENT)
        }
        let name = String(localPath.split(separator: "/").last ?? Substring(localPath))
        var owned = settings.ownedStamp
        return try retry.runTransfer(on: [session], { attempt in
            try attemptUpload(
                on: session, name: name, size: localSize, continuing: settings.continues || attempt > 0, owned: &owned, journal: journal,
                onProgress: onProgress)
        }, onRetry: onRetry)
    }

    private func attemptUpload(
        on session: RemoteSession, name: String, size: UInt64, continuing: Bool, owned: inout SourceStamp?, journal: JournalEntry?,
        onProgress: (TransferProgress) -> Void
    ) throws -> TransferOutcome {
        let client = try session.connection()
        client.transferType = settings.transferType
        let binary = settings.transferType == .binary
        let stamp = SourceStamp(localPath: localPath) ?? SourceStamp(size: size, modified: nil as Int64?)
        var offset: UInt64 = 0
        if continuing, binary, owned == stamp, let remoteSize = try client.sizeIfKnown(remotePath, missingIsAnError: false), remoteSize <= size {
            offset = remoteSize
        }
        let check = settings.verifies && binary ? client.digestCommand : nil
        let digest = check.map { ContentDigest($0.algorithm) }
        if offset > 0, let digest { try LocalFile.hash(localPath, upTo: offset, into: digest) }
        var progress = TransferProgress(name: name, completedBytes: offset, totalBytes: size, resumedFrom: offset)
        onProgress(progress)
        if offset == 0 || offset != size {
            let file = try LocalFile.reading(localPath, from: offset)
            var began = false
            try client.store(remotePath, offset: offset, blockSize: settings.effectiveBlockSize, from: { buffer in
                if !began {
                    // The server accepted the STOR: what it holds from here on is ours.
                    began = true
                    owned = stamp
                    journal?.began(stamp)
                }
                let count = try file.read(into: buffer)
                settings.rateLimiter?.take(count)
                digest?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                return count
            }) { count in
                progress.completedBytes += UInt64(count)
                onProgress(progress)
            }
        }
        if binary, let remoteSize = try client.sizeIfKnown(remotePath, missingIsAnError: false), remoteSize != size {
            throw IncompleteTransfer(received: remoteSize, expected: size)
        }
        let verified = try client.verify(remotePath, with: check, against: digest, size: size, received: false)
        return TransferOutcome(bytes: size, verified: verified)
    }

}

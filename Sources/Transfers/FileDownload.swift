import Foundation
import FTP
import FTPWire

/// Downloads one remote file to a local path, safely and resumably.
///
/// The bytes go to `LOCAL.part` beside the target, which is renamed into place only once its
/// size matches the server's. A failure leaves the `.part` for the next try, which continues it
/// with REST; a file the server does not have leaves nothing behind.
public struct FileDownload: Sendable {
    /// The remote file, as the server names it.
    public var remotePath: RemotePath
    /// Where the file should end up.
    public var localPath: String
    /// Whether to continue from `LOCAL.part`, or from a shorter `LOCAL`, instead of starting over
    /// (the `wget -c` habit). Retries always continue.
    public var continues: Bool
    /// Binary, or ASCII with line endings converted.
    public var transferType: FTPClient.TransferType
    /// Bytes per read from the network.
    public var blockSize: Int

    public init(
        remotePath: RemotePath, localPath: String, continues: Bool = false,
        transferType: FTPClient.TransferType = .binary, blockSize: Int = FTPClient.defaultBlockSize
    ) {
        self.remotePath = remotePath
        self.localPath = localPath
        self.continues = continues
        self.transferType = transferType
        self.blockSize = blockSize
    }

    /// The partial file beside the target.
    public var partPath: String { localPath + ".part" }

    /// Runs the download on `session`, retrying transient failures by `retry`.
    public func run(
        on session: RemoteSession, retry: RetryPolicy = RetryPolicy(),
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws {
        let name = remotePath.lastComponent.description
        try retry.run(cancellation: session.cancellation, { attempt in
            do {
                try attemptDownload(on: session, name: name, continuing: continues || attempt > 0, onProgress: onProgress)
            } catch {
                if RetryPolicy.isTransient(error) { session.drop() }
                throw error
            }
        }, onRetry: onRetry)
    }

    private func attemptDownload(on session: RemoteSession, name: String, continuing: Bool, onProgress: (TransferProgress) -> Void) throws {
        let client = try session.connection()
        client.transferType = transferType
        // In ASCII mode SIZE counts the server's line endings, not ours: it cannot check the result.
        let remoteSize = client.transferType == .binary ? try remoteFileSize(client) : nil
        var offset: UInt64 = 0
        if continuing {
            if let partSize = LocalFile.size(of: partPath) {
                offset = partSize
            } else if let localSize = LocalFile.size(of: localPath), let remoteSize, localSize < remoteSize {
                guard rename(localPath, partPath) == 0 else { throw LocalFileError(path: localPath, action: "cannot rename") }
                offset = localSize
            }
        }
        if let remoteSize, offset > remoteSize {
            // The partial file is longer than the file itself: it belongs to another version.
            offset = 0
        }
        var progress = TransferProgress(name: name, completedBytes: offset, totalBytes: remoteSize, resumedFrom: offset)
        onProgress(progress)
        var file: LocalFile?
        if offset > 0, offset == remoteSize {
            file = try LocalFile.writing(partPath, from: offset)
        } else {
            try client.retrieve(remotePath, offset: offset, blockSize: blockSize) { chunk in
                if file == nil { file = try LocalFile.writing(partPath, from: offset) }
                try file?.write(chunk)
                progress.completedBytes += UInt64(chunk.count)
                onProgress(progress)
            }
        }
        if file == nil { file = try LocalFile.writing(partPath, from: offset) }
        file = nil
        let received = LocalFile.size(of: partPath) ?? 0
        if let remoteSize, received != remoteSize {
            throw IncompleteTransfer(received: received, expected: remoteSize)
        }
        guard rename(partPath, localPath) == 0 else { throw LocalFileError(path: localPath, action: "cannot rename the finished download to") }
    }

    /// The remote size from SIZE, nil where the server cannot say; a missing file throws.
    private func remoteFileSize(_ client: FTPClient) throws -> UInt64? {
        do {
            return try client.size(remotePath)
        } catch let error as FTPError where error.reply?.code == .fileUnavailable {
            throw error
        } catch let error as FTPError where error.kind == .permanent {
            return nil
        }
    }
}

import Foundation
import FTP
import FTPWire

/// Uploads one local file to a remote path, resumably.
public struct FileUpload: Sendable {
    /// The file to send.
    public var localPath: String
    /// Where it goes on the server.
    public var remotePath: RemotePath
    /// Whether to continue from the size the remote file already has. Retries always continue.
    public var continues: Bool
    /// Binary, or ASCII with line endings converted.
    public var transferType: FTPClient.TransferType
    /// Bytes per write to the network.
    public var blockSize: Int

    public init(
        localPath: String, remotePath: RemotePath, continues: Bool = false,
        transferType: FTPClient.TransferType = .binary, blockSize: Int = FTPClient.defaultBlockSize
    ) {
        self.localPath = localPath
        self.remotePath = remotePath
        self.continues = continues
        self.transferType = transferType
        self.blockSize = blockSize
    }

    /// Runs the upload on `session`, retrying transient failures by `retry`.
    public func run(
        on session: RemoteSession, retry: RetryPolicy = RetryPolicy(),
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws {
        guard let localSize = LocalFile.size(of: localPath) else {
            throw LocalFileError(path: localPath, action: "cannot read", errno: ENOENT)
        }
        let name = String(localPath.split(separator: "/").last ?? Substring(localPath))
        try retry.run(cancellation: session.cancellation, { attempt in
            do {
                try attemptUpload(on: session, name: name, size: localSize, continuing: continues || attempt > 0, onProgress: onProgress)
            } catch {
                if RetryPolicy.isTransient(error) { session.drop() }
                throw error
            }
        }, onRetry: onRetry)
    }

    private func attemptUpload(on session: RemoteSession, name: String, size: UInt64, continuing: Bool, onProgress: (TransferProgress) -> Void) throws {
        let client = try session.connection()
        client.transferType = transferType
        var offset: UInt64 = 0
        if continuing, client.transferType == .binary, let remoteSize = try remoteFileSize(client), remoteSize <= size {
            offset = remoteSize
        }
        var progress = TransferProgress(name: name, completedBytes: offset, totalBytes: size, resumedFrom: offset)
        onProgress(progress)
        if offset == size, offset > 0 { return }
        let file = try LocalFile.reading(localPath, from: offset)
        try client.store(remotePath, offset: offset, blockSize: blockSize, from: { try file.read(into: $0) }) { count in
            progress.completedBytes += UInt64(count)
            onProgress(progress)
        }
        if client.transferType == .binary, let remoteSize = try remoteFileSize(client), remoteSize != size {
            throw IncompleteTransfer(received: remoteSize, expected: size)
        }
    }

    /// The remote size from SIZE; nil when the file is not there or the server cannot say.
    private func remoteFileSize(_ client: FTPClient) throws -> UInt64? {
        do {
            return try client.size(remotePath)
        } catch let error as FTPError where error.kind == .permanent {
            return nil
        }
    }
}

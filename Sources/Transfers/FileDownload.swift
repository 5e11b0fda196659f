import Foundation
import FTP
import FTPWire

/// Downloads one remote file to a local path, safely and resumably.
///
/// The bytes go to `LOCAL.part` beside the target (never through a link put there), which is
/// made durable and renamed into place only once its size matches the server's and, where the
/// server offers a digest (HASH, XSHA256, …), the digest of the bytes received matches the
/// server's. A failure leaves the `.part` for the next try, which continues it with REST, but
/// only when a Ferry job wrote it for the same source: same size and modification time as when
/// that job began (`ownedStamp`, or the stamp this download took when it began). Anything else
/// starts from byte 0, so a file made of two versions is never put in place.
public struct FileDownload: Sendable {
    /// The remote file, as the server names it.
    public var remotePath: RemotePath
    /// Where the file should end up.
    public var localPath: String
    /// The file's exact size and time from the listing (MLSD): the first attempt asks the
    /// server for neither (no SIZE, no MDTM); a retry asks again.
    public var knownSource: FileFacts?

    /// How it runs: continuing, verification, mode, block size, rate.
    public var settings: TransferSettings

    public init(remotePath: RemotePath, localPath: String, settings: TransferSettings = TransferSettings()) {
        self.settings = settings
        self.remotePath = remotePath
        self.localPath = localPath
    }

    /// The partial file beside the target.
    public var partPath: String { localPath + ".part" }

    /// Runs the download on `session`, retrying transient failures by `retry`, and notes in
    /// `journal` the source's stamp when it begins writing. A checksum mismatch removes the
    /// partial file and fetches the whole file once more; a second mismatch fails, leaving nothing.
    @discardableResult
    public func run(
        on session: RemoteSession, retry: RetryPolicy = RetryPolicy(), journal: JournalEntry? = nil,
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        let name = remotePath.lastComponent.description
        var owned = settings.ownedStamp
        var mismatched = false
        return try retry.runTransfer(on: [session], { attempt in
            while true {
                do {
                    return try attemptDownload(
                        on: session, name: name, continuing: settings.continues || attempt > 0, known: attempt == 0 && !mismatched ? knownSource : nil,
                        owned: &owned, journal: journal, onProgress: onProgress)
                } catch let mismatch as ChecksumMismatch {
                    // Those bytes are worth nothing: never continued, never put in place.
                    unlink(partPath)
                    owned = nil
                    if mismatched { throw mismatch }
                    mismatched = true
                    onRetry(mismatch, 0)
                }
            }
        }, onRetry: onRetry)
    }

    private func attemptDownload(
        on session: RemoteSession, name: String, continuing: Bool, known: FileFacts?, owned: inout SourceStamp?, journal: JournalEntry?,
        onProgress: (TransferProgress) -> Void
    ) throws -> TransferOutcome {
        let client = try session.connection()
        client.transferType = settings.transferType
        let binary = settings.transferType == .binary
        // In ASCII mode SIZE counts the server's line endings, not ours: it cannot check the result.
        let remoteSize = binary ? try known?.size ?? client.sizeIfKnown(remotePath, missingIsAnError: true) : nil
        let modified = binary ? known?.modified ?? (client.features.supports("MDTM") ? try? client.mdtm(remotePath) : nil) : nil
        let stamp = SourceStamp(size: remoteSize, modified: modified)
        var offset: UInt64 = 0
        if continuing, stamp.identifies, owned == stamp, let partSize = LocalFile.sizeWithoutFollowing(partPath), let remoteSize, partSize <= remoteSize {
            offset = partSize
        }
        journal?.began(stamp)
        owned = stamp
        let check = settings.verifies && binary ? client.digestCommand : nil
        let digest = check.map { ContentDigest($0.algorithm) }
        var progress = TransferProgress(name: name, completedBytes: offset, totalBytes: remoteSize, resumedFrom: offset)
        onProgress(progress)
        func openPart() throws -> LocalFile {
            let file = try LocalFile.writing(partPath, from: offset)
            if offset > 0, let digest { try LocalFile.hash(partPath, upTo: offset, into: digest) }
            return file
        }
        var file: LocalFile?
        if offset == 0 || offset != remoteSize {
            try client.retrieve(remotePath, offset: offset, blockSize: settings.effectiveBlockSize, digest: check) { chunk in
                settings.rateLimiter?.take(chunk.count)
                if file == nil { file = try openPart() }
                try file?.write(chunk)
                digest?.update(chunk)
                progress.completedBytes += UInt64(chunk.count)
                onProgress(progress)
            }
        }
        try (file ?? openPart()).synchronize()
        file = nil
        let received = LocalFile.sizeWithoutFollowing(partPath) ?? 0
        if let remoteSize, received != remoteSize {
            throw IncompleteTransfer(received: received, expected: remoteSize)
        }
        let verified = try client.verify(remotePath, with: check, against: digest, size: remoteSize, received: true)
        guard rename(partPath, localPath) == 0 else { throw LocalFileError(path: localPath, action: "cannot rename the finished download to") }
        return TransferOutcome(bytes: received, verified: verified)
    }
}

import Foundation
import FTP
import FTPWire

/// Copies one file from a server to another (or the same), streamed through this process: no
/// temporary file, no FXP. The source is read on a thread of its own into a bounded channel
/// while the destination stores from it. Resuming follows the rule of uploads: a retry or `-c`
/// continues the destination's file only when a Ferry job wrote it from the same source (same
/// size and time); otherwise it starts from byte 0. The destination's digest is compared with
/// the digest of the bytes that passed; a resumed copy compares the two servers' digests when
/// both offer the same one.
public struct RemoteCopy: Sendable {
    public var sourcePath: RemotePath
    public var destinationPath: RemotePath

    /// How it runs: continuing, verification, mode, block size, rate.
    public var settings: TransferSettings

    /// A copy, always binary: `settings.transferType` is not used.
    public init(from sourcePath: RemotePath, to destinationPath: RemotePath, settings: TransferSettings = TransferSettings()) {
        self.settings = settings
        self.sourcePath = sourcePath
        self.destinationPath = destinationPath
    }

    /// Runs the copy from `source` to `destination` (two sessions, even on one server),
    /// retrying transient failures by `retry`.
    @discardableResult
    public func run(
        from source: RemoteSession, to destination: RemoteSession, retry: RetryPolicy = RetryPolicy(), journal: JournalEntry? = nil,
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        let name = sourcePath.lastComponent.description
        var owned = settings.ownedStamp
        return try retry.runTransfer(on: [destination, source], { attempt in
            try attemptCopy(
                from: source, to: destination, name: name, continuing: settings.continues || attempt > 0, owned: &owned, journal: journal,
                onProgress: onProgress)
        }, onRetry: onRetry)
    }

    private func attemptCopy(
        from source: RemoteSession, to destination: RemoteSession, name: String, continuing: Bool, owned: inout SourceStamp?,
        journal: JournalEntry?, onProgress: (TransferProgress) -> Void
    ) throws -> TransferOutcome {
        let reader = try source.connection()
        let writer = try destination.connection()
        reader.transferType = .binary
        writer.transferType = .binary
        // Without SIZE the size goes unchecked, and the copy starts from byte 0.
        let size = try reader.sizeIfKnown(sourcePath, missingIsAnError: true)
        let modified = reader.features.supports("MDTM") ? try? reader.mdtm(sourcePath) : nil
        let stamp = SourceStamp(size: size, modified: modified)
        var offset: UInt64 = 0
        if continuing, stamp.identifies, owned == stamp, let size, let existing = try writer.sizeIfKnown(destinationPath, missingIsAnError: false), existing <= size {
            offset = existing
        }
        let check = settings.verifies ? writer.digestCommand : nil
        let digest = offset == 0 ? check.map { ContentDigest($0.algorithm) } : nil
        var progress = TransferProgress(name: name, completedBytes: offset, totalBytes: size, resumedFrom: offset)
        onProgress(progress)
        if size.map({ offset < $0 || $0 == 0 }) ?? true {
            var began = false
            try stream(from: reader, to: writer, offset: offset) { buffer, count in
                if !began {
                    // The destination accepted the STOR: what it holds from here on is ours.
                    began = true
                    owned = stamp
                    journal?.began(stamp)
                }
                digest?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                progress.completedBytes += UInt64(count)
                onProgress(progress)
            }
        }
        if let size, let stored = try writer.sizeIfKnown(destinationPath, missingIsAnError: false), stored != size {
            throw IncompleteTransfer(received: stored, expected: size)
        }
        return TransferOutcome(bytes: size ?? progress.completedBytes, verified: try verify(reader, writer, check: check, passed: digest, size: size))
    }

    /// Reads the source on a thread of its own into a channel while the destination stores
    /// from it; `onBlock` sees each block as it goes out. Either side's failure stops both.
    private func stream(
        from reader: FTPClient, to writer: FTPClient, offset: UInt64, onBlock: (UnsafeMutableRawBufferPointer, Int) -> Void
    ) throws {
        let channel = ByteChannel(capacity: 16 * settings.blockSize)
        let done = DispatchSemaphore(value: 0)
        let readFailure = LockedError()
        let (path, blockSize, limiter) = (sourcePath, settings.effectiveBlockSize, settings.rateLimiter)
        let handed = HandedOver(reader)
        let thread = Thread {
            do {
                try handed.value.retrieve(path, offset: offset, blockSize: blockSize) { try channel.write($0) }
                channel.finish()
            } catch {
                // The destination's failure stopped the reader: that one is the copy's error.
                if !(error is ByteChannel.Stopped) { readFailure.set(error) }
                channel.fail(error)
            }
            done.signal()
        }
        thread.name = "ferry-copy-reader"
        thread.start()
        do {
            try writer.store(destinationPath, offset: offset, blockSize: blockSize, from: { buffer in
                let count = try channel.read(into: buffer)
                limiter?.take(count)
                onBlock(buffer, count)
                return count
            })
        } catch {
            channel.fail(ByteChannel.Stopped())
            done.wait()
            throw readFailure.error ?? error
        }
        done.wait()
        if let error = readFailure.error { throw error }
    }

    /// The algorithm both sides agreed on; nil when unverified. A fresh copy compares the
    /// destination's digest with the bytes that passed; a resumed one, the two servers' digests.
    private func verify(_ reader: FTPClient, _ writer: FTPClient, check: DigestCommand?, passed: ContentDigest?, size: UInt64?) throws -> DigestAlgorithm? {
        guard let check, let theirs = try writer.serverDigest(of: destinationPath, using: check, size: size) else { return nil }
        if let passed {
            guard theirs == passed.finish() else { throw ChecksumMismatch(algorithm: check.algorithm, received: false) }
            return check.algorithm
        }
        guard reader.digestCommand == check, let original = try reader.serverDigest(of: sourcePath, using: check, size: size) else { return nil }
        guard theirs == original else { throw ChecksumMismatch(algorithm: check.algorithm, received: false) }
        return check.algorithm
    }
}

/// A value given to another thread, which alone uses it until it signals that it is done.
private struct HandedOver<Value>: @unchecked Sendable {
    // @unchecked: the giving thread does not touch the value until the taker is done with it.
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An error one thread leaves for another.
private final class LockedError: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var stored: (any Error)?

    func set(_ error: any Error) { lock.withLock { stored = error } }
    var error: (any Error)? { lock.withLock { stored } }
}

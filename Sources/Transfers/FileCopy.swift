import Foundation
import FTP
import FTPWire

/// A file system reached afresh for each attempt of a transfer: the disk, or a server through a
/// session that connects again after a drop.
public struct FileSystemAccess<System: FileSystem> {
    /// The sessions an attempt that failed on the way drops (none for the disk).
    let sessions: [RemoteSession]
    /// The file system, on a connection that works as far as is known.
    public let open: () throws -> System
}

extension FileSystemAccess where System == LocalFileSystem {
    /// The local disk.
    public static var local: Self { Self(sessions: [], open: { LocalFileSystem() }) }
}

extension FileSystemAccess where System == RemoteFileSystem {
    /// A server, through `session`.
    public static func server(_ session: RemoteSession) -> Self {
        Self(sessions: [session], open: { RemoteFileSystem(client: try session.connection()) })
    }
}

/// Copies one file from any file system to any other — a server's to the disk, the disk's to a
/// server, one server's to another — safely, resumably and verified: the one per-file copy of
/// every download, upload and server-to-server copy.
///
/// The bytes go to the destination's staging path (`NAME.part` on the disk, never through a
/// link put there; the file itself on a server), and on the disk are made durable and renamed
/// into place only once their size matches the source's and, where a server offers a digest
/// (HASH, XSHA256, …), that digest matches the bytes that passed. A retry or `continues` goes on
/// from what the destination holds only when a Ferry job wrote it for the same source: same size
/// and modification time as when that job began writing (`settings.ownedStamp`, or the stamp this
/// copy took when it began). Anything else starts from byte 0, so a file made of two versions is
/// never put in place. A checksum mismatch throws those bytes away and copies the whole file once
/// more; a second mismatch fails. Between two servers, each side has a connection of its own
/// (even on one server): the source is read on another thread while the destination stores.
public struct FileCopy<Source: FileSystem, Destination: FileSystem>: Sendable {
    /// The file to copy.
    public var source: Source.Path
    /// Where it should end up.
    public var destination: Destination.Path
    /// The source's exact size and time from its listing (MLSD): the first attempt does not ask
    /// for them (no SIZE, no MDTM); with the size alone (a Unix LIST line's), it asks the time
    /// only. A retry asks again.
    public var knownSource: FileFacts?
    /// `knownSource` where it holds the time as well as the size: what a comparison of the two
    /// sides can use.
    var wholeKnownSource: FileFacts? { knownSource?.modified == nil ? nil : knownSource }

    /// What the first attempt asks a server about the source before its RETR, given
    /// `knownSource` (`attempt`): nothing where it holds the time, MDTM where it holds the size
    /// alone, else SIZE and MDTM. A caller that sends the file's requests ahead
    /// (`UpcomingRetrieval`) sends these.
    public static func questions(knowing known: FileFacts?) -> UpcomingRetrieval.Questions {
        if known?.modified != nil { return .none }
        return known?.size != nil ? .modificationTime : .sizeAndModificationTime
    }
    /// How it runs: continuing, verification, mode, block size, rate.
    public var settings: TransferSettings
    /// Where a copy to the disk leaves its last step — the `fsync` of the complete, verified
    /// `NAME.part` and its rename into place — for the queue to run after it returns, while the
    /// connection goes on (`TransferContext.finishing`); nil to put the file in place before
    /// returning. Either way nothing is under the final name before it is whole and durable.
    public var finishing: FinishingSteps?

    public init(from source: Source.Path, to destination: Destination.Path, settings: TransferSettings = TransferSettings()) {
        self.source = source
        self.destination = destination
        self.settings = settings
    }

    /// Runs the copy, retrying transient failures by `retry`, and notes in `journal` the source's
    /// stamp when it begins writing.
    @discardableResult
    public func run(
        from source: FileSystemAccess<Source>, to destination: FileSystemAccess<Destination>, retry: RetryPolicy = RetryPolicy(),
        journal: JournalEntry? = nil, onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        var owned = settings.ownedStamp
        var mismatched = false
        return try retry.runTransfer(on: destination.sessions + source.sessions, { attempt in
            while true {
                do {
                    return try self.attempt(
                        from: source.open(), to: destination.open(), continuing: settings.continues || attempt > 0,
                        known: attempt == 0 && !mismatched ? knownSource : nil, owned: &owned, journal: journal, onProgress: onProgress)
                } catch let mismatch as ChecksumMismatch {
                    // Those bytes are worth nothing: never continued, never put in place.
                    owned = nil
                    let target = try destination.open()
                    let staging = target.stagingPath(for: self.destination)
                    if staging != self.destination { try? target.remove(staging, isFolder: false) }
                    if mismatched { throw mismatch }
                    mismatched = true
                    onRetry(mismatch, 0)
                }
            }
        }, onRetry: onRetry)
    }

    private func attempt(
        from source: Source, to destination: Destination, continuing: Bool, known: FileFacts?, owned: inout SourceStamp?,
        journal: JournalEntry?, onProgress: (TransferProgress) -> Void
    ) throws -> TransferOutcome {
        let binary = settings.transferType == .binary
        // In ASCII mode sizes count one side's line endings, not the other's: they check nothing,
        // and a server is not asked; the disk's size still shows how far the copy has got. A copy
        // that does not go on from what is there reads the source from its start whatever its
        // facts: a server is asked for the bytes along with the facts.
        let check = settings.verifies && binary ? destination.digestCommand ?? source.digestCommand : nil
        // Said before the first request about the file, so that it travels with it.
        if let check {
            if destination.digestCommand == check { destination.announce(check) } else { source.announce(check) }
        }
        let facts: FileFacts? = if !binary && !source.readsCheaply {
            nil
        } else if let known, known.modified != nil {
            known
        } else {
            // A size alone from the listing: the time is asked (MDTM), not the size.
            try source.stat(self.source, readingNext: binary && !continuing, knownSize: known?.size)
        }
        let size = binary ? facts?.size : nil
        let stamp = SourceStamp(size: size, modified: facts?.modified)
        let staging = destination.stagingPath(for: self.destination)
        var offset: UInt64 = 0
        if continuing, binary, stamp.identifies, owned == stamp, let size, let existing = try destination.size(of: staging), existing <= size {
            offset = existing
        }
        var digest = check.map { ContentDigest($0.algorithm) }
        if offset > 0, let running = digest {
            // The bytes already there count too: read from whichever side reads cheaply, else
            // the two servers' digests are compared at the end.
            if source.readsCheaply {
                try Self.hash(source, self.source, upTo: offset, into: running)
            } else if destination.readsCheaply {
                try Self.hash(destination, staging, upTo: offset, into: running)
            } else {
                digest = nil
            }
        }
        var progress = TransferProgress(name: source.name(of: self.source), completedBytes: offset, totalBytes: facts?.size, resumedFrom: offset)
        onProgress(progress)
        if offset == 0 || offset != size {
            let blockSize = settings.effectiveBlockSize
            // The source's digest is asked once the bytes are in, unless the destination gives one.
            let askedOfSource = destination.digestCommand == check ? nil : check
            let askedOfDestination = digest != nil && destination.digestCommand == check ? check : nil
            let reader = try source.openReader(self.source, from: offset, type: settings.transferType, digestAfter: askedOfSource)
            var began = false
            do {
                try destination.write(staging, from: offset, totalSize: size, blockSize: blockSize, type: settings.transferType, digestAfter: askedOfDestination) { buffer in
                    let count = try reader.read(into: buffer)
                    if !began {
                        // The destination takes the bytes (or the end): what it holds from here
                        // on is ours. A source that failed at once leaves it as it was.
                        began = true
                        owned = stamp
                        journal?.began(stamp)
                    }
                    guard count > 0 else { return 0 }
                    settings.rateLimiter?.take(count)
                    digest?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    progress.completedBytes += UInt64(count)
                    onProgress(progress)
                    return count
                }
            } catch {
                throw reader.finish() ?? error
            }
            if let failure = reader.finish() { throw failure }
            // Over TLS only close_notify tells a file's end from a connection cut: with no size
            // to hold the bytes against and no digest to come, such an end is taken for a cut.
            if size == nil, digest == nil, reader.mayBeCutShort { throw UnconfirmedEnd(received: progress.completedBytes, ascii: !binary) }
        }
        let stored = binary ? try destination.size(of: staging) ?? progress.completedBytes : progress.completedBytes
        if let size, stored != size { throw IncompleteTransfer(received: stored, expected: size) }
        let verification = try verify(source, destination, staging: staging, check: check, passed: digest, size: size)
        if let finishing, let commit = destination.commitStep(staging, to: self.destination) {
            finishing.add(commit)
        } else {
            try destination.commit(staging, to: self.destination)
        }
        return TransferOutcome(bytes: stored, verified: verification.algorithm, unverifiedBecause: verification.note, resumedFrom: offset)
    }

    /// The digest that vouched for the copy, or why the one offered could not.
    private struct Verification {
        var algorithm: DigestAlgorithm?
        var note: String?
    }

    /// Compares a server's digest — the destination's where it offers one, else the source's —
    /// with the bytes that passed (and those there before a resume); for a resumed copy between
    /// two servers, the two servers' digests. A digest the server cannot give after all leaves
    /// the copy unverified, with the reason; a mismatch throws `ChecksumMismatch`.
    private func verify(
        _ source: Source, _ destination: Destination, staging: Destination.Path, check: DigestCommand?, passed: ContentDigest?, size: UInt64?
    ) throws -> Verification {
        guard let check else { return Verification() }
        let onDestination = destination.digestCommand == check
        do {
            if let passed {
                let theirs = onDestination
                    ? try destination.digest(of: staging, using: check, size: size) : try source.digest(of: self.source, using: check, size: size)
                guard theirs == passed.finish() else { throw ChecksumMismatch(algorithm: check.algorithm, received: !onDestination) }
                return Verification(algorithm: check.algorithm)
            }
            guard source.digestCommand == check else {
                return Verification(note: "after a resume only the two servers' digests could tell, and the source offers no \(check)")
            }
            let theirs = try destination.digest(of: staging, using: check, size: size)
            guard theirs == (try source.digest(of: self.source, using: check, size: size)) else {
                throw ChecksumMismatch(algorithm: check.algorithm, received: false)
            }
            return Verification(algorithm: check.algorithm)
        } catch let error as FTPError where [.permanent, .temporary, .protocolViolation].contains(error.kind) {
            // A server that offers a digest and then cannot give one: unverified, saying why.
            return Verification(note: "\(check): \(error)")
        }
    }

    /// Adds the first `count` bytes of a file to `digest`.
    private static func hash<System: FileSystem>(_ system: System, _ path: System.Path, upTo count: UInt64, into digest: ContentDigest) throws {
        let blockSize = 256 * 1024
        let reader = try system.openReader(path, from: 0, type: .binary)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = count
        while remaining > 0 {
            let read = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(UInt64(blockSize), remaining))]))
            guard read > 0 else { throw IncompleteTransfer(received: count - remaining, expected: count) }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<read]))
            remaining -= UInt64(read)
        }
        if let failure = reader.finish() { throw failure }
    }
}

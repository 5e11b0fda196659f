import Foundation
import FTP

/// One file's job, whichever way it goes — in a batch of `get`, `put`, `cp`, `resume`, or a
/// commander copy: first what `policy` (`--overwrite`, the commander's answer to a conflict)
/// says about a file already at the destination — leave it, copy beside it under a free name,
/// continue it — then the copy.
public struct FileJob<Source: FileSystem, Destination: FileSystem>: Sendable {
    /// The copy as asked for, before the policy placed it.
    public var copy: FileCopy<Source, Destination>
    public var policy: OverwritePolicy
    /// What the other jobs of the batch write: a free name (`rename`) must be free of them too.
    public var claims: DestinationClaims?

    public init(_ copy: FileCopy<Source, Destination>, policy: OverwritePolicy, claims: DestinationClaims? = nil) {
        self.copy = copy
        self.policy = policy
        self.claims = claims
    }

    /// Places the copy and runs it, as `FileCopy.run` does. Throws `TransferSkipped` when the
    /// policy leaves the file.
    @discardableResult
    public func run(
        from source: FileSystemAccess<Source>, to destination: FileSystemAccess<Destination>, retry: RetryPolicy = RetryPolicy(),
        journal: JournalEntry? = nil, onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        try placed(from: source.open(), to: destination.open())
            .run(from: source, to: destination, retry: retry, journal: journal, onRetry: onRetry, onProgress: onProgress)
    }

    /// Runs the job as a transfer of the queue: with the context's place in the journal, the
    /// stamp of the source an earlier job was writing the destination from, and its callbacks.
    @discardableResult
    public func run(
        from source: FileSystemAccess<Source>, to destination: FileSystemAccess<Destination>, retry: RetryPolicy, context: TransferContext
    ) throws -> TransferOutcome {
        var job = self
        job.copy.settings.ownedStamp = context.ownedStamp
        return try job.run(
            from: source, to: destination, retry: retry, journal: context.journal, onRetry: context.onRetry, onProgress: context.onProgress)
    }

    /// The copy where the policy puts it, and whether it continues what is there. The
    /// destination is looked at only by the policies that look; the source only by those that
    /// compare.
    public func placed(from source: Source, to destination: Destination) throws -> FileCopy<Source, Destination> {
        var placed = copy
        placed.settings.continues = policy == .resume
        guard policy.looksAtDestination, let existing = try destination.stat(copy.destination) else { return placed }
        let asked = copy
        let (suffix, continues) = try policy.place(
            over: existing,
            source: { try asked.wholeKnownSource ?? source.stat(asked.source) ?? FileFacts(size: nil, modified: nil) },
            isFree: {
                let candidate = destination.path(asked.destination, suffixed: $0)
                let facts = try destination.stat(candidate)
                // Every other name would be as unknown: no free one can be found.
                if facts == .mayExist {
                    throw FTPError(kind: .protocolViolation, detail: "no free name beside the destination: its folder's listing is incomplete")
                }
                guard facts == nil, let claims else { return facts == nil }
                // Nor where the name's copy is written until complete (`NAME.1.part`, a file of the batch too).
                let staging = destination.stagingPath(for: candidate)
                return (staging == candidate || !claims.holds(destination.bytes(of: staging))) && claims.claim(destination.bytes(of: candidate))
            })
        placed.destination = destination.path(copy.destination, suffixed: suffix)
        placed.settings.continues = continues
        return placed
    }
}

/// The destinations of a batch's jobs, by the bytes of their paths, and the free names its
/// `rename` jobs took: a job that looks for a free name beside a file it must not replace takes
/// one that no other job of the batch writes, nor another such job took first.
public final class DestinationClaims: Sendable {
    private let claimed: Locked<Set<[UInt8]>>

    /// Claims made for the batch's own destinations.
    public init(_ destinations: some Sequence<[UInt8]>) {
        claimed = Locked(Set(destinations))
    }

    /// Claims `path` for one job: false when it was claimed before.
    func claim(_ path: [UInt8]) -> Bool {
        claimed.withLock { $0.insert(path).inserted }
    }

    /// Whether `path` is claimed.
    func holds(_ path: [UInt8]) -> Bool {
        claimed.withLock { $0.contains(path) }
    }
}

import FTP
import FTPWire

/// A server's file to a local path: `LOCAL.part` beside it, renamed into place once complete
/// and verified.
public typealias FileDownload = FileCopy<RemoteFileSystem, LocalFileSystem>
/// A local file to a server, written in place.
public typealias FileUpload = FileCopy<LocalFileSystem, RemoteFileSystem>
/// One server's file to another server (or the same), streamed through this process: no
/// temporary file, no FXP.
public typealias RemoteCopy = FileCopy<RemoteFileSystem, RemoteFileSystem>

extension FileCopy where Source == RemoteFileSystem, Destination == LocalFileSystem {
    public init(remotePath: RemotePath, localPath: String, settings: TransferSettings = TransferSettings()) {
        self.init(from: remotePath, to: localPath, settings: settings)
    }

    /// The partial file beside the target.
    public var partPath: String { LocalFileSystem().stagingPath(for: destination) }

    /// Runs the download on `session`, as `run(from:to:…)` says.
    @discardableResult
    public func run(
        on session: RemoteSession, retry: RetryPolicy = RetryPolicy(), journal: JournalEntry? = nil,
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        try run(from: .server(session), to: .local, retry: retry, journal: journal, onRetry: onRetry, onProgress: onProgress)
    }
}

extension FileCopy where Source == LocalFileSystem, Destination == RemoteFileSystem {
    public init(localPath: String, remotePath: RemotePath, settings: TransferSettings = TransferSettings()) {
        self.init(from: localPath, to: remotePath, settings: settings)
    }

    /// Runs the upload on `session`, as `run(from:to:…)` says.
    @discardableResult
    public func run(
        on session: RemoteSession, retry: RetryPolicy = RetryPolicy(), journal: JournalEntry? = nil,
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        try run(from: .local, to: .server(session), retry: retry, journal: journal, onRetry: onRetry, onProgress: onProgress)
    }
}

extension FileCopy where Source == RemoteFileSystem, Destination == RemoteFileSystem {
    /// Runs the copy from `source` to `destination` (two sessions, even on one server), as
    /// `run(from:to:…)` says; always binary.
    @discardableResult
    public func run(
        from source: RemoteSession, to destination: RemoteSession, retry: RetryPolicy = RetryPolicy(), journal: JournalEntry? = nil,
        onRetry: (any Error, Double) -> Void = { _, _ in }, onProgress: (TransferProgress) -> Void = { _ in }
    ) throws -> TransferOutcome {
        var copy = self
        copy.settings.transferType = .binary
        return try copy.run(from: .server(source), to: .server(destination), retry: retry, journal: journal, onRetry: onRetry, onProgress: onProgress)
    }
}

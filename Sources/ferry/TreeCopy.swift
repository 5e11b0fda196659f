import Commander
import Foundation
import FTP
import FTPWire
import Transfers

/// Copies one entry of a pane, a file or a whole folder, between a local folder and a server or
/// between two servers. Names from a server are checked before anything is written: none can
/// lead outside the destination folder. A file that exists at the destination is dealt with as
/// the request's `onConflict` says (replaced when it says nothing), file by file.
struct TreeCopy {
    /// The source's server, or the one server of a copy to or from the disk.
    let session: RemoteSession
    /// The destination's server when both sides are servers (a connection apart, even to the same one).
    let destination: RemoteSession?
    let retry: RetryPolicy
    /// The bucket that holds every transfer of the commander to `--limit-rate`; nil for none.
    let rateLimiter: RateLimiter?
    let meter: ProgressPoster
    /// Where each file copied is journalled until it is done.
    let journal: JournalFile?
    /// What to do about a file that exists at the destination.
    let policy: OverwritePolicy

    /// How a copy went: which sources were copied, which were left (and why), and whether the
    /// server's digest vouched for every file copied.
    struct Outcome {
        /// A source copied: a local path, or a path on the source's server.
        enum Source {
            case local(String)
            case remote(RemotePath)
        }

        var copied: [Source] = []
        var skipped: [String] = []
        var allVerified = true

        /// Whether there was something copied and the server's digest checked all of it.
        var verified: Bool { allVerified && !copied.isEmpty }
    }

    init(
        session: RemoteSession, destination: RemoteSession?, retry: RetryPolicy, meter: ProgressPoster, journal: JournalFile?,
        onConflict: ConflictPolicy?, rateLimiter: RateLimiter?
    ) {
        self.rateLimiter = rateLimiter
        self.session = session
        self.destination = destination
        self.retry = retry
        self.meter = meter
        self.journal = journal
        policy = onConflict.flatMap { OverwritePolicy(rawValue: $0.rawValue) } ?? .overwrite
    }

    func copy(_ request: TransferRequest) throws -> Outcome {
        switch (request.source, request.destination, destination) {
        case (.remote(_, let directory), .local(let folder), _):
            try download(try ListedName.remote(request.entry, in: directory, to: "copy"), request.entry, into: folder)
        case (.local(let folder), .remote(_, let directory), _):
            try upload(try ListedName.local(request.entry, in: folder, to: "copy"), request.entry, into: directory)
        case (.remote(_, let from), .remote(_, let to), .some(let destination)):
            try copy(try ListedName.remote(request.entry, in: from, to: "copy"), request.entry, into: to, on: destination)
        default:
            throw FTPError(kind: .usage, detail: "this copy needs a server on at least one side")
        }
    }

    private func copy(_ path: RemotePath, _ entry: ListingEntry, into directory: RemotePath, on destination: RemoteSession) throws -> Outcome {
        guard SafeName.isSafe(entry.name) else {
            throw FTPError(kind: .usage, detail: "refusing to write a file called \(SafeName.shown(entry.name)): it is not a plain file name")
        }
        let target = directory.appending(RemotePath(entry.name))
        let walk = entry.kind == .directory
            ? try TreeWalk(from: RemoteFileSystem(client: session.connection()), to: RemoteFileSystem(client: destination.connection()))
                .copy(path, to: target).mapFiles { (source: $0.source, destination: $0.destination) }
            : (files: [(source: path, destination: target)], refused: [])
        let (from, to) = (session.endpoint.url.withoutPassword, destination.endpoint.url.withoutPassword)
        return try copyFiles(of: walk) { file in
            let writer = try destination.connection()
            let (suffix, continues) = try place(
                over: { try PutCommand.remoteFacts(file.destination, client: writer) },
                source: {
                    let reader = try session.connection()
                    return FileFacts(size: try? reader.size(file.source), modified: try? reader.mdtm(file.source))
                },
                isFree: { try PutCommand.remoteFacts(RemotePath(bytes: file.destination.bytes + Array($0.utf8)), client: writer) == nil })
            let target = RemotePath(bytes: file.destination.bytes + Array(suffix.utf8))
            let record = JobRecord(kind: .copy, source: from.with(path: file.source).description, destination: to.with(path: target).description)
            return (.remote(file.source), try journalled(record) { entry in
                try RemoteCopy(from: file.source, to: target, settings: TransferSettings(continues: continues, rateLimiter: rateLimiter))
                    .run(from: session, to: destination, retry: retry, journal: entry, onProgress: { meter.report($0) })
            })
        }
    }

    private func download(_ path: RemotePath, _ entry: ListingEntry, into folder: String) throws -> Outcome {
        let target = try ListedName.local(entry, in: folder, to: "write a file called")
        let walk = entry.kind == .directory
            ? try TreeWalk(from: RemoteFileSystem(client: session.connection()), to: LocalFileSystem()).copy(path, to: target)
                .mapFiles { FileCopy(remote: $0.source, local: $0.destination) }
            : (files: [FileCopy(remote: path, local: target)], refused: [])
        return try copyFiles(of: walk) { file in
            let (suffix, continues) = try place(
                over: { FileFacts(localPath: file.local) },
                source: {
                    let client = try session.connection()
                    return FileFacts(size: try? client.size(file.remote), modified: try? client.mdtm(file.remote))
                },
                isFree: { !FileManager.default.fileExists(atPath: file.local + $0) })
            let copy = FileCopy(remote: file.remote, local: file.local + suffix)
            return (.remote(file.remote), try journalled(.download(copy, from: session.endpoint.url, ascii: false, overwrite: nil)) { entry in
                try FileDownload(remotePath: copy.remote, localPath: copy.local, settings: TransferSettings(continues: continues, rateLimiter: rateLimiter))
                    .run(on: session, retry: retry, journal: entry, onProgress: { meter.report($0) })
            })
        }
    }

    private func upload(_ path: String, _ entry: ListingEntry, into directory: RemotePath) throws -> Outcome {
        let target = try ListedName.remote(entry, in: directory, to: "write a file called")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LocalFileError(path: path, action: "cannot read", errno: ENOENT)
        }
        // A folder reached through a link could lead round in a circle: copy real folders only.
        if isDirectory.boolValue, entry.kind != .directory {
            throw LocalFileError(path: path, action: "not following the link to a folder", errno: ELOOP)
        }
        let walk = isDirectory.boolValue
            ? try TreeWalk(from: LocalFileSystem(), to: RemoteFileSystem(client: session.connection())).copy(path, to: target)
                .mapFiles { FileCopy(remote: $0.destination, local: $0.source) }
            : (files: [FileCopy(remote: target, local: path)], refused: [])
        return try copyFiles(of: walk) { file in
            let client = try session.connection()
            let (suffix, continues) = try place(
                over: { try PutCommand.remoteFacts(file.remote, client: client) },
                source: { FileFacts(localPath: file.local) ?? FileFacts(size: nil, modified: nil) },
                isFree: { try PutCommand.remoteFacts(RemotePath(bytes: file.remote.bytes + Array($0.utf8)), client: client) == nil })
            let copy = FileCopy(remote: RemotePath(bytes: file.remote.bytes + Array(suffix.utf8)), local: file.local)
            return (.local(file.local), try journalled(.upload(copy, to: session.endpoint.url, ascii: false, overwrite: nil)) { entry in
                try FileUpload(localPath: copy.local, remotePath: copy.remote, settings: TransferSettings(continues: continues, rateLimiter: rateLimiter))
                    .run(on: session, retry: retry, journal: entry, onProgress: { meter.report($0) })
            })
        }
    }

    /// Where a file goes as the policy says about what is at its destination (`existing`, nil
    /// when nothing is): a suffix to its name and whether to continue it. Throws
    /// `TransferSkipped` when it is not to be copied.
    private func place(
        over existing: () throws -> FileFacts?, source: () throws -> FileFacts, isFree: (String) throws -> Bool
    ) throws -> (suffix: String, continues: Bool) {
        guard policy.looksAtDestination else { return ("", policy == .resume) }
        guard let facts = try existing() else { return ("", false) }
        return try policy.place(over: facts, source: source, isFree: isFree)
    }

    /// Runs one file's transfer with its record in the journal until it is done.
    private func journalled(_ record: JobRecord, _ transfer: (JournalEntry?) throws -> TransferOutcome) throws -> TransferOutcome {
        let entry = journal?.add(record)
        do {
            let outcome = try transfer(entry)
            entry?.ended()
            return outcome
        } catch {
            // A copy the user cancelled is over; one that failed waits for a resume.
            if session.cancellation.isCancelled || destination?.cancellation.isCancelled == true { entry?.ended() } else { entry?.failed("\(error)") }
            throw error
        }
    }

    /// Copies each file a walk found with `transfer`, the meter restarted for each, and notes
    /// which were copied and which skipped; then fails with what the walk left alone, if anything.
    private func copyFiles<File>(
        of walk: (files: [File], refused: [String]), _ transfer: (File) throws -> (Outcome.Source, TransferOutcome)
    ) throws -> Outcome {
        var outcome = Outcome()
        for file in walk.files {
            meter.begin()
            do {
                let (source, result) = try transfer(file)
                outcome.copied.append(source)
                if result.verified == nil { outcome.allVerified = false }
            } catch let skipped as TransferSkipped {
                outcome.skipped.append(skipped.reason)
            }
        }
        guard let first = walk.refused.first else { return outcome }
        throw FTPError(kind: .protocolViolation, detail: walk.refused.count == 1 ? first : "\(first) (and \(walk.refused.count - 1) more)")
    }
}

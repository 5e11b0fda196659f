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
    /// The journals of earlier runs, whose stopped jobs a continuing copy takes over.
    let journalFolder: Journal
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
        /// Files asked to continue that were copied from byte 0: what the destination held was
        /// not written by a Ferry copy of the same source (or that source changed since).
        var startedOver = 0

        /// Whether there was something copied and the server's digest checked all of it.
        var verified: Bool { allVerified && !copied.isEmpty }
    }

    init(
        session: RemoteSession, destination: RemoteSession?, retry: RetryPolicy, meter: ProgressPoster, journal: JournalFile?,
        journalFolder: Journal, onConflict: ConflictPolicy?, rateLimiter: RateLimiter?
    ) {
        self.rateLimiter = rateLimiter
        self.session = session
        self.destination = destination
        self.retry = retry
        self.meter = meter
        self.journal = journal
        self.journalFolder = journalFolder
        policy = onConflict.flatMap { OverwritePolicy(rawValue: $0.rawValue) } ?? .overwrite
    }

    func copy(_ request: TransferRequest) throws -> Outcome {
        switch (request.source, request.destination, destination) {
        case (.remote(_, let directory), .local(let folder), _):
            let path = try ListedName.remote(request.entry, in: directory, to: "copy")
            let url = session.endpoint.url
            return try copy(
                path, as: try ListedName.local(request.entry, in: folder, to: "write a file called"), isFolder: request.entry.kind == .directory,
                from: .server(session), to: .local, copied: Outcome.Source.remote,
                record: { .download(FilePair(remote: $0, local: $1), from: url, ascii: false, overwrite: nil) })
        case (.local(let folder), .remote(_, let directory), _):
            let path = try ListedName.local(request.entry, in: folder, to: "copy")
            let url = session.endpoint.url
            return try copy(
                path, as: try ListedName.remote(request.entry, in: directory, to: "write a file called"), isFolder: try Self.isRealFolder(path, request.entry),
                from: .local, to: .server(session), copied: Outcome.Source.local,
                record: { .upload(FilePair(remote: $1, local: $0), to: url, ascii: false, overwrite: nil) })
        case (.remote(_, let from), .remote(_, let to), .some(let destination)):
            let path = try ListedName.remote(request.entry, in: from, to: "copy")
            guard SafeName.isSafe(request.entry.name) else {
                throw FTPError(kind: .usage, detail: "refusing to write a file called \(SafeName.shown(request.entry.name)): it is not a plain file name")
            }
            let (source, target) = (session.endpoint.url.withoutPassword, destination.endpoint.url.withoutPassword)
            let written = to.appending(RemotePath(request.entry.name))
            let ends = try OneServerCopy(from: session.endpoint, reading: session.connection(), to: destination.endpoint, writing: destination.connection())
            switch ends.overlap(copying: path, to: written, recursive: request.entry.kind == .directory) {
            case .sameFile:
                let what = request.entry.kind == .directory ? "folder" : "file"
                throw FTPError(kind: .usage, detail: "\(source.with(path: path)) and \(target.with(path: written)) are the same \(what)")
            case .intoItself: throw FTPError(kind: .usage, detail: "cannot copy \(source.with(path: path)) into itself")
            case nil: break
            }
            return try copy(
                path, as: written, isFolder: request.entry.kind == .directory,
                from: .server(session), to: .server(destination), copied: Outcome.Source.remote,
                record: { JobRecord(kind: .copy, source: source.with(path: $0).description, destination: target.with(path: $1).description) })
        default:
            throw FTPError(kind: .usage, detail: "this copy needs a server on at least one side")
        }
    }

    /// Whether a local entry to upload is a folder to walk: a real one only, since a folder
    /// reached through a link could lead round in a circle.
    private static func isRealFolder(_ path: String, _ entry: ListingEntry) throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LocalFileError(path: path, action: "cannot read", errno: ENOENT)
        }
        if isDirectory.boolValue, entry.kind != .directory {
            throw LocalFileError(path: path, action: "not following the link to a folder", errno: ELOOP)
        }
        return isDirectory.boolValue
    }

    /// Copies a file, or (`isFolder`) every file of a folder tree, from one file system to
    /// another: each file placed as the policy says, journalled, and run by the engine's one
    /// per-file job. `record` is the journal's record of a file and where it goes.
    private func copy<Source: FileSystem, Destination: FileSystem>(
        _ path: Source.Path, as target: Destination.Path, isFolder: Bool,
        from source: FileSystemAccess<Source>, to destination: FileSystemAccess<Destination>,
        copied: (Source.Path) -> Outcome.Source, record: (Source.Path, Destination.Path) -> JobRecord
    ) throws -> Outcome {
        let walk = isFolder
            ? try TreeWalk(from: source.open(), to: destination.open()).copy(path, to: target).mapFiles { (source: $0.source, destination: $0.destination) }
            : (files: [(source: path, destination: target)], refused: [])
        return try copyFiles(of: walk) { file in
            let job = FileJob(FileCopy<Source, Destination>(from: file.source, to: file.destination, settings: TransferSettings(rateLimiter: rateLimiter)), policy: policy)
            var placed = try job.placed(from: source.open(), to: destination.open())
            let outcome = try journalled(record(file.source, placed.destination)) { entry, owned in
                placed.settings.ownedStamp = owned
                return try placed.run(from: source, to: destination, retry: retry, journal: entry, onProgress: { meter.report($0) })
            }
            return (copied(file.source), outcome, placed.settings.continues)
        }
    }

    /// Runs one file's transfer with its record in the journal until it is done. A copy that
    /// continues takes over the job of a Ferry copy that stopped or failed writing the same file
    /// from the same source, with the stamp of that source: its bytes are continued while the
    /// source is unchanged (the journal's rule); anything else starts from byte 0.
    private func journalled(_ record: JobRecord, _ transfer: (JournalEntry?, SourceStamp?) throws -> TransferOutcome) throws -> TransferOutcome {
        let owned = policy == .resume ? journal?.takeOver(record) ?? journalFolder.adopt([record])[record] : nil
        let entry = journal?.add(record, stamp: owned)
        do {
            let outcome = try transfer(entry, owned)
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
        of walk: (files: [File], refused: [String]), _ transfer: (File) throws -> (Outcome.Source, TransferOutcome, continues: Bool)
    ) throws -> Outcome {
        var outcome = Outcome()
        for file in walk.files {
            meter.begin()
            do {
                let (source, result, continues) = try transfer(file)
                outcome.copied.append(source)
                if result.verified == nil { outcome.allVerified = false }
                if continues, result.resumedFrom == 0 { outcome.startedOver += 1 }
            } catch let skipped as TransferSkipped {
                outcome.skipped.append(skipped.reason)
            }
        }
        guard let first = walk.refused.first else { return outcome }
        throw FTPError(kind: .protocolViolation, detail: walk.refused.count == 1 ? first : "\(first) (and \(walk.refused.count - 1) more)")
    }
}

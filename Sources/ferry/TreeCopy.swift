import Commander
import Foundation
import FTP
import FTPWire
import Transfers

/// Copies one entry of a pane, a file or a whole folder, between a local folder and a server or
/// between two servers. Names from a server are checked before anything is written: none can
/// lead outside the destination folder.
struct TreeCopy {
    /// The source's server, or the one server of a copy to or from the disk.
    let session: RemoteSession
    /// The destination's server when both sides are servers (a connection apart, even to the same one).
    let destination: RemoteSession?
    let retry: RetryPolicy
    let meter: ProgressPoster
    /// Where each file copied is journalled until it is done.
    let journal: JournalFile?

    func copy(_ request: TransferRequest) throws {
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

    private func copy(_ path: RemotePath, _ entry: ListingEntry, into directory: RemotePath, on destination: RemoteSession) throws {
        guard SafeName.isSafe(entry.name) else {
            throw FTPError(kind: .usage, detail: "refusing to write a file called \(SafeName.shown(entry.name)): it is not a plain file name")
        }
        let target = directory.appending(RemotePath(entry.name))
        let walk = entry.kind == .directory
            ? try TreeWalk(from: RemoteFileSystem(client: session.connection()), to: RemoteFileSystem(client: destination.connection()))
                .copy(path, to: target).mapFiles { (source: $0.source, destination: $0.destination) }
            : (files: [(source: path, destination: target)], refused: [])
        let (from, to) = (session.endpoint.url.withoutPassword, destination.endpoint.url.withoutPassword)
        try copyFiles(of: walk) { file in
            let record = JobRecord(kind: .copy, source: from.with(path: file.source).description, destination: to.with(path: file.destination).description)
            try journalled(record) { entry in
                try RemoteCopy(from: file.source, to: file.destination).run(from: session, to: destination, retry: retry, journal: entry, onProgress: { meter.report($0) })
            }
        }
    }

    private func download(_ path: RemotePath, _ entry: ListingEntry, into folder: String) throws {
        let target = try ListedName.local(entry, in: folder, to: "write a file called")
        let walk = entry.kind == .directory
            ? try TreeWalk(from: RemoteFileSystem(client: session.connection()), to: LocalFileSystem()).copy(path, to: target)
                .mapFiles { FileCopy(remote: $0.source, local: $0.destination) }
            : (files: [FileCopy(remote: path, local: target)], refused: [])
        try copyFiles(of: walk) { file in
            try journalled(.download(file, from: session.endpoint.url, ascii: false, overwrite: nil)) { entry in
                try FileDownload(remotePath: file.remote, localPath: file.local).run(on: session, retry: retry, journal: entry, onProgress: { meter.report($0) })
            }
        }
    }

    private func upload(_ path: String, _ entry: ListingEntry, into directory: RemotePath) throws {
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
        try copyFiles(of: walk) { file in
            try journalled(.upload(file, to: session.endpoint.url, ascii: false, overwrite: nil)) { entry in
                try FileUpload(localPath: file.local, remotePath: file.remote).run(on: session, retry: retry, journal: entry, onProgress: { meter.report($0) })
            }
        }
    }

    /// Runs one file's transfer with its record in the journal until it is done.
    private func journalled(_ record: JobRecord, _ transfer: (JournalEntry?) throws -> TransferOutcome) throws {
        let entry = journal?.add(record)
        do {
            _ = try transfer(entry)
            entry?.ended()
        } catch {
            entry?.failed("\(error)")
            throw error
        }
    }

    /// Copies each file a walk found with `transfer`, the meter restarted for each; then fails
    /// with what the walk left alone, if anything.
    private func copyFiles<File>(of walk: (files: [File], refused: [String]), _ transfer: (File) throws -> Void) throws {
        for file in walk.files {
            meter.begin()
            try transfer(file)
        }
        guard let first = walk.refused.first else { return }
        throw FTPError(kind: .protocolViolation, detail: walk.refused.count == 1 ? first : "\(first) (and \(walk.refused.count - 1) more)")
    }
}

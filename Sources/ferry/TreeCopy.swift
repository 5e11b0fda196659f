import Commander
import Foundation
import FTP
import FTPWire
import Transfers

/// Copies one entry of a pane, a file or a whole folder, between a local folder and a server.
/// Names from the server are checked before anything is written: none can lead outside the
/// destination folder.
struct TreeCopy {
    let session: RemoteSession
    let retry: RetryPolicy
    let meter: ProgressMeter

    func copy(_ request: TransferRequest) throws {
        switch (request.source, request.destination) {
        case (.remote(_, let directory), .local(let folder)):
            try download(try ListedName.remote(request.entry, in: directory, to: "copy"), request.entry, into: folder)
        case (.local(let folder), .remote(_, let directory)):
            try upload(try ListedName.local(request.entry, in: folder, to: "copy"), request.entry, into: directory)
        default:
            throw FTPError(kind: .usage, detail: "this copy needs one local and one remote pane")
        }
    }

    private func download(_ path: RemotePath, _ entry: ListingEntry, into folder: String) throws {
        let target = try ListedName.local(entry, in: folder, to: "write a file called")
        let walk = entry.kind == .directory
            ? try TreeWalk(client: session.connection()).download(path, to: target)
            : WalkResult(files: [FileCopy(remote: path, local: target)])
        try copyFiles(of: walk) { file in
            try FileDownload(remotePath: file.remote, localPath: file.local).run(on: session, retry: retry, onProgress: { meter.report($0) })
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
            ? try TreeWalk(client: session.connection()).upload(path, to: target)
            : WalkResult(files: [FileCopy(remote: target, local: path)])
        try copyFiles(of: walk) { file in
            try FileUpload(localPath: file.local, remotePath: file.remote).run(on: session, retry: retry, onProgress: { meter.report($0) })
        }
    }

    /// Copies each file a walk found with `transfer`, the meter restarted for each; then fails
    /// with what the walk left alone, if anything.
    private func copyFiles(of walk: WalkResult, _ transfer: (FileCopy) throws -> Void) throws {
        for file in walk.files {
            meter.begin(at: 0)
            try transfer(file)
        }
        guard let first = walk.refused.first else { return }
        throw FTPError(kind: .protocolViolation, detail: walk.refused.count == 1 ? first : "\(first) (and \(walk.refused.count - 1) more)")
    }
}

/// Reads a local folder into listing entries; one that cannot be read (a name that is not
/// UTF-8, or gone meanwhile) is listed as `other`.
enum LocalDirectory {
    static func entries(at path: String) -> Result<[ListingEntry], ListingFailure> {
        guard let directory = opendir(path) else { return .failure(ListingFailure("\(path): \(String(cString: strerror(errno)))")) }
        defer { closedir(directory) }
        var entries: [ListingEntry] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            var status = stat()
            guard lstat(full, &status) == 0 else {
                entries.append(ListingEntry(name: name, kind: .other))
                continue
            }
            let kind: ListingEntry.Kind = switch status.st_mode & S_IFMT {
            case S_IFDIR: .directory
            case S_IFREG: .file
            case S_IFLNK: .link
            default: .other
            }
            var target: String?
            if kind == .link, let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: full) { target = destination }
            entries.append(ListingEntry(
                name: name, kind: kind, size: kind == .directory ? nil : UInt64(max(0, status.st_size)),
                modified: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)), target: target,
                permissions: UnixPermissions.fromOctal(String(status.st_mode & 0o777, radix: 8))))
        }
        return .success(entries)
    }
}

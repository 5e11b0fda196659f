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
            try download(directory.appending(request.entry.remoteName), request.entry, into: folder)
        case (.local(let folder), .remote(_, let directory)):
            try upload(folder + "/" + request.entry.name, request.entry, into: directory)
        default:
            throw FTPError(kind: .usage, detail: "this copy needs one local and one remote pane")
        }
    }

    private func download(_ path: RemotePath, _ entry: ListingEntry, into folder: String) throws {
        guard SafeName.isSafe(entry.name) else {
            throw FTPError(kind: .usage, detail: "refusing to write a file called \(SafeName.shown(entry.name)): it is not a plain file name")
        }
        let target = folder + "/" + entry.name
        if entry.kind == .directory {
            try createFolder(target)
            for child in try session.connection().listDirectory(path) {
                try download(path.appending(child.remoteName), child, into: target)
            }
            return
        }
        meter.begin(at: 0)
        try FileDownload(remotePath: path, localPath: target).run(on: session, retry: retry, onProgress: { meter.report($0) })
    }

    private func upload(_ path: String, _ entry: ListingEntry, into directory: RemotePath) throws {
        let target = directory.appending(RemotePath(entry.name))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LocalFileError(path: path, action: "cannot read", errno: ENOENT)
        }
        if isDirectory.boolValue {
            // A folder reached through a link could lead round in a circle: copy real folders only.
            guard entry.kind == .directory else { return }
            let client = try session.connection()
            do {
                try client.mkd(target)
            } catch let error as FTPError where error.kind == .permanent {
                // Most likely there already; the uploads inside will say if not.
            }
            guard case .success(let children) = LocalDirectory.entries(at: path) else { return }
            for child in children {
                try upload(path + "/" + child.name, child, into: target)
            }
            return
        }
        meter.begin(at: 0)
        try FileUpload(localPath: path, remotePath: target).run(on: session, retry: retry, onProgress: { meter.report($0) })
    }

    private func createFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        guard mkdir(path, 0o755) == 0 else { throw LocalFileError(path: path, action: "cannot make the folder") }
    }
}

/// Reads a local folder into listing entries.
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
            guard lstat(full, &status) == 0 else { continue }
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

import Commander
import Foundation
import FTP
import FTPWire
import Transfers

/// One file of a recursive copy: the server's path and the local path.
struct FileCopy {
    let remote: RemotePath
    let local: String
}

/// What a walk found: the files to copy, and the server's entries refused for their names.
struct WalkResult {
    var files: [FileCopy] = []
    var refused: [String] = []
}

/// Walks a folder tree for a recursive copy, making the destination's folders on the way, and
/// returns the files to copy. Names from the server are checked before anything is made: one
/// that could lead outside the destination is refused (and the rest still copied). Links to
/// folders are not followed, and a tree deeper than `maximumDepth` is refused (a server could
/// otherwise lead a walk down for ever).
struct TreeWalk {
    let client: FTPClient
    /// Names (globs) to leave out, files and folders alike.
    var excluded: [String] = []
    /// When not empty, the only file names to copy; folders are always walked.
    var included: [String] = []

    static let maximumDepth = 64

    /// The files under the server's folder `path`, with `target` made as the local folder they go in.
    func download(_ path: RemotePath, to target: String) throws -> WalkResult {
        var result = WalkResult()
        try download(path, to: target, depth: 0, into: &result)
        return result
    }

    /// The files under the local folder `path`, with `target` made on the server as the folder they go in.
    func upload(_ path: String, to target: RemotePath) throws -> [FileCopy] {
        var files: [FileCopy] = []
        try upload(path, to: target, depth: 0, into: &files)
        return files
    }

    /// Whether a file or folder called `name` is copied.
    func includes(_ name: String, isDirectory: Bool) -> Bool {
        if excluded.contains(where: { Glob.matches($0, name) }) { return false }
        return isDirectory || included.isEmpty || included.contains { Glob.matches($0, name) }
    }

    private func download(_ path: RemotePath, to target: String, depth: Int, into result: inout WalkResult) throws {
        guard depth < Self.maximumDepth else { throw FTPError(kind: .usage, detail: "\(path) is more than \(Self.maximumDepth) folders deep") }
        try Self.makeLocalFolder(target)
        for entry in try client.listDirectory(path) {
            guard SafeName.isSafe(entry.name) else {
                result.refused.append("refusing to write a file called \(SafeName.shown(entry.name)) in \(target): it is not a plain file name")
                continue
            }
            let child = path.appending(entry.remoteName)
            let local = target + "/" + entry.name
            let isDirectory = entry.kind == .directory || (entry.kind == .other && DirectoryProbe.isDirectory(child, client: client))
            guard includes(entry.name, isDirectory: isDirectory) else { continue }
            if isDirectory {
                try download(child, to: local, depth: depth + 1, into: &result)
            } else {
                result.files.append(FileCopy(remote: child, local: local))
            }
        }
    }

    private func upload(_ path: String, to target: RemotePath, depth: Int, into files: inout [FileCopy]) throws {
        guard depth < Self.maximumDepth else { throw LocalFileError(path: path, action: "walking", errno: ELOOP) }
        try makeRemoteFolder(target)
        guard case .success(let children) = LocalDirectory.entries(at: path) else {
            throw LocalFileError(path: path, action: "reading the folder")
        }
        for child in children.sorted(by: { $0.name < $1.name }) {
            // A folder reached through a link could lead round in a circle: real folders only.
            guard child.kind != .other, includes(child.name, isDirectory: child.kind == .directory) else { continue }
            let local = path + "/" + child.name
            let remote = target.appending(RemotePath(child.name))
            if child.kind == .directory {
                try upload(local, to: remote, depth: depth + 1, into: &files)
            } else if child.kind == .file || FileManager.default.fileExists(atPath: local) && !Self.isFolder(local) {
                files.append(FileCopy(remote: remote, local: local))
            }
        }
    }

    private func makeRemoteFolder(_ path: RemotePath) throws {
        do {
            try client.mkd(path)
        } catch {
            // Most likely it is there already; say so only if it is not a folder.
            guard (error as? FTPError)?.kind == .permanent, DirectoryProbe.isDirectory(path, client: client) else { throw error }
        }
    }

    /// Makes a local folder unless it is there.
    static func makeLocalFolder(_ path: String) throws {
        if isFolder(path) { return }
        guard mkdir(path, 0o755) == 0 else { throw LocalFileError(path: path, action: "making the folder") }
    }

    /// Whether a local path is a folder (or a link to one).
    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

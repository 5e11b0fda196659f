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

/// What a walk found: the files to copy, and what it left alone with the reason (names that
/// could leave the folder, folders it could not read, a tree too deep or too large).
struct WalkResult {
    var files: [FileCopy] = []
    var refused: [String] = []
}

/// Walks a folder tree for a recursive copy, making the destination's folders on the way, and
/// returns the files to copy. Names from the server are checked before anything is made: one
/// that could lead outside the destination is refused, and the rest still copied. Links to
/// folders are not followed. A server could lead a walk on for ever, so it stops at
/// `maximumDepth` folders deep and `maximumFolders` folders in all.
struct TreeWalk {
    let client: FTPClient
    /// Names (globs) to leave out, files and folders alike.
    var excluded: [String] = []
    /// When not empty, the only file names to copy; folders are always walked.
    var included: [String] = []

    static let maximumDepth = 64
    static let maximumFolders = 100_000

    /// The files under the server's folder `path`, with `target` made as the local folder they
    /// go in. Only a failure to list `path` itself is thrown.
    func download(_ path: RemotePath, to target: String) throws -> WalkResult {
        var walk = Walk()
        try Self.makeLocalFolder(target)
        try download(try client.listing(path), of: path, to: target, depth: 0, walk: &walk)
        return walk.result
    }

    /// The files under the local folder `path`, with `target` made on the server as the folder
    /// they go in. Only a failure to read `path` or make `target` is thrown.
    func upload(_ path: String, to target: RemotePath) throws -> WalkResult {
        var walk = Walk()
        try makeRemoteFolder(target)
        try upload(try Self.localEntries(path), of: path, to: target, depth: 0, walk: &walk)
        return walk.result
    }

    /// Whether a file or folder called `name` is copied.
    func includes(_ name: String, isDirectory: Bool) -> Bool {
        if excluded.contains(where: { Glob.matches($0, name) }) { return false }
        return isDirectory || included.isEmpty || included.contains { Glob.matches($0, name) }
    }

    /// Whether any filter is set.
    var filters: Bool { !excluded.isEmpty || !included.isEmpty }

    /// A walk in progress: what it found, and how many folders it entered.
    private struct Walk {
        var result = WalkResult()
        var folders = 0

        /// Whether the walk may enter one more folder `depth` deep; notes why not.
        mutating func enter(_ shown: String, depth: Int) -> Bool {
            folders += 1
            if depth >= TreeWalk.maximumDepth {
                result.refused.append("\(Sanitizer.visible(shown)) is more than \(TreeWalk.maximumDepth) folders deep; left alone")
                return false
            }
            if folders > TreeWalk.maximumFolders {
                result.refused.append("\(Sanitizer.visible(shown)): more than \(TreeWalk.maximumFolders) folders; the rest left alone")
                return false
            }
            return true
        }
    }

    private func download(_ listing: DirectoryListing, of path: RemotePath, to target: String, depth: Int, walk: inout Walk) throws {
        if !listing.isComplete {
            let count = listing.unreadableLines
            walk.result.refused.append("\(Sanitizer.visible(path.description)): \(count) line\(count == 1 ? "" : "s") of the listing could not be read; what they name is not copied")
        }
        for entry in listing.entries {
            guard entry.hasSafeName else {
                walk.result.refused.append(SafeName.refusal("write a file called", entry.name, in: target))
                continue
            }
            let child = path.appending(entry.remoteName)
            let local = target + "/" + entry.name
            let isDirectory = entry.kind == .directory || (entry.kind == .other && DirectoryProbe.isDirectory(child, client: client))
            guard includes(entry.name, isDirectory: isDirectory) else { continue }
            guard isDirectory else {
                walk.result.files.append(FileCopy(remote: child, local: local))
                continue
            }
            guard walk.enter(child.description, depth: depth + 1) else { continue }
            do {
                let children = try client.listing(child)
                try Self.makeLocalFolder(local)
                try download(children, of: child, to: local, depth: depth + 1, walk: &walk)
            } catch {
                // A lost connection ends the walk; anything else, only this folder.
                if (error as? FTPError)?.isConnectionLoss == true { throw error }
                walk.result.refused.append("cannot copy the folder \(Sanitizer.visible(child.description)): \(error)")
            }
        }
    }

    private func upload(_ entries: [ListingEntry], of path: String, to target: RemotePath, depth: Int, walk: inout Walk) throws {
        for entry in entries {
            guard entry.hasSafeName else {
                walk.result.refused.append(SafeName.refusal("copy a file called", entry.name, in: path))
                continue
            }
            let local = path + "/" + entry.name
            let remote = target.appending(RemotePath(entry.name))
            // A folder reached through a link could lead round in a circle: real folders only.
            guard entry.kind != .other, includes(entry.name, isDirectory: entry.kind == .directory) else {
                if entry.kind == .other, entry.name.contains("\u{FFFD}") {
                    walk.result.refused.append("\(Sanitizer.visible(local)): a name that is not UTF-8; left alone")
                }
                continue
            }
            if entry.kind == .file || entry.kind == .link && !Self.isFolder(local) && FileManager.default.fileExists(atPath: local) {
                walk.result.files.append(FileCopy(remote: remote, local: local))
                continue
            }
            guard entry.kind == .directory, walk.enter(local, depth: depth + 1) else { continue }
            do {
                let children = try Self.localEntries(local)
                try makeRemoteFolder(remote)
                try upload(children, of: local, to: remote, depth: depth + 1, walk: &walk)
            } catch {
                if (error as? FTPError)?.isConnectionLoss == true { throw error }
                walk.result.refused.append("cannot copy the folder \(Sanitizer.visible(local)): \(error)")
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

    /// The entries of a local folder, by name.
    static func localEntries(_ path: String) throws -> [ListingEntry] {
        switch LocalDirectory.entries(at: path) {
        case .success(let entries): entries.sorted { $0.name < $1.name }
        case .failure: throw LocalFileError(path: path, action: "reading the folder")
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

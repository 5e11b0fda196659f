import Commander
import Foundation
import FTP
import FTPWire
import Transfers

/// A change a mirror makes besides copying files: making a folder, or deleting what the source
/// no longer has. `perform` runs it, given the connection to the server.
struct MirrorStep {
    let description: String
    let perform: (FTPClient) throws -> Void
}

/// A file a mirror copies, and the source's modification time to give the copy.
struct MirrorCopy {
    let file: FileCopy
    let modified: Date?
}

/// Everything a mirror would do, found by comparing the two trees before anything changes.
struct MirrorPlan {
    var folders: [MirrorStep] = []
    var copies: [MirrorCopy] = []
    var removals: [MirrorStep] = []
    /// Files the same on both sides (by size and time).
    var upToDate = 0
    /// Entries left alone, with the reason: names that could leave the folder, a file on one
    /// side where the other has a folder.
    var refused: [String] = []
}

/// Compares a server's folder tree with a local one, in either direction. A file is copied when
/// the target lacks it, its size differs, or the source is newer; with `deletes`, what the
/// target has and the source does not is deleted (names the filters leave out are never
/// touched). Names from the server are checked as in `TreeWalk`.
struct MirrorPlanner {
    let client: FTPClient
    let walk: TreeWalk
    let deletes: Bool

    /// Plans making the local folder `local` like the server's folder `remote`.
    func download(_ remote: RemotePath, to local: String) throws -> MirrorPlan {
        var plan = MirrorPlan()
        if !TreeWalk.isFolder(local) { plan.folders.append(Self.makeLocalFolder(local)) }
        try download(remote, to: local, depth: 0, into: &plan)
        return plan
    }

    /// Plans making the server's folder `remote` like the local folder `local`.
    func upload(_ local: String, to remote: RemotePath) throws -> MirrorPlan {
        var plan = MirrorPlan()
        let exists = DirectoryProbe.isDirectory(remote, client: client)
        if !exists { plan.folders.append(Self.makeRemoteFolder(remote)) }
        try upload(local, to: remote, targetExists: exists, depth: 0, into: &plan)
        return plan
    }

    /// Whether the target's copy must be replaced by the source's file: missing, another size,
    /// or older than the source.
    static func differs(source: ListingEntry, target: ListingEntry?) -> Bool {
        guard let target else { return true }
        if let a = source.size, let b = target.size, a != b { return true }
        if let a = source.modified, let b = target.modified { return OverwritePolicy.isNewer(a, than: b) }
        return source.size == nil || target.size == nil
    }

    private func download(_ remote: RemotePath, to local: String, depth: Int, into plan: inout MirrorPlan) throws {
        guard depth < TreeWalk.maximumDepth else { throw FTPError(kind: .usage, detail: "\(remote) is more than \(TreeWalk.maximumDepth) folders deep") }
        let existing = TreeWalk.isFolder(local) ? try Self.localEntries(local) : []
        let targets = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var kept = Set<String>()
        for entry in try client.listDirectory(remote) {
            let target = local + "/" + entry.name
            guard SafeName.isSafe(entry.name) else {
                plan.refused.append("refusing to write a file called \(SafeName.shown(entry.name)) in \(local): it is not a plain file name")
                continue
            }
            let child = remote.appending(entry.remoteName)
            let isFolder = entry.kind == .directory || (entry.kind == .other && DirectoryProbe.isDirectory(child, client: client))
            guard walk.includes(entry.name, isDirectory: isFolder) else { continue }
            kept.insert(entry.name)
            let current = targets[entry.name]
            if let current, (current.kind == .directory) != isFolder {
                plan.refused.append("\(Sanitizer.visible(target)): a \(isFolder ? "folder" : "file") on the server but not here; left alone")
            } else if isFolder {
                if current == nil { plan.folders.append(Self.makeLocalFolder(target)) }
                try download(child, to: target, depth: depth + 1, into: &plan)
            } else if Self.differs(source: entry, target: current) {
                plan.copies.append(MirrorCopy(file: FileCopy(remote: child, local: target), modified: entry.modified))
            } else {
                plan.upToDate += 1
            }
        }
        guard deletes else { return }
        for entry in existing where !kept.contains(entry.name) && walk.includes(entry.name, isDirectory: entry.kind == .directory) {
            let path = local + "/" + entry.name
            plan.removals.append(MirrorStep(description: "delete \(Sanitizer.visible(path))") { _ in
                try FileManager.default.removeItem(atPath: path)
            })
        }
    }

    private func upload(_ local: String, to remote: RemotePath, targetExists: Bool, depth: Int, into plan: inout MirrorPlan) throws {
        guard depth < TreeWalk.maximumDepth else { throw LocalFileError(path: local, action: "walking", errno: ELOOP) }
        let existing = targetExists ? try client.listDirectory(remote) : []
        let targets = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var kept = Set<String>()
        for entry in try Self.localEntries(local) {
            let path = local + "/" + entry.name
            // Links to folders are not followed (they could lead round in a circle); links to files are copied.
            let isFolder = entry.kind == .directory
            guard entry.kind != .other, entry.kind != .link || !TreeWalk.isFolder(path) && FileManager.default.fileExists(atPath: path),
                  walk.includes(entry.name, isDirectory: isFolder)
            else { continue }
            kept.insert(entry.name)
            let child = remote.appending(RemotePath(entry.name))
            let current = targets[entry.name]
            if let current, (current.kind == .directory) != isFolder {
                plan.refused.append("\(Sanitizer.visible(child.description)): a \(isFolder ? "folder" : "file") here but not on the server; left alone")
            } else if isFolder {
                if current == nil { plan.folders.append(Self.makeRemoteFolder(child)) }
                try upload(path, to: child, targetExists: current != nil, depth: depth + 1, into: &plan)
            } else if Self.differs(source: entry, target: current) {
                plan.copies.append(MirrorCopy(file: FileCopy(remote: child, local: path), modified: nil))
            } else {
                plan.upToDate += 1
            }
        }
        guard deletes else { return }
        for entry in existing where !kept.contains(entry.name) && walk.includes(entry.name, isDirectory: entry.kind == .directory) {
            let child = remote.appending(entry.remoteName)
            plan.removals.append(MirrorStep(description: "delete \(Sanitizer.visible(child.description))") { client in
                if entry.kind == .directory { try client.removeTree(child) } else { try client.delete(child) }
            })
        }
    }

    private static func makeRemoteFolder(_ path: RemotePath) -> MirrorStep {
        MirrorStep(description: "make folder \(Sanitizer.visible(path.description))") { client in try client.mkd(path) }
    }

    private static func makeLocalFolder(_ path: String) -> MirrorStep {
        MirrorStep(description: "make folder \(Sanitizer.visible(path))") { _ in try TreeWalk.makeLocalFolder(path) }
    }

    private static func localEntries(_ path: String) throws -> [ListingEntry] {
        switch LocalDirectory.entries(at: path) {
        case .success(let entries): entries.sorted { $0.name < $1.name }
        case .failure: throw LocalFileError(path: path, action: "reading the folder")
        }
    }
}

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

extension ListingEntry {
    /// The bytes of the name on the local disk: a local entry's own, or the name a server's entry
    /// is written under. Names are compared as these bytes, never as `String`s, which are equal
    /// when canonically equivalent (NFC and NFD "é") although they name two files.
    fileprivate var localBytes: [UInt8] { Array(name.utf8) }
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
/// target has and the source does not is deleted. Names the filters leave out are never
/// touched, even inside a folder that goes; a folder where the source had names refused or
/// unreadable is not cleaned at all. Names from the server are checked, and the walk bounded,
/// as in a `TreeWalk`. Names are matched by their bytes (`localBytes` on the local side, the
/// server's own bytes on the server's).
struct MirrorPlanner {
    let client: FTPClient
    let filter: WalkFilter
    let deletes: Bool

    /// Plans making the local folder `local` like the server's folder `remote`.
    func download(_ remote: RemotePath, to local: String) throws -> MirrorPlan {
        var plan = MirrorPlan()
        var folders = 0
        let listing = try client.listing(remote)
        if !LocalFileSystem.isFolder(local) { plan.folders.append(Self.makeLocalFolder(local)) }
        try download(listing, of: remote, to: local, depth: 0, folders: &folders, into: &plan)
        return plan
    }

    /// Plans making the server's folder `remote` like the local folder `local`.
    func upload(_ local: String, to remote: RemotePath) throws -> MirrorPlan {
        var plan = MirrorPlan()
        var folders = 0
        let entries = try LocalFileSystem().list(local).entries
        let exists = RemoteFileSystem.isFolder(remote, client: client)
        if !exists { plan.folders.append(Self.makeRemoteFolder(remote)) }
        try upload(entries, of: local, to: remote, targetExists: exists, depth: 0, folders: &folders, into: &plan)
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

    /// Whether the walk may enter one more folder; notes why not.
    private static func mayEnter(_ shown: String, depth: Int, folders: inout Int, plan: inout MirrorPlan) -> Bool {
        folders += 1
        guard depth < WalkLimits.maximumDepth, folders <= WalkLimits.maximumFolders else {
            plan.refused.append("\(Sanitizer.visible(shown)): too deep, or too many folders; left alone")
            return false
        }
        return true
    }

    private func download(
        _ listing: DirectoryListing, of remote: RemotePath, to local: String, depth: Int, folders: inout Int, into plan: inout MirrorPlan
    ) throws {
        let existing = LocalFileSystem.isFolder(local) ? try LocalFileSystem().list(local).entries : []
        let targets = Dictionary(existing.map { ($0.localBytes, $0) }, uniquingKeysWith: { first, _ in first })
        var kept = Set<[UInt8]>()
        // A line of the server's listing that could not be read may be a name to keep.
        var complete = listing.isComplete
        if !complete { plan.refused.append(Self.unreadable(listing, of: remote)) }
        for entry in listing.entries {
            guard entry.hasSafeName else {
                plan.refused.append(SafeName.refusal("write a file called", entry.name, in: local))
                complete = false
                continue
            }
            let target = local + "/" + entry.name
            let child = remote.appending(entry.remoteName)
            let isFolder = entry.kind == .directory || (entry.kind == .other && RemoteFileSystem.isFolder(child, client: client))
            guard filter.includes(entry.name, isDirectory: isFolder) else { continue }
            // Two names of the server's that are one name here (Latin-1 "é" and UTF-8 "é"): only
            // the first is copied, and nothing deleted, since the second is not really here.
            guard kept.insert(entry.localBytes).inserted else {
                plan.refused.append("\(Sanitizer.visible(target)) is the target of two of the server's names; only the first is copied")
                complete = false
                continue
            }
            let current = targets[entry.localBytes]
            if let current, (current.kind == .directory) != isFolder {
                plan.refused.append("\(Sanitizer.visible(target)): a \(isFolder ? "folder" : "file") on the server but not here; left alone")
            } else if isFolder {
                guard Self.mayEnter(child.description, depth: depth + 1, folders: &folders, plan: &plan) else { continue }
                do {
                    let children = try client.listing(child)
                    if current == nil { plan.folders.append(Self.makeLocalFolder(target)) }
                    try download(children, of: child, to: target, depth: depth + 1, folders: &folders, into: &plan)
                } catch {
                    if (error as? FTPError)?.isConnectionLoss == true { throw error }
                    plan.refused.append("cannot read the folder \(Sanitizer.visible(child.description)): \(error)")
                }
            } else if Self.differs(source: entry, target: current) {
                plan.copies.append(MirrorCopy(file: FileCopy(remote: child, local: target), modified: entry.modified))
            } else {
                plan.upToDate += 1
            }
        }
        guard deletes else { return }
        guard complete else {
            plan.refused.append("\(Sanitizer.visible(local)): nothing deleted, since some of the server's names were refused or unreadable")
            return
        }
        for entry in existing where !kept.contains(entry.localBytes) && filter.includes(entry.name, isDirectory: entry.kind == .directory) {
            guard entry.hasSafeName else {
                plan.refused.append(SafeName.refusal("delete", entry.name, in: local))
                continue
            }
            let path = local + "/" + entry.name
            let filtered = filter.isActive && entry.kind == .directory
            plan.removals.append(MirrorStep(description: "delete \(Sanitizer.visible(path))") { _ in
                if filtered { try pruneLocal(path, depth: 0) } else { try FileManager.default.removeItem(atPath: path) }
            })
        }
    }

    private func upload(
        _ entries: [ListingEntry], of local: String, to remote: RemotePath, targetExists: Bool, depth: Int, folders: inout Int,
        into plan: inout MirrorPlan
    ) throws {
        let listing = targetExists ? try client.listing(remote) : DirectoryListing(entries: [], unreadableLines: 0)
        let existing = listing.entries
        let targets = Dictionary(existing.map { ($0.remoteName, $0) }, uniquingKeysWith: { first, _ in first })
        var kept = Set<RemotePath>()
        var complete = true
        // What the server holds is not known in full: delete nothing there.
        let serverComplete = listing.isComplete
        if !serverComplete { plan.refused.append(Self.unreadable(listing, of: remote)) }
        for entry in entries {
            guard entry.hasSafeName else {
                plan.refused.append(SafeName.refusal("copy a file called", entry.name, in: local))
                complete = false
                continue
            }
            let path = local + "/" + entry.name
            if entry.kind == .other, entry.name.contains("\u{FFFD}") {
                plan.refused.append("\(Sanitizer.visible(path)): a name that is not UTF-8; left alone")
                complete = false
                continue
            }
            // Links to folders are not followed (they could lead round in a circle); links to files are copied.
            let isFolder = entry.kind == .directory
            guard entry.kind != .other, entry.kind != .link || !LocalFileSystem.isFolder(path) && FileManager.default.fileExists(atPath: path),
                  filter.includes(entry.name, isDirectory: isFolder)
            else { continue }
            let name = RemotePath(entry.name)
            kept.insert(name)
            let child = remote.appending(name)
            let current = targets[name]
            if let current, (current.kind == .directory) != isFolder {
                plan.refused.append("\(Sanitizer.visible(child.description)): a \(isFolder ? "folder" : "file") here but not on the server; left alone")
            } else if isFolder {
                guard Self.mayEnter(path, depth: depth + 1, folders: &folders, plan: &plan) else { continue }
                do {
                    let children = try LocalFileSystem().list(path).entries
                    if current == nil { plan.folders.append(Self.makeRemoteFolder(child)) }
                    try upload(children, of: path, to: child, targetExists: current != nil, depth: depth + 1, folders: &folders, into: &plan)
                } catch {
                    if (error as? FTPError)?.isConnectionLoss == true { throw error }
                    plan.refused.append("cannot read the folder \(Sanitizer.visible(path)): \(error)")
                }
            } else if Self.differs(source: entry, target: current) {
                plan.copies.append(MirrorCopy(file: FileCopy(remote: child, local: path), modified: nil))
            } else {
                plan.upToDate += 1
            }
        }
        guard deletes else { return }
        guard complete, serverComplete else {
            let reason = complete ? "the server's listing of it is incomplete" : "some local names could not be read"
            plan.refused.append("\(Sanitizer.visible(remote.description)): nothing deleted, since \(reason)")
            return
        }
        for entry in existing where !kept.contains(entry.remoteName) && filter.includes(entry.name, isDirectory: entry.kind == .directory) {
            guard entry.hasSafeName else {
                plan.refused.append(SafeName.refusal("delete", entry.name, in: remote.description))
                continue
            }
            let child = remote.appending(entry.remoteName)
            let filtered = filter.isActive && entry.kind == .directory
            plan.removals.append(MirrorStep(description: "delete \(Sanitizer.visible(child.description))") { client in
                if filtered {
                    try pruneRemote(child, client: client, depth: 0)
                } else if entry.kind == .directory {
                    try client.removeTree(child)
                } else {
                    try client.delete(child)
                }
            })
        }
    }

    /// Deletes what the filters let through inside a local folder, then the folder if that
    /// leaves it empty. A name that could lead outside is left, and named once the rest is gone.
    private func pruneLocal(_ path: String, depth: Int) throws {
        guard depth < WalkLimits.maximumDepth else { return }
        var refused: (any Error)?
        for entry in try LocalFileSystem().list(path).entries where filter.includes(entry.name, isDirectory: entry.kind == .directory) {
            do {
                let child = try ListedName.local(entry, in: path, to: "delete")
                if entry.kind == .directory { try pruneLocal(child, depth: depth + 1) } else { try FileManager.default.removeItem(atPath: child) }
            } catch let error as FTPError where error.kind == .protocolViolation {
                refused = refused ?? error
            }
        }
        if let refused { throw refused }
        if try LocalFileSystem().list(path).entries.isEmpty { try FileManager.default.removeItem(atPath: path) }
    }

    /// Deletes what the filters let through inside a server's folder, then the folder if that
    /// leaves it empty. A name that could lead outside is left, and named once the rest is gone.
    private func pruneRemote(_ path: RemotePath, client: FTPClient, depth: Int) throws {
        guard depth < WalkLimits.maximumDepth else { return }
        var refused: (any Error)?
        for entry in try client.listDirectory(path) where filter.includes(entry.name, isDirectory: entry.kind == .directory) {
            do {
                let child = try ListedName.remote(entry, in: path, to: "delete")
                if entry.kind == .directory { try pruneRemote(child, client: client, depth: depth + 1) } else { try client.delete(child) }
            } catch let error as FTPError where error.kind == .protocolViolation {
                refused = refused ?? error
            }
        }
        if let refused { throw refused }
        if try client.listDirectory(path).isEmpty { try client.rmd(path) }
    }

    /// Why a folder's listing counts as incomplete.
    private static func unreadable(_ listing: DirectoryListing, of path: RemotePath) -> String {
        let count = listing.unreadableLines
        return "\(Sanitizer.visible(path.description)): \(count) line\(count == 1 ? "" : "s") of the server's listing could not be read"
    }

    private static func makeRemoteFolder(_ path: RemotePath) -> MirrorStep {
        MirrorStep(description: "make folder \(Sanitizer.visible(path.description))") { client in try client.mkd(path) }
    }

    private static func makeLocalFolder(_ path: String) -> MirrorStep {
        MirrorStep(description: "make folder \(Sanitizer.visible(path))") { _ in try LocalFileSystem.makeFolder(path) }
    }
}

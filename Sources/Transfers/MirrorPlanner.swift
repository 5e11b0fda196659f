import Foundation
import FTP
import FTPWire

/// A change a mirror makes besides copying files: making a folder, or deleting what the source
/// no longer has.
public struct MirrorStep {
    public let description: String
    public let perform: () throws -> Void
}

/// A file a mirror copies: where it is, where it goes, and what the source's listing said of it.
public struct MirrorCopy<Source: Hashable & Sendable, Target: Hashable & Sendable> {
    public let source: Source
    public let target: Target
    public let entry: ListingEntry
}

/// Everything a mirror would do, found by comparing the two trees before anything changes.
public struct MirrorPlan<Source: Hashable & Sendable, Target: Hashable & Sendable> {
    public var folders: [MirrorStep] = []
    public var copies: [MirrorCopy<Source, Target>] = []
    public var removals: [MirrorStep] = []
    /// Files the same on both sides (by size and time).
    public var upToDate = 0
    /// Entries left alone, with the reason: names that could leave the folder, a file on one
    /// side where the other has a folder, listings that could not be read in full.
    public var refused: [String] = []
}

/// Compares a folder tree of one file system with one of another — a server's and a local
/// one, either way — for `mirror`. A file is copied when the target lacks it, its size differs,
/// or the source is newer; with `deletes`, what the target has and the source does not is
/// deleted. Names are compared as the bytes of the target's paths. Names the filters leave out are never touched,
/// even inside a folder that goes; a folder where the source had names refused or unreadable,
/// or whose target listing is incomplete, is not cleaned at all. Every listed name is checked
/// before a path is built from it, and the walk is bounded, as a `TreeWalk` is.
public struct MirrorPlanner<Source: FileSystem, Target: FileSystem> {
    public let source: Source
    public let target: Target
    public let filter: WalkFilter
    public let deletes: Bool

    public init(from source: Source, to target: Target, filter: WalkFilter, deletes: Bool) {
        self.source = source
        self.target = target
        self.filter = filter
        self.deletes = deletes
    }

    /// Plans making the target's folder `to` like the source's folder `from`.
    public func plan(_ from: Source.Path, to folder: Target.Path) throws -> MirrorPlan<Source.Path, Target.Path> {
        var plan = MirrorPlan<Source.Path, Target.Path>()
        var budget = WalkBudget()
        let listing = try source.list(from)
        let exists = target.isFolder(folder)
        if !exists { plan.folders.append(makeFolder(folder)) }
        let root = source.identity(ofFolder: from).map { [$0] } ?? []
        try compare(listing, of: from, to: folder, targetExists: exists, depth: 0, ancestors: root, budget: &budget, into: &plan)
        return plan
    }

    /// A name as a file system that folds names (case, Unicode form) sees it; `String`'s own
    /// equality already takes canonically equivalent forms for one.
    static func lookalike(_ name: String) -> String {
        name.folding(options: .caseInsensitive, locale: nil)
    }

    /// Whether the target's copy must be replaced by the source's file: missing, another size,
    /// or older than the source.
    public static func differs(source: ListingEntry, target: ListingEntry?) -> Bool {
        guard let target else { return true }
        if let a = source.size, let b = target.size, a != b { return true }
        if let a = source.modified, let b = target.modified { return OverwritePolicy.isNewer(a, than: b) }
        return source.size == nil || target.size == nil
    }

    private func compare(
        _ listing: DirectoryListing, of folder: Source.Path, to targetFolder: Target.Path, targetExists: Bool, depth: Int,
        ancestors: [String], budget: inout WalkBudget, into plan: inout MirrorPlan<Source.Path, Target.Path>
    ) throws {
        let targetListing = targetExists ? try target.list(targetFolder) : DirectoryListing(entries: [], unreadableLines: 0)
        // By the bytes of the target's path: two names that only look alike stay two names, and
        // two source names that would land on one target file are noticed.
        var existing = Dictionary(
            targetListing.entries.map { (target.bytes(of: target.path(of: $0, in: targetFolder)), $0) }, uniquingKeysWith: { first, _ in first })
        if targetExists, !targetListing.showsDotFiles {
            try addDotEntries(of: targetFolder, namedIn: listing, to: &existing)
        }
        var kept = Set<[UInt8]>()
        // The source's names, folded (`lookalike`), each with whether the target lists it as it
        // is: a target name one with it where names are folded is deleted only if so (a target
        // that lists both does not fold them).
        var keptLookalikes: [String: Bool] = [:]
        func keepLookalike(of name: String, key: [UInt8]) {
            let folded = Self.lookalike(name)
            keptLookalikes[folded] = keptLookalikes[folded] == true || existing[key] != nil
        }
        // Where this folder's own copies are among the plan's, and its files already up to date.
        var planned: [Int] = []
        var upToDate: [Target.Path] = []
        // A line of a listing that could not be read may be a name to keep.
        var complete = listing.isComplete
        // Where the target's listing may show a link as a folder, the folders it has indeed,
        // asked once, when a folder would be walked with deletes on: nothing is deleted through
        // a link, nor through a name the answer does not confirm (or that could not be asked).
        var confirmed: (asked: Bool, folders: Set<[UInt8]>?) = (false, nil)
        func isConfirmedFolder(_ entry: ListingEntry) throws -> Bool {
            if !confirmed.asked {
                do {
                    confirmed = (true, try target.foldersConfirmed(in: targetFolder))
                } catch where (error as? FTPError)?.isConnectionLoss != true {
                    confirmed = (true, [])
                }
            }
            return confirmed.folders?.contains(entry.remoteName.bytes) ?? true
        }
        if !complete { plan.refused.append(Self.unreadable(listing, of: source.shown(folder))) }
        if !targetListing.isComplete { plan.refused.append(Self.unreadable(targetListing, of: target.shown(targetFolder))) }
        for entry in listing.entries {
            guard entry.hasSafeName else {
                plan.refused.append(SafeName.refusal("copy a file called", entry.name, in: source.shown(folder)))
                complete = false
                continue
            }
            let child = source.path(of: entry, in: folder)
            let role = source.role(of: entry, at: child)
            if case .skipped(let reason) = role {
                if let reason {
                    plan.refused.append(reason)
                    complete = false
                }
                // Whatever it is (a link to a folder, a pipe), the source has this name: the
                // target's entry of the same name is not deleted for it.
                let key = target.bytes(of: target.path(named: entry.name, in: targetFolder))
                kept.insert(key)
                keepLookalike(of: entry.name, key: key)
                continue
            }
            let isFolder = role == .folder
            guard filter.includes(entry.name, isDirectory: isFolder) else { continue }
            let targetChild = target.path(named: entry.name, in: targetFolder)
            let key = target.bytes(of: targetChild)
            guard kept.insert(key).inserted else {
                plan.refused.append(sameTargetRefusal(source.shown(child), target: target.shown(targetChild)))
                complete = false
                continue
            }
            keepLookalike(of: entry.name, key: key)
            let current = existing[key]
            if let current, (current.kind == .directory) != isFolder {
                plan.refused.append("\(target.shown(targetChild)): a \(isFolder ? "folder" : "file") in the source but not in the target; left alone")
            } else if isFolder {
                if deletes, let current, !(try isConfirmedFolder(current)) {
                    plan.refused.append(
                        "\(target.shown(targetChild)): not known to be a folder rather than a link (the target's LIST does not show it as one); nothing is copied into it or deleted through it; left alone")
                    continue
                }
                guard budget.enter(source.shown(child), depth: depth + 1, refused: &plan.refused) else { continue }
                do {
                    if let unique = entry.unique, ancestors.contains(unique) {
                        plan.refused.append(WalkLoops.refusal(source.shown(child)))
                        continue
                    }
                    let children = try source.list(child)
                    if current == nil { plan.folders.append(makeFolder(targetChild)) }
                    try compare(
                        children, of: child, to: targetChild, targetExists: current != nil, depth: depth + 1,
                        ancestors: ancestors + (entry.unique.map { [$0] } ?? []), budget: &budget, into: &plan)
                } catch {
                    if (error as? FTPError)?.isConnectionLoss == true { throw error }
                    plan.refused.append("cannot read the folder \(source.shown(child)): \(error)")
                }
            } else if Self.differs(source: entry, target: current) {
                planned.append(plan.copies.count)
                plan.copies.append(MirrorCopy(source: child, target: targetChild, entry: entry))
            } else {
                plan.upToDate += 1
                upToDate.append(targetChild)
            }
        }
        let staging = StagingNames.leaveOut(
            planned, of: &plan.copies, on: target, refused: &plan.refused, kept: upToDate, destination: \.target, shown: { source.shown($0.source) })
        guard deletes else { return }
        guard complete, targetListing.isComplete else {
            let reason = complete ? "its listing is incomplete" : "some of the source's names were refused or unreadable"
            plan.refused.append("\(target.shown(targetFolder)): nothing deleted, since \(reason)")
            return
        }
        for entry in targetListing.entries where filter.includes(entry.name, isDirectory: entry.kind == .directory) {
            guard entry.hasSafeName else {
                plan.refused.append(SafeName.refusal("delete", entry.name, in: target.shown(targetFolder)))
                continue
            }
            let path = target.path(of: entry, in: targetFolder)
            // What the source keeps, and a copy in progress of a file it has (`NAME.part`), stay.
            let key = target.bytes(of: path)
            guard !kept.contains(key), !staging.isStaging(key) else { continue }
            // A dot file the source's LIST may have hidden is not known to be gone.
            if !listing.showsDotFiles, entry.hasDotName { continue }
            if keptLookalikes[Self.lookalike(entry.name)] == false {
                plan.refused.append(
                    "\(target.shown(path)): not deleted, since its name differs only in case or form from one the source has, and where names are folded (a server, a disk) the two are one file; left alone")
                continue
            }
            let isFolder = entry.kind == .directory
            // What the filters keep inside a folder to delete stays, and so does the folder.
            let including: ((ListingEntry) -> Bool)? = filter.isActive ? { [filter] in filter.includes($0.name, isDirectory: $0.kind == .directory) } : nil
            plan.removals.append(MirrorStep(description: "delete \(target.shown(path))") { [target] in
                if isFolder {
                    try target.removeTree(path, including: including)
                } else {
                    try target.remove(path, isFolder: false)
                }
            })
        }
    }

    /// Adds to `existing` the target's entries whose names begin with a dot and that `listing`
    /// (the source's) has too, where the target's listing hides them (vsftpd's LIST): each run
    /// copied them all again. The others stay unknown, as `--delete` leaves them; an answer the
    /// target cannot give leaves them all so.
    private func addDotEntries(of targetFolder: Target.Path, namedIn listing: DirectoryListing, to existing: inout [[UInt8]: ListingEntry]) throws {
        let sourceNames = Set(listing.entries.lazy.filter(\.hasDotName).map { self.target.bytes(of: self.target.path(named: $0.name, in: targetFolder)) })
        guard !sourceNames.isEmpty else { return }
        let entries: [ListingEntry]
        do {
            entries = try target.dotEntries(in: targetFolder)
        } catch where (error as? FTPError)?.isConnectionLoss != true {
            return
        }
        for entry in entries {
            let key = target.bytes(of: target.path(of: entry, in: targetFolder))
            if sourceNames.contains(key), existing[key] == nil { existing[key] = entry }
        }
    }

    private func makeFolder(_ path: Target.Path) -> MirrorStep {
        MirrorStep(description: "make folder \(target.shown(path))") { [target] in try target.makeFolder(path) }
    }

    /// Why a folder's listing counts as incomplete.
    private static func unreadable(_ listing: DirectoryListing, of shown: String) -> String {
        "\(shown): \(listing.incompleteness ?? "the listing is incomplete")"
    }
}

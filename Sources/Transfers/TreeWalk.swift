import FTP
import FTPWire

/// One file a walk found: where it is, where it goes, and what its listing said of it.
public struct PlannedFile<Source: Hashable & Sendable, Destination: Hashable & Sendable>: Sendable {
    public let source: Source
    public let destination: Destination
    public let entry: ListingEntry
}

/// What a walk found: the files to copy, and what it left alone with the reason (names that
/// could leave the folder, folders it could not read, a tree too deep or too large).
public struct WalkResult<Source: Hashable & Sendable, Destination: Hashable & Sendable>: Sendable {
    public var files: [PlannedFile<Source, Destination>] = []
    public var refused: [String] = []

    /// The files in another form, with what was refused.
    public func mapFiles<Copy>(_ transform: (PlannedFile<Source, Destination>) -> Copy) -> (files: [Copy], refused: [String]) {
        (files.map(transform), refused)
    }
}

/// Which names a walk takes: `--exclude` and `--include` globs.
public struct WalkFilter: Sendable {
    /// Names (globs) to leave out, files and folders alike.
    public var excluded: [String]
    /// When not empty, the only file names to copy; folders are always walked.
    public var included: [String]

    public init(excluded: [String] = [], included: [String] = []) {
        self.excluded = excluded
        self.included = included
    }

    /// Whether a file or folder called `name` is copied.
    public func includes(_ name: String, isDirectory: Bool) -> Bool {
        if excluded.contains(where: { Glob.matches($0, name) }) { return false }
        return isDirectory || included.isEmpty || included.contains { Glob.matches($0, name) }
    }

    /// Whether any filter is set.
    public var isActive: Bool { !excluded.isEmpty || !included.isEmpty }
}

/// The bounds of a walk: a server could lead one on for ever.
public enum WalkLimits {
    public static let maximumDepth = 64
    public static let maximumFolders = 100_000
}

/// How many folders a walk entered, against `WalkLimits`.
struct WalkBudget {
    private var folders = 0

    /// Whether the walk may enter one more folder `depth` deep; notes in `refused` why not.
    mutating func enter(_ shown: String, depth: Int, refused: inout [String]) -> Bool {
        folders += 1
        if depth >= WalkLimits.maximumDepth {
            refused.append("\(shown) is more than \(WalkLimits.maximumDepth) folders deep; left alone")
            return false
        }
        if folders > WalkLimits.maximumFolders {
            refused.append("\(shown): more than \(WalkLimits.maximumFolders) folders; the rest left alone")
            return false
        }
        return true
    }
}

/// A folder a walk is already in, reached again through a link: a server that follows a link
/// up the tree (`loop -> .`, which pyftpdlib's MLSD calls a folder) would lead a walk round in
/// circles until its limits, copying the same files at every turn. Known by MLSD's `unique`
/// fact, which a folder has whatever the path it is reached by.
enum WalkLoops {
    /// Why the folder shown as `shown` is not walked.
    static func refusal(_ shown: String) -> String {
        "\(shown) is a folder the walk is already in (a link back up the tree); not walked, lest the walk go round in circles"
    }
}

/// Why the source's entry shown as `shown` is left: another of its names (Latin-1 and UTF-8
/// spellings, say) lands on the same target path, shown as `target`.
func sameTargetRefusal(_ shown: String, target: String) -> String {
    "\(shown): another name in the source lands on \(target) too; left alone"
}

/// Where the files a copy plans in one folder are written until they are complete (`NAME.part`
/// on the disk), by the bytes of those paths. A file planned under one of these names (`x.part`
/// beside `x`) would be written over by its neighbour's copy, so it is left out; and a target's
/// file there is a copy in progress, not one to delete.
public struct StagingNames<Target: FileSystem> {
    /// The destination of the copy written at each staging path.
    private var owners: [[UInt8]: Target.Path] = [:]
    private let target: Target

    /// The staging paths of copies to `destinations`; none where files are written in place.
    public init(of destinations: some Sequence<Target.Path>, on target: Target) {
        self.target = target
        for path in destinations {
            let staging = target.stagingPath(for: path)
            if staging != path { owners[target.bytes(of: staging)] = path }
        }
    }

    /// Why a copy to `path` is left out, if another copy is written there until it is complete.
    public func refusal(of path: Target.Path, shown: String) -> String? {
        owners[target.bytes(of: path)].map { "\(shown): \(target.shown($0)) is written under this name until its copy is complete; left alone" }
    }

    /// Whether a copy is written at the path of these bytes until it is complete.
    func isStaging(_ path: [UInt8]) -> Bool { owners[path] != nil }

    /// Leaves out of `items` those at `indices` (the copies planned in one folder) whose
    /// destination is where another of them, or a copy of a file in `kept` (one up to date, to be
    /// copied another time), is written until complete, saying why in `refused`; the staging
    /// names of the rest.
    @discardableResult
    static func leaveOut<Item>(
        _ indices: [Int], of items: inout [Item], on target: Target, refused: inout [String], kept: [Target.Path] = [],
        destination: (Item) -> Target.Path, shown: (Item) -> String
    ) -> StagingNames {
        let staging = StagingNames(of: indices.map { destination(items[$0]) } + kept, on: target)
        var left = Set<Int>()
        for index in indices {
            guard let refusal = staging.refusal(of: destination(items[index]), shown: shown(items[index])) else { continue }
            refused.append(refusal)
            left.insert(index)
        }
        if !left.isEmpty {
            items = items.indices.filter { !left.contains($0) }.map { items[$0] }
        }
        return staging
    }
}

/// Walks a folder tree of one file system to copy it into another, making the destination's
/// folders on the way, and returns the files to copy — the one walk of `get -r`, `put -r`,
/// `cp -r` and the commander's folder copies. Every listed name is checked before a path is
/// built from it: one that could lead outside the destination is refused, and the rest still
/// copied. Links to folders are not followed, and no folder is made through a link. The walk
/// stops at `WalkLimits.maximumDepth` folders deep and `maximumFolders` folders in all.
public struct TreeWalk<Source: FileSystem, Destination: FileSystem> {
    public let source: Source
    public let destination: Destination
    public var filter: WalkFilter

    public init(from source: Source, to destination: Destination, filter: WalkFilter = WalkFilter()) {
        self.source = source
        self.destination = destination
        self.filter = filter
    }

    /// The files under the folder `from`, with `to` made as the folder they go in. Only a
    /// failure to list `from` or to make `to` is thrown.
    public func copy(_ from: Source.Path, to target: Destination.Path) throws -> WalkResult<Source.Path, Destination.Path> {
        var walk = Walk()
        let listing = try source.list(from)
        if let root = source.identity(ofFolder: from) { walk.ancestors.append(root) }
        try destination.makeFolder(target)
        try copy(listing, of: from, to: target, depth: 0, walk: &walk)
        return walk.result
    }

    /// A walk in progress: what it found, and how many folders it entered.
    private struct Walk {
        var result = WalkResult<Source.Path, Destination.Path>()
        var budget = WalkBudget()
        /// What the server calls the folders the walk is in, where it says (`ListingEntry.unique`).
        var ancestors: [String] = []

        mutating func enter(_ shown: String, depth: Int) -> Bool {
            budget.enter(shown, depth: depth, refused: &result.refused)
        }
    }

    private func copy(_ listing: DirectoryListing, of folder: Source.Path, to target: Destination.Path, depth: Int, walk: inout Walk) throws {
        if let incompleteness = listing.incompleteness {
            walk.result.refused.append("\(source.shown(folder)): \(incompleteness); what is missing from it is not copied")
        }
        var claimed = Set<[UInt8]>()
        // Where this folder's own files are among the walk's.
        var planned: [Int] = []
        for entry in listing.entries {
            guard entry.hasSafeName else {
                walk.result.refused.append(SafeName.refusal("write a file called", entry.name, in: source.shown(folder)))
                continue
            }
            let child = source.path(of: entry, in: folder)
            let role = source.role(of: entry, at: child)
            if case .skipped(let reason) = role {
                if let reason { walk.result.refused.append(reason) }
                continue
            }
            guard filter.includes(entry.name, isDirectory: role == .folder) else { continue }
            let destinationChild = destination.path(named: entry.name, in: target)
            let key = destination.bytes(of: destinationChild)
            guard claimed.insert(key).inserted else {
                walk.result.refused.append(sameTargetRefusal(source.shown(child), target: destination.shown(destinationChild)))
                continue
            }
            guard role == .folder else {
                planned.append(walk.result.files.count)
                walk.result.files.append(PlannedFile(source: child, destination: destinationChild, entry: entry))
                continue
            }
            guard walk.enter(source.shown(child), depth: depth + 1) else { continue }
            do {
                if let unique = entry.unique, walk.ancestors.contains(unique) {
                    walk.result.refused.append(WalkLoops.refusal(source.shown(child)))
                    continue
                }
                let children = try source.list(child)
                try destination.makeFolder(destinationChild)
                walk.ancestors += entry.unique.map { [$0] } ?? []
                defer { if entry.unique != nil { walk.ancestors.removeLast() } }
                try copy(children, of: child, to: destinationChild, depth: depth + 1, walk: &walk)
            } catch {
                // A lost connection ends the walk; anything else, only this folder.
                if (error as? FTPError)?.isConnectionLoss == true { throw error }
                walk.result.refused.append("cannot copy the folder \(source.shown(child)): \(error)")
            }
        }
        StagingNames.leaveOut(
            planned, of: &walk.result.files, on: destination, refused: &walk.result.refused,
            destination: \.destination, shown: { source.shown($0.source) })
    }
}

import FTPWire

extension FTPClient {
    /// Deletes a directory and everything in it, depth first. Links are deleted, never followed:
    /// each folder is first asked away with DELE, which takes a link (a server that follows
    /// links may list one as a folder: pyftpdlib's MLSD, ProFTPD's LIST with `ShowSymlinks
    /// off`) and is refused for a real folder, which is then walked, unless LIST shows it as a
    /// link or a file (a link whose DELE is refused stays, with nothing in it touched).
    /// `kinds` keeps what LIST said of each folder asked, for the calls that share it.
    ///
    /// A listed name that could lead outside its folder (`..`, one holding `/` or NUL; see
    /// `SafeName`) is never acted on: the rest is deleted, the folders holding such a name (or
    /// whose listing could not be read whole) are kept, and the call then fails naming them. A tree deeper than
    /// `maximumDepth` (a hostile server's listing could go on for ever) is refused before
    /// anything below that depth is touched.
    public func removeTree(_ path: RemotePath, maximumDepth: Int = 64, kinds: ListedKinds = ListedKinds()) throws {
        guard let refusal = try refusalToDelete(path) else { return }
        // Nothing listed the path itself: its folder's LIST tells a link from a folder.
        if let kind = kinds.kind(of: path, client: self), kind != .directory { throw Self.keptLink(path, kind: kind, refusal: refusal) }
        var refused: [String] = []
        try removeFolder(path, maximumDepth: maximumDepth, kinds: kinds, refused: &refused)
        guard let first = refused.first else { return }
        throw FTPError(kind: .protocolViolation, detail: refused.count == 1 ? first : "\(first) (and \(refused.count - 1) more)")
    }

    /// Deletes what may be deleted in the folder `path` (whose DELE was refused), and `path`
    /// itself when nothing in it was refused; notes the refusals.
    private func removeFolder(_ path: RemotePath, maximumDepth: Int, kinds: ListedKinds, refused: inout [String]) throws {
        guard maximumDepth > 0 else { throw FTPError(kind: .protocolViolation, detail: "\(Sanitizer.visible(path.description)) lies too deep to delete") }
        let before = refused.count
        let listing = try folderListing(path)
        // A folder that cannot be entered lists as empty whatever it holds: RMD takes it only
        // if it is empty indeed.
        if listing.isEmptyUnentered, listing.unreadableLines == 0, !listing.cutShort {
            try rmd(path)
            return
        }
        // What the listing could not show may still be there: the folder is kept.
        if let incompleteness = listing.incompleteness {
            refused.append("\(Sanitizer.visible(path.description)): \(incompleteness); the folder is kept")
        }
        for entry in listing.entries { try removeEntry(entry, of: path, maximumDepth: maximumDepth, kinds: kinds, refused: &refused) }
        guard refused.count == before else { return }
        do {
            try rmd(path)
        } catch let error as FTPError where error.kind == .permanent && !listing.showsDotFiles {
            // LIST leaves names that begin with a dot out (vsftpd, ProFTPD): asked with -a, they go too.
            guard let hidden = try? dotEntries(of: path), !hidden.isEmpty else { throw error }
            for entry in hidden { try removeEntry(entry, of: path, maximumDepth: maximumDepth, kinds: kinds, refused: &refused) }
            guard refused.count == before else { return }
            try rmd(path)
        }
    }

    /// Deletes an entry of the folder `path` as `removeFolder` walks: a file with DELE, a folder
    /// (or a link a server lists as one) as `removeTree` says.
    private func removeEntry(_ entry: ListingEntry, of path: RemotePath, maximumDepth: Int, kinds: ListedKinds, refused: inout [String]) throws {
        guard entry.hasSafeName else {
            refused.append(SafeName.refusal("delete", entry.name, in: path.description))
            return
        }
        let child = path.appending(entry.remoteName)
        if entry.kind != .directory {
            try delete(child)
        } else if let refusal = try refusalToDelete(child) {
            if let kind = linkKind(of: child, kinds: kinds) {
                refused.append(Self.keptLink(child, kind: kind, refusal: refusal).detail)
            } else {
                try removeFolder(child, maximumDepth: maximumDepth - 1, kinds: kinds, refused: &refused)
            }
        }
    }

    /// The entries of the folder `path` whose names begin with a dot, from `LIST -a`.
    private func dotEntries(of path: RemotePath) throws -> [ListingEntry] {
        let argument = Array("-a ".utf8) + Self.listArgument(path, features: features).bytes
        return try listing(RemotePath(bytes: argument)).entries.filter { $0.name.hasPrefix(".") && $0.name != "." && $0.name != ".." }
    }

    /// Whether `path`, which a listing showed as a folder, is a link (or a file) by its folder's
    /// LIST where listings come from MLSD, which some servers answer with a link's target;
    /// false where LIST's own listing showed it, and where LIST does not show it.
    public func listsAsNoFolder(_ path: RemotePath, kinds: ListedKinds) -> Bool {
        linkKind(of: path, kinds: kinds) != nil
    }

    /// The kind `listsAsNoFolder` finds for `path`, when not a folder.
    private func linkKind(of path: RemotePath, kinds: ListedKinds) -> ListingEntry.Kind? {
        guard features.supports("MLST"), let kind = kinds.kind(of: path, client: self), kind != .directory else { return nil }
        return kind
    }

    /// Why a path LIST shows as no folder stays after its DELE was refused: a file, for that
    /// refusal; anything else (a link), kept with nothing in it touched.
    private static func keptLink(_ path: RemotePath, kind: ListingEntry.Kind, refusal: FTPError) -> FTPError {
        guard kind != .file else { return refusal }
        return FTPError(
            kind: .permanent,
            detail: "\(Sanitizer.visible(path.description)) is a link by its folder's LIST, and the server refused to delete it (\(refusal)); nothing in it was touched")
    }

    /// The folder's listing, the folder named with a trailing `/` where it comes from LIST:
    /// vsftpd takes the last part of LIST's argument for a pattern when it cannot open the
    /// folder, and answers with the folder's own entry (as `ls -d` would), an empty listing, or
    /// the siblings the pattern matches, each ended as done; asked for `folder/`, it says it
    /// could not open it. An empty listing is complete only where CWD enters the folder
    /// (`DirectoryListing.isEmptyUnentered`).
    public func folderListing(_ folder: RemotePath) throws -> DirectoryListing {
        var listing = try listing(Self.listArgument(folder, features: features))
        if listing.entries.isEmpty, listing.isComplete, !folder.isEmpty { listing.isEmptyUnentered = (try? canEnter(folder)) != true }
        return listing
    }

    /// Whether CWD enters `folder`. The connection goes back where it was, or is closed where it
    /// cannot: every later relative path would be taken from the wrong folder, where a closed
    /// connection fails (and is made again).
    public func canEnter(_ folder: RemotePath) throws -> Bool {
        let here = try workingDirectory()
        do {
            try cwd(folder)
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            knownDirectory = here
            return false
        }
        if (try? cwd(here)) == nil {
            close()
        } else {
            knownDirectory = here
        }
        return true
    }

    /// The folder as a listing is to name it: with a trailing `/` where listings come from
    /// LIST (see `folderListing`), and after `./` where it begins with `-`, which vsftpd and
    /// pyftpdlib take LIST's argument for options by.
    static func listArgument(_ folder: RemotePath, features: FeatureSet) -> RemotePath {
        var bytes = folder.bytes
        if bytes.first == UInt8(ascii: "-") { bytes = Array("./".utf8) + bytes }
        if !features.supports("MLST"), !bytes.isEmpty, bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
        return RemotePath(bytes: bytes)
    }

    /// Deletes `files` under the folder `path`, and each folder that leaves empty, walking as
    /// `removeTree` does: a folder that DELE takes away (a link a server lists as a folder) is
    /// gone, and nothing is deleted through it; a name that could lead outside is passed over.
    public func removeFiles(_ files: Set<RemotePath>, under path: RemotePath, maximumDepth: Int = 64) throws {
        // The folders that hold a file to delete, whatever their listing calls them (a copy
        // walks into an entry of no known kind that CWD enters).
        var holders = Set<RemotePath>()
        for file in files {
            for (index, byte) in file.bytes.enumerated() where byte == UInt8(ascii: "/") {
                holders.insert(RemotePath(bytes: file.bytes[..<index]))
            }
        }
        try removeFiles(files, under: path, holders: holders, kinds: ListedKinds(), maximumDepth: maximumDepth)
    }

    private func removeFiles(_ files: Set<RemotePath>, under path: RemotePath, holders: Set<RemotePath>, kinds: ListedKinds, maximumDepth: Int) throws {
        guard maximumDepth > 0 else { return }
        // The folder moved may itself be a link a server lists as a folder: DELE takes it.
        if try deletesAsAFile(path) || listsAsNoFolder(path, kinds: kinds) { return }
        for entry in try folderListing(path).entries where entry.hasSafeName {
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory || holders.contains(child) {
                try removeFiles(files, under: child, holders: holders, kinds: kinds, maximumDepth: maximumDepth - 1)
            } else if files.contains(child) {
                try delete(child)
            }
        }
        // Emptied, it goes; what was not copied keeps it.
        _ = try? rmd(path)
    }

    /// Whether DELE took `path` away: a link a server lists as a folder goes so, where a real
    /// folder is refused (4xx or 5xx) and is to be walked.
    private func deletesAsAFile(_ path: RemotePath) throws -> Bool {
        try refusalToDelete(path) == nil
    }

    /// DELE's refusal (4xx or 5xx) of `path`, or nil when DELE took it away.
    private func refusalToDelete(_ path: RemotePath) throws -> FTPError? {
        do {
            try delete(path)
            return nil
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            return error
        }
    }
}

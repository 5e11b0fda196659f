import FTPWire

extension FTPClient {
    /// Deletes a directory and everything in it, depth first. Links are deleted, never followed:
    /// `path` is first asked away with DELE, which takes a file or a link, and is walked only
    /// once its folder's LIST shows it as a folder (a link whose DELE is refused stays, and the
    /// call fails with that refusal). Inside, where listings come from MLSD, which some servers
    /// answer with a link's target (pyftpdlib lists a link to a folder as that folder), a folder
    /// is walked only where LIST shows it as one; any other entry is deleted with DELE.
    /// `listedAsFolder` skips the first two steps for a folder its folder's LIST has shown.
    ///
    /// A listed name that could lead outside its folder (`..`, one holding `/` or NUL; see
    /// `SafeName`) is never acted on: the rest is deleted, the folders holding such a name (or
    /// whose listing could not be read whole) are kept, and the call then fails naming them. A tree deeper than
    /// `maximumDepth` (a hostile server's listing could go on for ever) is refused before
    /// anything below that depth is touched.
    public func removeTree(_ path: RemotePath, maximumDepth: Int = 64, listedAsFolder: Bool = false) throws {
        if !listedAsFolder {
            guard let refusal = try refusalToDelete(path) else { return }
            guard try isListedFolder(path) else { throw refusal }
        }
        var refused: [String] = []
        try removeFolder(path, maximumDepth: maximumDepth, refused: &refused)
        guard let first = refused.first else { return }
        throw FTPError(kind: .protocolViolation, detail: refused.count == 1 ? first : "\(first) (and \(refused.count - 1) more)")
    }

    /// Deletes what may be deleted in the folder `path`, and `path` itself when nothing in it
    /// was refused; notes the refusals.
    private func removeFolder(_ path: RemotePath, maximumDepth: Int, refused: inout [String]) throws {
        guard maximumDepth > 0 else { throw FTPError(kind: .protocolViolation, detail: "\(Sanitizer.visible(path.description)) lies too deep to delete") }
        let before = refused.count
        let listing = try folderListing(path)
        // What the listing could not show may still be there: the folder is kept.
        if let incompleteness = listing.incompleteness {
            refused.append("\(Sanitizer.visible(path.description)): \(incompleteness); the folder is kept")
        }
        let folders = try confirmedFolders(in: path, of: listing)
        for entry in listing.entries {
            guard entry.hasSafeName else {
                refused.append(SafeName.refusal("delete", entry.name, in: path.description))
                continue
            }
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory, folders?.contains(entry.remoteName) ?? true {
                try removeFolder(child, maximumDepth: maximumDepth - 1, refused: &refused)
            } else if entry.kind == .directory, let refusal = try refusalToDelete(child) {
                refused.append("\(Sanitizer.visible(child.description)): LIST does not show it as a folder (a link?), and DELE was refused (\(refusal.detail)); nothing in it is touched")
            } else if entry.kind != .directory {
                try delete(child)
            }
        }
        guard refused.count == before else { return }
        try rmd(path)
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
        let here = try pwd()
        do {
            try cwd(folder)
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            return false
        }
        if (try? cwd(here)) == nil { close() }
        return true
    }

    /// The folder as LIST is to name it (see `folderListing`): with a trailing `/` where
    /// listings come from LIST.
    static func listArgument(_ folder: RemotePath, features: FeatureSet) -> RemotePath {
        guard !features.supports("MLST"), !folder.isEmpty, folder.bytes.last != UInt8(ascii: "/") else { return folder }
        return RemotePath(bytes: folder.bytes + [UInt8(ascii: "/")])
    }

    /// The names of the entries of `listing` (of the folder `path`) that are folders indeed:
    /// where listings come from MLSD, those LIST shows as folders; nil where the listing's own
    /// kinds can be trusted (LIST shows links as links) or it shows no folder.
    private func confirmedFolders(in path: RemotePath, of listing: DirectoryListing) throws -> Set<RemotePath>? {
        guard features.supports("MLST"), listing.entries.contains(where: { $0.kind == .directory }) else { return nil }
        return try folderNamesListed(in: path)
    }

    /// Whether the LIST of the folder holding `path` shows it as a folder (not a link).
    private func isListedFolder(_ path: RemotePath) throws -> Bool {
        let name = path.lastComponent
        guard !name.isEmpty, name != ".", name != ".." else { return false }
        return try folderNamesListed(in: path.parent).contains(name)
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
        try removeFiles(files, under: path, holders: holders, maximumDepth: maximumDepth)
    }

    private func removeFiles(_ files: Set<RemotePath>, under path: RemotePath, holders: Set<RemotePath>, maximumDepth: Int) throws {
        guard maximumDepth > 0 else { return }
        let listing = try folderListing(path)
        let folders = try confirmedFolders(in: path, of: listing)
        for entry in listing.entries where entry.hasSafeName {
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory, folders?.contains(entry.remoteName) ?? true {
                try removeFiles(files, under: child, holders: holders, maximumDepth: maximumDepth - 1)
            } else if entry.kind == .directory {
                // A link a server lists as a folder: DELE takes it away; nothing goes through it.
                _ = try deletesAsAFile(child)
            } else if holders.contains(child) {
                // An entry of no known kind the copy went into: a link goes with DELE, a folder is walked.
                if try !deletesAsAFile(child) { try removeFiles(files, under: child, holders: holders, maximumDepth: maximumDepth - 1) }
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

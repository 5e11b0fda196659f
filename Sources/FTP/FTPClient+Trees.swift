import FTPWire

extension FTPClient {
    /// Deletes a directory and everything in it (or, given `including`, what it lets through,
    /// and the directory only once that leaves it empty), depth first. Links are deleted, never
    /// followed: each folder is first asked away with DELE, which takes a link (a server that
    /// follows links may list one as a folder: pyftpdlib's MLSD, ProFTPD's LIST with
    /// `ShowSymlinks off`) and is refused for a real folder, which is then walked, unless LIST
    /// shows it as a link: asked of its folder's LIST for `path` itself, which nothing listed,
    /// and inside where listings come from MLSD (a link whose DELE is refused stays, with
    /// nothing in it touched). A `path` its folder's LIST does not show (with `-a` for a name
    /// that begins with a dot) fails with DELE's refusal. `kinds` keeps what LIST said of each
    /// folder asked, for the calls of one operation.
    ///
    /// Where LIST hides names that begin with a dot (vsftpd), a folder RMD refuses once its
    /// listed entries are gone is listed again with `LIST -a`, and they go too. A folder that
    /// lists as empty is taken by RMD only if it is empty indeed, even one that cannot be
    /// entered. A listed name that could lead outside its folder (`..`, one holding `/` or NUL;
    /// see `SafeName`) is never acted on: the rest is deleted, the folders holding such a name
    /// (or whose listing could not be read whole, or that the server would not remove) are
    /// kept, and the call then fails naming them. A tree deeper than `maximumDepth` (a hostile
    /// server's listing could go on for ever) is refused before anything below that depth is touched.
    public func removeTree(
        _ path: RemotePath, maximumDepth: Int = 64, kinds: ListedKinds = ListedKinds(), including: ((ListingEntry) -> Bool)? = nil
    ) throws {
        // `dir/` would make DELE follow a link `dir`, and miss it in its folder's LIST.
        let path = path.withoutTrailingSlash
        guard let refusal = try refusalToDelete(path) else { return }
        switch try kinds.answer(for: path, client: self) {
        case .listed(.directory): break
        case .absent: throw refusal
        case .unknown:
            throw FTPError(
                kind: .permanent,
                detail: "\(refusal); its folder's LIST could not tell a folder from a link (it could not be read), so nothing in it was touched")
        case .listed(let kind): throw Self.keptLink(path, kind: kind, refusal: refusal)
        }
        var walk = TreeRemoval(kinds: kinds, including: including ?? { _ in true })
        try removeFolder(path, maximumDepth: maximumDepth, walk: &walk)
        guard let first = walk.refused.first else { return }
        throw FTPError(kind: .protocolViolation, detail: walk.refused.count == 1 ? first : "\(first) (and \(walk.refused.count - 1) more)")
    }

    /// What one `removeTree` shares as it walks: LIST's kinds, what it deletes, and what it kept.
    private struct TreeRemoval {
        let kinds: ListedKinds
        let including: (ListingEntry) -> Bool
        var refused: [String] = []
    }

    /// Deletes what may be deleted in the folder `path` (whose DELE was refused), and `path`
    /// itself once that leaves it empty; notes what it keeps and why.
    private func removeFolder(_ path: RemotePath, maximumDepth: Int, walk: inout TreeRemoval) throws {
        guard maximumDepth > 0 else { throw FTPError(kind: .protocolViolation, detail: "\(Sanitizer.visible(path.description)) lies too deep to delete") }
        let before = walk.refused.count
        let listing: DirectoryListing
        do {
            listing = try self.listing(Self.listArgument(path, features: features))
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            // A folder that cannot be listed (a name the server cannot take back) is kept, and the rest goes on.
            walk.refused.append("\(Sanitizer.visible(path.description)): cannot be listed (\(error)); kept")
            return
        }
        // What the listing could not show may still be there: the folder is kept.
        if let incompleteness = listing.incompleteness {
            walk.refused.append("\(Sanitizer.visible(path.description)): \(incompleteness); the folder is kept")
        }
        var keeps = false
        for entry in listing.entries { keeps = try !removeEntry(entry, of: path, maximumDepth: maximumDepth, walk: &walk) || keeps }
        if keeps, !listing.showsDotFiles {
            // Kept by the filter, the folder is never tried with RMD: what LIST hides is asked now.
            for entry in (try? dotEntries(of: path)) ?? [] { _ = try removeEntry(entry, of: path, maximumDepth: maximumDepth, walk: &walk) }
        }
        guard walk.refused.count == before, !keeps else { return }
        do {
            do {
                try rmd(path)
            } catch let error as FTPError where error.kind == .permanent && !listing.showsDotFiles {
                // LIST leaves names that begin with a dot out (vsftpd): asked with -a, they go too.
                guard let hidden = try? dotEntries(of: path), !hidden.isEmpty else { throw error }
                for entry in hidden { keeps = try !removeEntry(entry, of: path, maximumDepth: maximumDepth, walk: &walk) || keeps }
                guard walk.refused.count == before, !keeps else { return }
                try rmd(path)
            }
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            let hidden = listing.entries.isEmpty && (try? canEnter(path)) == false
                ? "it cannot be entered, so what it holds could not be seen, and " : ""
            walk.refused.append("\(Sanitizer.visible(path.description)): \(hidden)the server would not remove it (\(error)); kept")
        }
    }

    /// Deletes an entry of the folder `path` as `removeTree` says: a file with DELE, a folder
    /// (or a link a server lists as one) walked. False where `including` keeps it.
    private func removeEntry(_ entry: ListingEntry, of path: RemotePath, maximumDepth: Int, walk: inout TreeRemoval) throws -> Bool {
        guard walk.including(entry) else { return false }
        guard entry.hasSafeName else {
            walk.refused.append(SafeName.refusal("delete", entry.name, in: path.description))
            return true
        }
        let child = path.appending(entry.remoteName)
        guard let refusal = try refusalToDelete(child) else { return true }
        if entry.kind != .directory {
            walk.refused.append("\(Sanitizer.visible(child.description)): \(refusal)")
        } else if let unconfirmed = try unconfirmedFolder(child, kinds: walk.kinds, refusal: refusal) {
            walk.refused.append(unconfirmed)
        } else {
            try removeFolder(child, maximumDepth: maximumDepth - 1, walk: &walk)
        }
        return true
    }

    /// The entries of the folder `path` whose names begin with a dot, from `LIST -a`: what a
    /// LIST that hides them (vsftpd's) leaves out.
    public func dotEntries(of path: RemotePath) throws -> [ListingEntry] {
        try listing(Self.listArgument(path, features: features, withDotNames: true)).entries.filter { $0.hasDotName && $0.name != "." && $0.name != ".." }
    }

    /// Where listings come from MLSD, which some servers answer with a link's target, why
    /// `path` (which the MLSD listing showed as a folder, and whose DELE was refused) is not to
    /// be walked: LIST shows it as something else, or does not show it; nil where LIST shows it
    /// as a folder, and where the listing came from LIST itself.
    private func unconfirmedFolder(_ path: RemotePath, kinds: ListedKinds, refusal: FTPError) throws -> String? {
        guard features.supports("MLST") else { return nil }
        switch try kinds.answer(for: path, client: self) {
        case .listed(.directory): return nil
        case .listed(let kind): return Self.keptLink(path, kind: kind, refusal: refusal).description
        case .absent, .unknown:
            return "\(Sanitizer.visible(path.description)): not shown as a folder by its folder's LIST (a link?), and the server refused to delete it (\(refusal)); nothing in it was touched"
        }
    }

    /// Why a path LIST shows as no folder stays after its DELE was refused: a file, for that
    /// refusal; a link (or anything else), kept with nothing in it touched.
    private static func keptLink(_ path: RemotePath, kind: ListingEntry.Kind, refusal: FTPError) -> FTPError {
        guard kind != .file else { return refusal }
        let what = kind == .link ? "a link" : "no folder"
        return FTPError(
            kind: .permanent,
            detail: "\(Sanitizer.visible(path.description)) is \(what) by its folder's LIST, and the server refused to delete it (\(refusal)); nothing in it was touched")
    }

    /// The folder's listing, the folder named with a trailing `/` where it comes from LIST:
    /// vsftpd takes the last part of LIST's argument for a pattern when it cannot open the
    /// folder, and answers with the folder's own entry (as `ls -d` would), an empty listing, or
    /// the siblings the pattern matches, each ended as done; asked for `folder/`, it says it
    /// could not open it. An empty listing is complete only where CWD enters the folder
    /// (`DirectoryListing.isEmptyUnentered`).
    public func folderListing(_ folder: RemotePath) throws -> DirectoryListing {
        var listing = try listing(Self.listArgument(folder, features: features))
        guard listing.entries.isEmpty, listing.isComplete, !folder.isEmpty else { return listing }
        // Where PWD names no folder to come back to, CWD is not tried: the listing stands as it is.
        do {
            _ = try workingDirectory()
        } catch let error as FTPError where error.kind == .protocolViolation {
            return listing
        }
        listing.isEmptyUnentered = try !canEnter(folder)
        return listing
    }

    /// Whether CWD enters `folder` (`inFolder`, which takes the connection back).
    public func canEnter(_ folder: RemotePath) throws -> Bool {
        do {
            try inFolder(folder) {}
            return true
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            return false
        }
    }

    /// Runs `body` with the connection in `folder` (CWD), then takes it back where it was; a
    /// connection that cannot get back is closed, since every later relative path would be
    /// taken from the wrong folder, where a closed connection fails (and is made again).
    public func inFolder<Result>(_ folder: RemotePath, _ body: () throws -> Result) throws -> Result {
        let here = try workingDirectory()
        do {
            try cwd(folder)
        } catch {
            knownDirectory = here
            throw error
        }
        defer {
            if (try? cwd(here)) == nil { close() } else { knownDirectory = here }
        }
        return try body()
    }

    /// The folder as a listing is to name it: with a trailing `/` where listings come from
    /// LIST (see `folderListing`), and after `./` where it begins with `-`, which vsftpd and
    /// pyftpdlib take LIST's argument for options by; after `-a ` with `withDotNames`, for LIST
    /// to show the names that begin with a dot.
    static func listArgument(_ folder: RemotePath, features: FeatureSet, withDotNames: Bool = false) -> RemotePath {
        var bytes = folder.bytes
        if bytes.first == UInt8(ascii: "-") { bytes = Array("./".utf8) + bytes }
        if !features.supports("MLST"), !bytes.isEmpty, bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
        return RemotePath(bytes: withDotNames ? Array("-a ".utf8) + bytes : bytes)
    }

    /// Deletes `files` under the folder `path`, and each folder that leaves empty, walking as
    /// `removeTree` does: a folder that DELE takes away (a link a server lists as a folder) is
    /// gone, and nothing is deleted through it, nor through one LIST shows as a link; a name
    /// that could lead outside is passed over.
    public func removeFiles(_ files: Set<RemotePath>, under path: RemotePath, maximumDepth: Int = 64) throws {
        // The folders that hold a file to delete, whatever their listing calls them (a copy
        // walks into an entry of no known kind that CWD enters).
        var holders = Set<RemotePath>()
        for file in files {
            for (index, byte) in file.bytes.enumerated() where byte == UInt8(ascii: "/") {
                holders.insert(RemotePath(bytes: file.bytes[..<index]))
            }
        }
        let kinds = ListedKinds()
        if try deletesAsAFile(path) { return }
        // Nothing listed the folder itself: only its folder's LIST showing it as one lets it be walked.
        guard try kinds.answer(for: path, client: self) == .listed(.directory) else { return }
        try removeFiles(files, in: path, holders: holders, kinds: kinds, maximumDepth: maximumDepth)
    }

    /// `removeFiles` in the folder `path`, whose DELE was refused.
    private func removeFiles(_ files: Set<RemotePath>, in path: RemotePath, holders: Set<RemotePath>, kinds: ListedKinds, maximumDepth: Int) throws {
        guard maximumDepth > 0 else { return }
        for entry in try listing(Self.listArgument(path, features: features)).entries where entry.hasSafeName {
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory || holders.contains(child) {
                guard let refusal = try refusalToDelete(child), try unconfirmedFolder(child, kinds: kinds, refusal: refusal) == nil else { continue }
                try removeFiles(files, in: child, holders: holders, kinds: kinds, maximumDepth: maximumDepth - 1)
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

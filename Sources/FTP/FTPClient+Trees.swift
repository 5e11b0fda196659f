import FTPWire

extension FTPClient {
    /// Deletes a directory and everything in it, depth first. Links are deleted, never followed:
    /// a server that follows them lists a link to a folder as a folder (pyftpdlib's MLSD), so
    /// each folder is first asked away with DELE, which takes a link and fails on a real folder.
    ///
    /// A listed name that could lead outside its folder (`..`, one holding `/` or NUL; see
    /// `SafeName`) is never acted on: the rest is deleted, the folders holding such a name (or
    /// whose listing could not be read whole) are kept, and the call then fails naming them. A tree deeper than
    /// `maximumDepth` (a hostile server's listing could go on for ever) is refused before
    /// anything below that depth is touched.
    public func removeTree(_ path: RemotePath, maximumDepth: Int = 64) throws {
        var refused: [String] = []
        try removeTree(path, maximumDepth: maximumDepth, refused: &refused)
        guard let first = refused.first else { return }
        throw FTPError(kind: .protocolViolation, detail: refused.count == 1 ? first : "\(first) (and \(refused.count - 1) more)")
    }

    /// Deletes what may be deleted under `path`, and `path` itself when nothing in it was
    /// refused; notes the refusals.
    private func removeTree(_ path: RemotePath, maximumDepth: Int, refused: inout [String]) throws {
        guard maximumDepth > 0 else { throw FTPError(kind: .protocolViolation, detail: "\(Sanitizer.visible(path.description)) lies too deep to delete") }
        if try deletesAsAFile(path) { return }
        let before = refused.count
        let listing = try listing(path)
        // What the listing could not show may still be there: the folder is kept.
        if let incompleteness = listing.incompleteness {
            refused.append("\(Sanitizer.visible(path.description)): \(incompleteness); the folder is kept")
        }
        for entry in listing.entries {
            guard entry.hasSafeName else {
                refused.append(SafeName.refusal("delete", entry.name, in: path.description))
                continue
            }
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory { try removeTree(child, maximumDepth: maximumDepth - 1, refused: &refused) } else { try delete(child) }
        }
        guard refused.count == before else { return }
        try rmd(path)
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
        if try deletesAsAFile(path) { return }
        for entry in try listing(path).entries where entry.hasSafeName {
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory || holders.contains(child) {
                try removeFiles(files, under: child, holders: holders, maximumDepth: maximumDepth - 1)
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
        do {
            try delete(path)
            return true
        } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
            return false
        }
    }
}

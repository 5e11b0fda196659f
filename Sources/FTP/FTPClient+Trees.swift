import FTPWire

extension FTPClient {
    /// Deletes a directory and everything in it, depth first. Links are deleted, never followed.
    public func removeTree(_ path: RemotePath) throws {
        for entry in try listDirectory(path) {
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory { try removeTree(child) } else { try delete(child) }
        }
        try rmd(path)
    }
}

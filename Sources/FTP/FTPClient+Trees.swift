import FTPWire

extension FTPClient {
    /// Deletes a directory and everything in it, depth first. Links are deleted, never followed.
    /// A tree deeper than `maximumDepth` (a hostile server's listing could go on for ever) is
    /// refused before anything below that depth is touched.
    public func removeTree(_ path: RemotePath, maximumDepth: Int = 64) throws {
        guard maximumDepth > 0 else { throw FTPError(kind: .protocolViolation, detail: "\(Sanitizer.visible(path.description)) lies too deep to delete") }
        for entry in try listDirectory(path) {
            let child = path.appending(entry.remoteName)
            if entry.kind == .directory { try removeTree(child, maximumDepth: maximumDepth - 1) } else { try delete(child) }
        }
        try rmd(path)
    }
}

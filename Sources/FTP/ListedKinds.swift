import Foundation
import FTPWire

/// The kinds LIST gives the entries of folders, each folder asked once: what tells a link from
/// a folder where nothing else does (a path nobody listed; a server whose MLSD lists a link to a
/// folder as that folder, as pyftpdlib's does). Shared by the calls of one operation, on one
/// connection at a time.
public final class ListedKinds: @unchecked Sendable {
    private let lock = NSLock()
    /// By folder, the kinds of the entries LIST showed; nil where the folder's LIST failed.
    private var folders: [RemotePath: [RemotePath: ListingEntry.Kind]?] = [:]

    public init() {}

    /// The kind the LIST of the folder holding `path` shows for it; nil where that LIST fails,
    /// or does not show it (vsftpd and ProFTPD leave names that begin with a dot out).
    public func kind(of path: RemotePath, client: FTPClient) -> ListingEntry.Kind? {
        guard let name = path.components.last, name != ".", name != ".." else { return nil }
        let folder = path.parent ?? ""
        let known = lock.withLock { folders[folder] }
        if let known { return known?[name] }
        let listed = try? client.kindsListed(in: folder.isEmpty ? nil : folder)
        lock.withLock { folders[folder] = .some(listed) }
        return listed?[name]
    }
}

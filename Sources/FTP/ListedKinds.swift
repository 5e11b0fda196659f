import Foundation
import FTPWire

/// The kinds LIST gives the entries of folders, each folder asked once: what tells a link from
/// a folder where nothing else does (a path nobody listed; a server whose MLSD lists a link to a
/// folder as that folder, as pyftpdlib's does). Shared by the calls of one operation, on one
/// connection at a time.
public final class ListedKinds: @unchecked Sendable {
    /// What a folder's LIST says of a name.
    public enum Answer: Equatable, Sendable {
        /// LIST shows it, as this kind.
        case listed(ListingEntry.Kind)
        /// LIST was read and does not show it (with `-a` for a name that begins with a dot).
        case absent
        /// LIST could not be asked or read, so it says nothing.
        case unknown
    }

    private let lock = NSLock()
    /// By folder (and whether `-a` asked for the names that begin with a dot too), the kinds of
    /// the entries LIST showed; nil where the folder's LIST was refused.
    private var folders: [FolderKey: [RemotePath: ListingEntry.Kind]?] = [:]

    private struct FolderKey: Hashable {
        let folder: RemotePath
        let withDotNames: Bool
    }

    public init() {}

    /// What the LIST of the folder holding `path` says of it. A name that begins with a dot is
    /// asked for again with `-a` where plain LIST leaves it out (vsftpd, ProFTPD). A lost
    /// connection throws; a refused or unreadable LIST says nothing.
    public func answer(for path: RemotePath, client: FTPClient) throws -> Answer {
        guard let name = path.components.last, name != ".", name != ".." else { return .unknown }
        let folder = path.parent ?? ""
        guard let plain = try kinds(in: folder, withDotNames: false, client: client) else { return .unknown }
        if let kind = plain[name] { return .listed(kind) }
        guard name.bytes.first == UInt8(ascii: "."), let all = try kinds(in: folder, withDotNames: true, client: client) else {
            // A server that refuses `-a` shows every name to plain LIST, as pyftpdlib does.
            return .absent
        }
        return all[name].map(Answer.listed) ?? .absent
    }

    /// The kinds LIST shows in `folder`, asked once; nil where LIST was refused.
    private func kinds(in folder: RemotePath, withDotNames: Bool, client: FTPClient) throws -> [RemotePath: ListingEntry.Kind]? {
        let key = FolderKey(folder: folder, withDotNames: withDotNames)
        if let known = lock.withLock({ folders[key] }) { return known }
        var listed: [RemotePath: ListingEntry.Kind]?
        do {
            listed = try client.kindsListed(in: folder.isEmpty ? nil : folder, withDotNames: withDotNames)
        } catch let error as FTPError where !error.isConnectionLoss {
            listed = nil
        }
        lock.withLock { folders[key] = .some(listed) }
        return listed
    }
}

import FTP
import FTPWire
import Transfers

/// The two ends of a copy between servers, which may be one server as one user (the same site,
/// or the same address and user however the URLs spell the host): there a copy onto its own
/// source would truncate the file it reads, and a folder copied into itself would never end.
struct OneServerCopy {
    /// How a copy's target meets its source.
    enum Overlap {
        /// The target is the source.
        case sameFile
        /// The target lies inside the source folder.
        case intoItself
    }

    /// The login folder, from which relative paths of both ends resolve; nil where the ends
    /// are two servers, or two users of one.
    private let home: RemotePath?
    /// The source's connection, for the server's own word on which file a path names.
    private let reader: FTPClient

    /// Asks the source's server for the login folder where both ends are one server as one user.
    init(from source: RemoteEndpoint, reading reader: FTPClient, to destination: RemoteEndpoint, writing writer: FTPClient) throws {
        let oneServer = source.site == destination.site
            || reader.serverAddress.sameHost(as: writer.serverAddress) && source.user == destination.user
        home = oneServer ? try reader.workingDirectory() : nil
        self.reader = reader
    }

    /// How copying `path` to `target` (with `recursive`, all a folder holds) would write what it
    /// reads; nil where it would not. Two spellings are one file where they resolve alike, or
    /// (a link on the way, such as `lnk/a.txt` with `lnk` leading to the folder of `a.txt`)
    /// where the server's MLST gives both the same `unique` fact, or, without MLST, where the
    /// last names match and PWD names both folders alike from inside (vsftpd names the folder
    /// a link leads to).
    func overlap(copying path: RemotePath, to target: RemotePath, recursive: Bool) -> Overlap? {
        guard let home else { return nil }
        let (read, written) = (path.resolved(from: home), target.resolved(from: home))
        if read == written || isOneFile(path, target) { return .sameFile }
        return recursive && (written.starts(with: read) || liesInside(target, folder: path)) ? .intoItself : nil
    }

    /// Whether `target` lies inside the folder `path` through a link on its way: one of the
    /// target's folders has the source's MLST `unique` fact or, without MLST, the nearest
    /// folder of the target that exists is named from inside (PWD) within the source's name.
    private func liesInside(_ target: RemotePath, folder path: RemotePath) -> Bool {
        var ancestor = target.parent
        guard reader.features.supports("MLST") else {
            guard let source = namedFromInside(path) else { return false }
            while let folder = ancestor {
                if let named = namedFromInside(folder) { return named.components.starts(with: source.components) }
                ancestor = folder.parent
            }
            return false
        }
        guard let source = uniqueFact(of: path) else { return false }
        while let folder = ancestor {
            if uniqueFact(of: folder) == source { return true }
            ancestor = folder.parent
        }
        return false
    }

    /// Whether MLST names both paths with one `unique` fact; false where the server has no
    /// MLST, or either has no such fact (a target not there yet).
    private func isOneFile(_ path: RemotePath, _ target: RemotePath) -> Bool {
        guard reader.features.supports("MLST") else {
            guard path.lastComponent == target.lastComponent, let read = namedFromInside(path.parent), let written = namedFromInside(target.parent) else {
                return false
            }
            return read == written
        }
        guard let read = uniqueFact(of: path), let written = uniqueFact(of: target) else { return false }
        return read == written
    }

    /// The `unique` fact MLST gives for `path`; nil where it gives none (or cannot be asked).
    private func uniqueFact(of path: RemotePath) -> String? {
        (try? reader.mlst(path))??.facts["unique"]
    }

    /// The folder as PWD names it once CWD is in it (the current one for nil); nil where that
    /// cannot be asked. The connection goes back where it was, or is closed.
    private func namedFromInside(_ folder: RemotePath?) -> RemotePath? {
        guard let folder, !folder.isEmpty else { return try? reader.workingDirectory() }
        return try? reader.inFolder(folder) { try reader.pwd() }
    }
}

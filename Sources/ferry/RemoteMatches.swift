import FTP
import FTPWire
import Transfers

/// The entries of a server's folder that a URL names when the last part of its path is a
/// pattern (`ftp://host/pub/*.gz`, see `Glob`; `\*` or `%5C*` is a literal star): the folder's
/// listing, matched by name as a shell matches file names (`Glob.matchesFileName`; with a `/`
/// after the pattern, folders only). A matching name that could leave the folder is refused,
/// not used.
struct RemoteMatches {
    /// One matching entry and its path on the server.
    struct Match {
        let path: RemotePath
        let entry: ListingEntry

        /// Whether the entry is a folder.
        var isFolder: Bool { entry.kind == .directory }
    }

    /// The matching entries with plain names, in the listing's order.
    let matches: [Match]
    /// Why matching names were left alone.
    let refused: [String]

    /// Whether the last part of `url`'s path is a pattern.
    static func isPattern(_ url: FTPURL) -> Bool { Glob.isPattern(url.path.lastComponent.description) }

    /// Lists the folder of `url` on `session` and keeps the entries its pattern matches, refusing
    /// to `action` those whose names are not plain (and noting a listing that could not be read
    /// whole among the refusals); fails with exit 5 when nothing matches.
    init(_ url: FTPURL, session: RemoteSession, action: String) throws {
        let pattern = url.path.lastComponent
        let folder = RemotePath(bytes: url.path.withoutTrailingSlash.bytes.dropLast(pattern.bytes.count))
        let listing: DirectoryListing
        do {
            listing = try session.connection().listing(folder.isEmpty ? nil : folder)
        } catch {
            throw Failure(error, while: "cannot list \(url.with(path: folder))")
        }
        var matches: [Match] = []
        var refused: [String] = []
        // A match may hide where the listing could not be read: the command fails saying so.
        if let incompleteness = listing.incompleteness {
            refused.append("\(url.with(path: folder)): \(incompleteness); a match it did not show is left alone")
        }
        // As in a shell, a pattern followed by a `/` (`pub/*/`) matches folders only.
        let foldersOnly = url.path.bytes.last == UInt8(ascii: "/")
        for entry in listing.entries
        where (!foldersOnly || entry.kind == .directory) && Glob.matchesFileName(pattern.description, entry.name) {
            guard entry.hasSafeName else {
                refused.append(SafeName.refusal(action, entry.name, in: folder.isEmpty ? url.host : folder.description))
                continue
            }
            matches.append(Match(path: folder.appending(entry.remoteName), entry: entry))
        }
        guard !matches.isEmpty || !refused.isEmpty else {
            throw Failure(.notFound, "no match for '\(Sanitizer.visible(url.path.description))'")
        }
        self.matches = matches
        self.refused = refused
    }

    /// The URL of each match on the server of `url`, a folder's with a `/` at its end; a folder
    /// without `recursive` is left out with a reason in `refused`.
    func urls(on url: FTPURL, recursive: Bool, refused: inout [String], verb: String) -> [FTPURL] {
        refused += self.refused
        var urls: [FTPURL] = []
        for match in matches {
            if match.isFolder, !recursive {
                refused.append("\(url.with(path: match.path)) is a directory: add -r to \(verb) it with all inside")
                continue
            }
            urls.append(url.with(path: match.isFolder ? RemotePath(bytes: match.path.bytes + [UInt8(ascii: "/")]) : match.path))
        }
        return urls
    }
}

import FTP
import FTPWire

/// Paths built from the names a listing gave, on either side: each name is checked first
/// (`SafeName`), and one that could lead outside its folder throws, naming it, instead of
/// being acted on.
enum ListedName {
    /// The server's path of `entry` inside `directory`, for `action` (`delete`, `rename`, …).
    static func remote(_ entry: ListingEntry, in directory: RemotePath, to action: String) throws -> RemotePath {
        try check(entry, in: directory.description, to: action)
        return directory.appending(entry.remoteName)
    }

    /// The local path of `entry` inside `folder`, for `action`.
    static func local(_ entry: ListingEntry, in folder: String, to action: String) throws -> String {
        try check(entry, in: folder, to: action)
        return folder.hasSuffix("/") ? folder + entry.name : folder + "/" + entry.name
    }

    /// Throws, naming the entry made visible, unless its name is one plain name.
    static func check(_ entry: ListingEntry, in folder: String, to action: String) throws {
        guard entry.hasSafeName else { throw FTPError(kind: .protocolViolation, detail: SafeName.refusal(action, entry.name, in: folder)) }
    }
}

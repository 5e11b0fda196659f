/// Checks that a name from elsewhere (a server's listing, a local folder) is one plain file
/// name, so that a path built from it stays inside the folder it was listed in.
///
/// Every name that comes from a listing passes this check before it is used in a path, for
/// reading, writing, listing, deleting or renaming, on either side; a name that fails is
/// reported, never acted on.
public enum SafeName {
    /// Not empty, not `.` or `..`, and without `/` or NUL, judged on the bytes that reach the
    /// file system (a `/` followed by a combining mark is another Character, but still a `/`).
    /// Windows servers (IIS) take `\` for a separator and `C:` for a drive too, so a name that
    /// starts with either, or that has `..` between backslashes (`..\..\x`), is refused as well;
    /// other backslashes (`a\b`) stay inside the folder on any server.
    public static func isSafe(_ name: String) -> Bool { isSafe(bytes: name.utf8) }

    /// The same check on a name as the server's bytes.
    public static func isSafe(_ name: RemotePath) -> Bool { isSafe(bytes: name.bytes) }

    /// The same check on raw bytes.
    public static func isSafe<Bytes: Collection<UInt8>>(bytes: Bytes) -> Bool {
        guard let first = bytes.first else { return false }
        let dot = UInt8(ascii: ".")
        if first == dot, bytes.count <= 2, bytes.allSatisfy({ $0 == dot }) { return false }
        return !bytes.contains(UInt8(ascii: "/")) && !bytes.contains(0) && !leavesTheFolderOnWindows(bytes)
    }

    /// Whether Windows would read the name as a path that leaves its folder: from the root
    /// (`\x`, `\\server\share`), on a drive (`C:x`, `C:\x`), or up (`..\x`, `a\..\..`).
    private static func leavesTheFolderOnWindows<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        let backslash = UInt8(ascii: "\\")
        guard let first = bytes.first else { return false }
        if first == backslash { return true }
        let second = bytes.dropFirst().first
        if second == UInt8(ascii: ":"), (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A { return true }
        guard bytes.contains(backslash) else { return false }
        return bytes.split(separator: backslash).contains { $0.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) }
    }

    /// The name quoted, with control characters made visible.
    public static func shown(_ name: String) -> String { "\"" + Sanitizer.visible(name) + "\"" }

    /// Why a name was left alone: `refusing to ACTION "NAME" in FOLDER: it is not a plain file name`.
    public static func refusal(_ action: String, _ name: String, in folder: String) -> String {
        "refusing to \(action) \(shown(name)) in \(Sanitizer.visible(folder)): it is not a plain file name"
    }
}

extension ListingEntry {
    /// Whether the entry's name is one plain name, as the server's bytes and as text alike:
    /// only then may a path be built from it.
    public var hasSafeName: Bool { SafeName.isSafe(remoteName) && SafeName.isSafe(name) }
}

import FTPWire

/// Checks that a name from elsewhere is one plain file name.
public enum SafeName {
    /// Not empty, not `.` or `..`, and without `/` or NUL, judged on the bytes that reach the
    /// file system (a `/` followed by a combining mark is another Character, but still a `/`).
    public static func isSafe(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return !bytes.isEmpty && bytes != [0x2E] && bytes != [0x2E, 0x2E] && !bytes.contains(0x2F) && !bytes.contains(0)
    }

    /// The name quoted, with control characters made visible.
    public static func shown(_ name: String) -> String { "\"" + Sanitizer.visible(name) + "\"" }
}

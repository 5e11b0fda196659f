/// Showing URLs that may hold a password.
public enum URLText {
    /// The URL with the password (between the user's `:` and the last `@` before the path)
    /// replaced by `****` and control characters made visible.
    public static func maskingPassword(_ text: String) -> String {
        guard let rest = afterScheme(text), let at = userEnd(rest), let colon = rest[..<at].firstIndex(of: ":") else {
            return Sanitizer.visible(text)
        }
        return Sanitizer.visible(String(text[..<rest.index(after: colon)]) + "****" + String(text[at...]))
    }

    /// Whether the URL names a user (`scheme://user@host/…`).
    public static func namesUser(_ text: String) -> Bool {
        afterScheme(text).flatMap(userEnd) != nil
    }

    /// What follows `://`, or nil without a scheme.
    private static func afterScheme(_ text: String) -> Substring? {
        text.range(of: "://").map { text[$0.upperBound...] }
    }

    /// The `@` that ends the user part: the last one before the path.
    private static func userEnd(_ rest: Substring) -> Substring.Index? {
        rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)].lastIndex(of: "@")
    }
}

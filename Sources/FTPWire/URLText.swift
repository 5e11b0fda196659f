/// Showing URLs that may hold a password.
public enum URLText {
    /// The URL with the password (between the user's `:` and the last `@` before the path)
    /// replaced by `****` and control characters made visible.
    public static func maskingPassword(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return Sanitizer.visible(text) }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":")
        else { return Sanitizer.visible(text) }
        return Sanitizer.visible(String(text[..<rest.index(after: colon)]) + "****" + String(text[at...]))
    }
}

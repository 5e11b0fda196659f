import FTPWire
import TOMLKit

/// A saved server: a name and a URL, from `$XDG_CONFIG_HOME/ferry/bookmarks.toml`.
public struct Bookmark: Equatable, Sendable {
    public let name: String
    public let url: String

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }

    /// The URL with any password replaced by `****`, for showing.
    public var shownURL: String { URLText.maskingPassword(url) }

    /// Reads a bookmarks file: `[[bookmark]]` tables with `name` and `url`.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> [Bookmark] {
        let table = try ConfigurationError.table(from: text, file: file)
        guard let list = table["bookmark"]?.array else { return [] }
        var bookmarks: [Bookmark] = []
        for (index, item) in list.enumerated() {
            guard let entry = item.table, let name = entry["name"]?.string, let url = entry["url"]?.string else {
                throw ConfigurationError(file: file, line: nil, message: "bookmark \(index + 1) needs a name and a url")
            }
            guard url.contains("://") else {
                throw ConfigurationError(file: file, line: nil, message: "bookmark \"\(name)\": \"\(url)\" is not a URL")
            }
            bookmarks.append(Bookmark(name: name, url: url))
        }
        return bookmarks
    }
}

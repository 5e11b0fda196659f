/// A path on the server, as the bytes the server uses for it.
///
/// Servers name files in any encoding, and a name that is not UTF-8 must reach the server again
/// byte for byte: so paths are bytes, shown as UTF-8 where valid and Latin-1 otherwise. A
/// string literal or `RemotePath(string)` is sent as UTF-8.
public struct RemotePath: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The bytes sent to the server.
    public let bytes: [UInt8]

    /// The path of a text, sent as UTF-8.
    public init(_ text: String) { bytes = Array(text.utf8) }

    /// The path of exactly these bytes.
    public init<Bytes: Sequence<UInt8>>(bytes: Bytes) { self.bytes = Array(bytes) }

    public init(stringLiteral value: String) { self.init(value) }

    /// The path as text: UTF-8 where valid, else Latin-1. Not for sending: use `bytes`.
    public var description: String { TextDecoding.string(bytes) }

    /// Whether the path is empty: the current directory.
    public var isEmpty: Bool { bytes.isEmpty }

    /// The last component, without the `/` that may follow it (empty for the root).
    public var lastComponent: RemotePath {
        var trimmed = bytes[...]
        while trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) else { return RemotePath(bytes: trimmed) }
        return RemotePath(bytes: trimmed[(slash + 1)...])
    }

    /// The path without the `/` it may end in (the root stays `/`).
    public var withoutTrailingSlash: RemotePath {
        var trimmed = bytes[...]
        while trimmed.count > 1, trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        return RemotePath(bytes: trimmed)
    }

    /// The folder that holds the last component: nil for one relative component (it is in the
    /// current directory) and for the root.
    public var parent: RemotePath? {
        let slash = UInt8(ascii: "/")
        var trimmed = bytes[...]
        while trimmed.last == slash { trimmed = trimmed.dropLast() }
        guard let index = trimmed.lastIndex(of: slash) else { return nil }
        var head = trimmed[..<index]
        while head.last == slash { head = head.dropLast() }
        return RemotePath(bytes: head.isEmpty ? [slash] : Array(head))
    }

    /// The parts between slashes, empty ones left out.
    public var components: [RemotePath] {
        bytes.split(separator: UInt8(ascii: "/")).map { RemotePath(bytes: $0) }
    }

    /// The parts of this path from the server's root, taken from `home` (the login folder, as
    /// PWD names it) when the path is relative, with `.` and `..` resolved as text: for telling
    /// whether two paths of one server name one place. (A link's `..` may lead elsewhere on the
    /// server; this does not ask.)
    public func resolved(from home: RemotePath) -> [RemotePath] {
        let start = bytes.first == UInt8(ascii: "/") ? [] : home.components
        var resolved: [RemotePath] = []
        for part in start + components {
            switch part.bytes {
            case [UInt8(ascii: ".")]: continue
            case [UInt8(ascii: "."), UInt8(ascii: ".")]: _ = resolved.popLast()
            default: resolved.append(part)
            }
        }
        return resolved
    }

    /// This path with `component` appended after a `/` (none is added after an empty path or
    /// one that ends in `/`).
    public func appending(_ component: RemotePath) -> RemotePath {
        if bytes.isEmpty || bytes.last == UInt8(ascii: "/") { return RemotePath(bytes: bytes + component.bytes) }
        return RemotePath(bytes: bytes + [UInt8(ascii: "/")] + component.bytes)
    }
}

extension FTPCommand {
    /// A command whose argument is a remote path (or none, for nil).
    public init(_ verb: String, path: RemotePath?) throws(CommandError) {
        try self.init(verb, bytes: path?.bytes)
    }
}

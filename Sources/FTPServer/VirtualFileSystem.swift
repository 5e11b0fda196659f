import Foundation

/// The server's view of its root folder: client paths in, confined local paths out.
///
/// A client path is resolved against the session's current directory and normalised (`.`,
/// `..` and repeated slashes), never rising above `/`. The local path is then checked with
/// symbolic links resolved, so a link inside the root cannot lead a client out of it.
struct VirtualFileSystem: Sendable {
    /// The root folder, with symbolic links resolved.
    let root: String

    init(root: String) throws {
        guard let resolved = realpath(root, nil) else {
            throw ServerError("cannot serve \(root): \(String(cString: strerror(errno)))")
        }
        self.root = String(cString: resolved)
        free(resolved)
    }

    /// A path the client named, both as the client sees it and as it lies on disk.
    struct Location {
        /// The normalised path below the root, starting with `/`.
        let virtualPath: String
        /// The path on disk.
        let localPath: String
        /// The last component, or `/` for the root.
        var name: String { virtualPath == "/" ? "/" : String(virtualPath.split(separator: "/").last ?? "/") }
    }

    /// Resolves `path` (absolute, or relative to `directory`). Nil when it leaves the root.
    func locate(_ path: String, from directory: String) -> Location? {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var components: [Substring] = []
        for component in joined.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        let virtualPath = "/" + components.joined(separator: "/")
        let localPath = components.isEmpty ? root : root + virtualPath
        guard staysInside(localPath) else { return nil }
        return Location(virtualPath: virtualPath, localPath: localPath)
    }

    /// Whether the deepest existing ancestor of `localPath`, links resolved, is inside the root.
    private func staysInside(_ localPath: String) -> Bool {
        var candidate = localPath
        while true {
            if let resolved = realpath(candidate, nil) {
                defer { free(resolved) }
                let real = String(cString: resolved)
                return real == root || real.hasPrefix(root == "/" ? "/" : root + "/")
            }
            guard errno == ENOENT || errno == ENOTDIR, let slash = candidate.lastIndex(of: "/") else { return false }
            candidate = String(candidate[..<slash])
            if candidate.isEmpty { return false }
        }
    }
}

/// A failure of the server itself, such as a root folder that does not exist.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

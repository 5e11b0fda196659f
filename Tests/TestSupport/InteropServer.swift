import Foundation
import Testing

/// A real FTP server started by `scripts/interop-servers` (vsftpd, pyftpdlib, proftpd), described by
/// environment variables such as `FERRY_TEST_VSFTPD_URL` and `FERRY_TEST_VSFTPD_ROOT`.
public struct InteropServer: Sendable, CustomStringConvertible {
    /// The variable prefix, such as `VSFTPD`.
    public let name: String
    /// The URL with user and password, ending in `/`.
    public let url: String
    /// The folder the server serves, which the tests (running as root) may read and write.
    public let root: String

    public var description: String { name }

    /// The server called `name`, or nil when its variables are not set.
    public static func named(_ name: String) -> InteropServer? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["FERRY_TEST_\(name)_URL"], let root = environment["FERRY_TEST_\(name)_ROOT"] else { return nil }
        return InteropServer(name: name, url: url, root: root)
    }

    /// Whether tests against the servers called `names` run: when all are configured, and always
    /// under CI (`CI=true`), where a missing server must fail the test rather than skip it.
    /// For `.enabled(if:)`, so that elsewhere such tests show as skipped, not passed.
    public static func shouldTest(_ names: String...) -> Bool {
        TestEnvironment.isCI || names.allSatisfy { named($0) != nil }
    }

    /// Why tests against interop servers are skipped, for `.enabled(if:_:)`.
    public static let skipReason: Comment = "needs the interop servers: run scripts/interop-servers start and source /tmp/ferry-interop/env"

    /// The server called `name`; throws when its variables are not set, which a test enabled by
    /// `shouldTest` meets only under CI.
    public static func require(_ name: String) throws -> InteropServer {
        guard let server = named(name) else { throw Missing(name: name) }
        return server
    }

    /// An interop server a test needs is not configured.
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "interop server \(name) missing: FERRY_TEST_\(name)_URL and _ROOT are not set (run scripts/interop-servers start and source /tmp/ferry-interop/env)"
        }
    }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String { url + path }

    /// The URL with the password replaced.
    public func url(_ path: String, password: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"),
              let colon = url[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return url(path) }
        return String(url[..<url.index(after: colon)]) + password + String(url[at...]) + path
    }

    /// The password in the URL, to check that it never shows.
    public var password: String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"),
              let colon = url[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return "" }
        return String(url[url.index(after: colon)..<at])
    }

    /// The local path of `relative` in the served folder.
    public func file(_ relative: String) -> String { root + "/" + relative }
}

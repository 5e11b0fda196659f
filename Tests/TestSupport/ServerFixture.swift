import FTP
import FTPServer
import Foundation
import Transfers

/// A running FTPServer over a fresh temporary root, with one user: `alice` / `secret`.
public final class ServerFixture: Sendable {
    public static let user = "alice"
    public static let password = "secret"

    public let root: TemporaryDirectory
    public let server: FTPServer

    public init(host: String = "127.0.0.1", passiveAddress: String? = nil, allowsAnonymous: Bool = false) throws {
        root = try TemporaryDirectory("ferry-server")
        server = try FTPServer(configuration: .init(
            root: root.path, host: host, users: [Self.user: Self.password], allowsAnonymous: allowsAnonymous,
            timeout: 20, passiveAddress: passiveAddress))
        server.start()
    }

    /// The port the server listens on.
    public var port: UInt16 { server.address.port }

    /// `ftp://alice:secret@host:port/` followed by `path`; without a password (`ftp://alice@…`,
    /// for FERRY_PASSWORD to give) when `password` is nil.
    public func url(_ path: String = "", password: String? = ServerFixture.password) -> String {
        let host = server.address.isIPv6 ? "[\(server.address.host)]" : server.address.host
        let credentials = password.map { "\(Self.user):\($0)" } ?? Self.user
        return "ftp://\(credentials)@\(host):\(port)/\(path)"
    }

    /// A client logged in as alice.
    public func client(options: FTPClient.Options = .init(timeout: 10)) throws -> FTPClient {
        let client = try FTPClient(host: server.address.host, port: port, options: options)
        try client.login(user: Self.user, password: Self.password)
        return client
    }

    /// A session of the transfer engine, logged in as alice on first use.
    public func session() throws -> RemoteSession {
        RemoteSession(endpoint: RemoteEndpoint(url: try FTPURL(url()), user: Self.user, password: Self.password))
    }

    public func stop() {
        server.stop()
        root.remove()
    }
}

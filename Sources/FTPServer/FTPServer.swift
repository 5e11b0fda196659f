import Foundation
import Net

/// A small FTP server for loopback use: it backs `ferry demo` and the tests.
///
/// It serves one root folder, never lets a path escape it, speaks enough of RFC 959, 2389,
/// 2428 and 3659 for any client, and injects faults on request (`faults`). Each session runs on
/// its own thread.
public final class FTPServer: Sendable {
    /// Settings of a server.
    public struct Configuration: Sendable {
        /// The folder served as `/`.
        public var root: String
        /// The numeric address to listen on.
        public var host: String
        /// The port to listen on; 0 picks a free one.
        public var port: UInt16
        /// Accepted user names and their passwords.
        public var users: [String: String]
        /// Whether `anonymous` and `ftp` may log in with any password.
        public var allowsAnonymous: Bool
        /// Seconds a session may sit idle, and a data connection may wait, before it is dropped.
        public var timeout: Double
        /// The IPv4 address to announce in 227 replies instead of the real one, like vsftpd's
        /// `pasv_address`; for testing that clients ignore it.
        public var passiveAddress: String?
        /// Whether the server keeps every command it receives (`receivedCommands`), as tests
        /// ask; a server that runs for long (`ferry demo`) keeps none, or its memory would grow
        /// with every command.
        public var keepsCommandLog: Bool

        public init(
            root: String, host: String = "127.0.0.1", port: UInt16 = 0, users: [String: String] = [:],
            allowsAnonymous: Bool = false, timeout: Double = 60, passiveAddress: String? = nil, keepsCommandLog: Bool = true
        ) {
            self.root = root
            self.host = host
            self.port = port
            self.users = users
            self.allowsAnonymous = allowsAnonymous
            self.timeout = timeout
            self.passiveAddress = passiveAddress
            self.keepsCommandLog = keepsCommandLog
        }
    }

    /// The settings the server runs with.
    public let configuration: Configuration
    /// Faults to inject; change them at any time.
    public let faults = FaultInjection()
    /// The address the server listens on, with its real port.
    public var address: SocketAddress { listener.address }

    private let listener: TCPListener
    private let fileSystem: VirtualFileSystem
    private let sessions = Locked<Sessions>(Sessions())
    private let commandLog = Locked<[String]>([])
    private let togetherLog = Locked<[[String]]>([])
    private let fileDigests = Locked(0)
    private let passingDigests = Locked(0)
    /// The digests of whole files made as downloads passed them.
    let keptDigests = KeptDigests()

    /// The open sessions, and the most there were at once.
    private struct Sessions {
        var open: [ObjectIdentifier: TCPSocket] = [:]
        var most = 0
    }

    /// Binds the listening socket; call `start()` to serve.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        fileSystem = try VirtualFileSystem(root: configuration.root)
        listener = try TCPListener(host: configuration.host, port: configuration.port)
    }

    /// Accepts connections on a background thread until `stop()`.
    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "ferry-server-accept"
        thread.start()
    }

    /// Stops listening and drops every session.
    public func stop() {
        listener.close()
        let open = sessions.withLock { Array($0.open.values) }
        for socket in open { socket.shutdown() }
    }

    /// The most sessions that were open at once (connections turned away with 421 not counted);
    /// for tests that check how many connections a client made.
    public var mostSessionsAtOnce: Int { sessions.withLock { $0.most } }

    /// How many digests the server made by reading a file again, rather than from the bytes
    /// of the transfer that had just passed it whole; for tests.
    public var digestsReadFromFiles: Int { fileDigests.withLock { $0 } }

    func countDigestReadFromFile() {
        fileDigests.withLock { $0 += 1 }
    }

    /// How many downloads made the digest of the file they passed whole as its bytes went by
    /// (one kept of the file as it is makes that needless); for tests.
    public var digestsMadeInPassing: Int { passingDigests.withLock { $0 } }

    func countDigestMadeInPassing() {
        passingDigests.withLock { $0 += 1 }
    }

    /// How many sessions are open now.
    var openSessions: Int { sessions.withLock { $0.open.count } }

    /// Every command the server received, oldest first, with PASS arguments masked; for tests
    /// that check what a client sent. Empty unless the configuration keeps a command log.
    public var receivedCommands: [String] { commandLog.withLock { $0 } }

    /// The commands that came in one read, oldest first, for each read that held more than
    /// one (as `receivedCommands` spells them): for tests that check what a client pipelined.
    public var commandsReadTogether: [[String]] { togetherLog.withLock { $0 } }

    /// Forgets the commands received so far.
    public func clearReceivedCommands() {
        commandLog.withLock { $0.removeAll() }
        togetherLog.withLock { $0.removeAll() }
    }

    func record(_ command: @autoclosure () -> String) {
        guard configuration.keepsCommandLog else { return }
        let command = command()
        commandLog.withLock { $0.append(command) }
    }

    func recordReadTogether(_ commands: @autoclosure () -> [String]) {
        guard configuration.keepsCommandLog else { return }
        let commands = commands()
        togetherLog.withLock { $0.append(commands) }
    }

    private func acceptLoop() {
        while true {
            let socket: TCPSocket
            do {
                socket = try listener.accept(timeout: nil, socketTimeout: configuration.timeout)
            } catch {
                return
            }
            if let limit = faults.sessionLimitAtConnect, openSessions >= limit {
                try? socket.write(Array("421 Too many connections (\(limit) at most).\r\n".utf8))
                socket.close()
                continue
            }
            sessions.withLock {
                $0.open[ObjectIdentifier(socket)] = socket
                $0.most = max($0.most, $0.open.count)
            }
            let thread = Thread { [self] in
                ServerSession(server: self, control: socket, fileSystem: fileSystem).run()
                _ = sessions.withLock { $0.open.removeValue(forKey: ObjectIdentifier(socket)) }
                socket.close()
            }
            thread.name = "ferry-server-session"
            thread.start()
        }
    }
}

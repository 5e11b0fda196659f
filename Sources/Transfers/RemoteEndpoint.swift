import Dispatch
import FTP
import FTPWire
import Foundation
import Logging

/// Where and as whom to log in: everything needed to open a connection again after a drop.
public struct RemoteEndpoint: Sendable, CustomStringConvertible {
    /// The server's URL; its own user and password are ignored in favour of `user`/`password`.
    public var url: FTPURL
    /// The user name to log in as.
    public var user: String
    /// The password. Never part of `description` or any log.
    public var password: String
    /// Client settings; their `security` is set from the URL's scheme by `connect()`.
    public var options: FTPClient.Options
    /// How to check certificates, for `ftpes://`, `ftps://` and `requiresTLS`.
    public var tls: TLSConfiguration
    /// Whether an `ftp://` URL must use explicit TLS all the same (`--tls`).
    public var requiresTLS: Bool
    /// Where the control dialogue goes (at trace level, password masked).
    public var logger: Logger

    public init(
        url: FTPURL, user: String, password: String, options: FTPClient.Options = .init(),
        tls: TLSConfiguration = .init(), requiresTLS: Bool = false, logger: Logger = FTPClient.silentLogger
    ) {
        self.url = url
        self.user = user
        self.password = password
        self.options = options
        self.tls = tls
        self.requiresTLS = requiresTLS
        self.logger = logger
    }

    /// The security the URL's scheme and `requiresTLS` call for.
    public var security: FTPClient.Security {
        switch url.security {
        case .none: requiresTLS ? .explicitTLS(tls) : .none
        case .explicitTLS: .explicitTLS(tls)
        case .implicitTLS: .implicitTLS(tls)
        }
    }

    /// Connects and logs in; `cancellation` stops the connection from another thread.
    /// `beforeLogin` runs once the server has greeted (and TLS begun): it may wait, or throw to
    /// give up without a word of the login sent.
    public func connect(cancellation: Cancellation = Cancellation(), beforeLogin: () throws -> Void = {}) throws -> FTPClient {
        var options = options
        options.security = security
        let client = try FTPClient(host: url.host, port: url.port, options: options, logger: logger, cancellation: cancellation)
        do {
            try beforeLogin()
            try client.login(user: user, password: password)
        } catch {
            client.close()
            throw error
        }
        return client
    }

    /// The URL without password.
    public var description: String { url.description }
}

/// One connection that is opened on first use and again after it was dropped.
///
/// Every connection the session makes shares its `cancellation`: cancelling stops the one open
/// now and refuses to make another, so a session once cancelled is finished.
public final class RemoteSession {
    /// Where to connect.
    public let endpoint: RemoteEndpoint
    /// Stops the session from another thread, whichever connection it is on.
    public let cancellation = Cancellation()
    private var client: FTPClient?

    /// The file the next transfer on this session will most likely download whole (see
    /// `FTPClient.upcomingRetrieval`), passed on to the connection open now and to the next.
    public var upcomingRetrieval: UpcomingRetrieval? {
        didSet { client?.upcomingRetrieval = upcomingRetrieval }
    }

    public init(endpoint: RemoteEndpoint) { self.endpoint = endpoint }

    /// The open connection, connecting first if there is none (`beforeLogin` as for
    /// `RemoteEndpoint.connect`).
    public func connection(beforeLogin: () throws -> Void = {}) throws -> FTPClient {
        guard !cancellation.isCancelled else { throw FTPError(kind: .cancelled, detail: "cancelled") }
        if let client { return client }
        let fresh = try endpoint.connect(cancellation: cancellation, beforeLogin: beforeLogin)
        fresh.upcomingRetrieval = upcomingRetrieval
        client = fresh
        return fresh
    }

    /// Whether a connection is open (as far as is known: a drop shows at the next command).
    public var isConnected: Bool { client != nil }

    /// Sends NOOP on the open connection, so that servers do not drop it for idling, and drops it
    /// if the server has gone; does nothing without a connection.
    public func keepAlive() {
        guard let client else { return }
        do {
            try client.noop()
        } catch {
            drop()
        }
    }

    /// Closes the connection without a word: after an error that may have left it out of step.
    public func drop() {
        client?.close()
        client = nil
    }

    /// Says goodbye to the server and closes the connection; without `awaitingGoodbye`, as
    /// soon as QUIT is out (see `FTPClient.quit(awaitingReply:)`).
    public func close(awaitingGoodbye: Bool = true) {
        try? client?.quit(awaitingReply: awaitingGoodbye)
        client = nil
    }
}

extension RemoteEndpoint {
    /// Which connections can serve this endpoint: the same security, pinned certificate, user and
    /// password on the same server.
    public var site: String {
        var plain = url
        plain.user = user
        plain.path = ""
        return plain.description + (requiresTLS ? " tls" : "") + (tls.pinnedFingerprint.map { " pin " + $0 } ?? "") + " \(password.hashValue)"
    }
}

/// The connections of one worker (or of a command's planning), one per site, opened on first
/// use and closed together; used by one thread at a time.
public final class SessionPool: Sendable {
    // The sessions themselves are used by the pool's owner only; other threads only read their
    // cancellations, to stop what the owner is doing.
    private let sessions = Locked<[String: RemoteSessionBox]>([:])
    /// Held while a thread of its own logs the pool in (`connecting(to:)`): the owner waits.
    private let warmingUp = DispatchGroup()

    public init() {}

    /// A pool whose session for `endpoint` starts connecting and logging in now, on a thread of
    /// its own, while the caller does other things (logs in, plans a mirror). With `gate`, the
    /// login waits until the gate opens and is never sent when it shuts. The owner's first use
    /// waits for it; a failure is left for the owner's own attempt to meet again.
    public static func connecting(to endpoint: RemoteEndpoint, loggingInAfter gate: LoginGate? = nil) -> SessionPool {
        let pool = SessionPool()
        let session = RemoteSessionBox(session: pool.session(for: endpoint))
        pool.warmingUp.enter()
        let thread = Thread { [pool] in
            _ = try? session.session.connection(beforeLogin: { try gate?.wait() })
            pool.warmingUp.leave()
        }
        thread.name = "ferry-connect"
        thread.start()
        return pool
    }

    /// The session for a server, made on first use; a `role` other than the default asks for a
    /// connection apart (the destination of a copy within one server).
    public func session(for endpoint: RemoteEndpoint, role: String = "") -> RemoteSession {
        warmingUp.wait()
        let key = endpoint.site + (role.isEmpty ? "" : " " + role)
        return sessions.withLock { sessions in
            // A cancelled session is finished: the next transfer makes a new one.
            if let box = sessions[key], !box.session.cancellation.isCancelled { return box.session }
            let session = RemoteSession(endpoint: endpoint)
            sessions[key] = RemoteSessionBox(session: session)
            return session
        }
    }

    /// Stops whatever the pool's owner is doing on any of its connections; from any thread.
    public func cancel() {
        sessions.withLock { $0.values.forEach { $0.session.cancellation.cancel() } }
    }

    /// Says goodbye on every connection; without `awaitingGoodbye`, closing each as soon as
    /// QUIT is out.
    public func close(awaitingGoodbye: Bool = true) {
        warmingUp.wait()
        let all = sessions.withLock { sessions in
            defer { sessions = [:] }
            return sessions.values.map(\.session)
        }
        all.forEach { $0.close(awaitingGoodbye: awaitingGoodbye) }
    }
}

/// A session kept in a pool.
private struct RemoteSessionBox: @unchecked Sendable {
    // @unchecked: only the pool's owner uses the session; others reach its cancellation, which is thread-safe.
    let session: RemoteSession
}

/// Holds back the logins of connections opened ahead (`SessionPool.connecting(to:loggingInAfter:)`)
/// until one connection's own login has shown the credentials good: they connect and hear the
/// greeting meanwhile, and a wrong password is tried once, not once per connection. Decided once;
/// later calls change nothing.
public final class LoginGate: Sendable {
    private let decided = DispatchGroup()
    private let verdict = Locked<Bool?>(nil)

    public init() { decided.enter() }

    /// The credentials work: the logins go ahead.
    public func open() { decide(true) }

    /// The logins are not sent: the connections give up.
    public func shut() { decide(false) }

    /// Waits for the verdict; throws when the gate shut.
    func wait() throws {
        decided.wait()
        guard verdict.withLock({ $0 }) == true else { throw FTPError(kind: .cancelled, detail: "the first login did not succeed") }
    }

    private func decide(_ opens: Bool) {
        let first = verdict.withLock { verdict in
            defer { verdict = verdict ?? opens }
            return verdict == nil
        }
        if first { decided.leave() }
    }
}

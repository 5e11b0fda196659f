import FTPWire

/// An error from the FTP client, keeping the server's reply where there was one.
///
/// The kinds follow Python's ftplib (`error_temp`, `error_perm`, `error_proto`) and add the
/// failures below the protocol, so callers switch on `kind` rather than match strings.
public struct FTPError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// The server answered 4xx: the same request may work later.
        case temporary
        /// The server answered 5xx: the request will not work as it is.
        case permanent
        /// The server refused the user name, password or account (5xx during login).
        case loginRefused
        /// The server broke the protocol: an unexpected or malformed reply.
        case protocolViolation
        /// The connection could not be made, or broke.
        case connection
        /// Nothing arrived, or nothing could be sent, within the timeout.
        case timeout
        /// The TLS handshake or certificate check failed.
        case tls
        /// The operation was cancelled by the caller.
        case cancelled
        /// A bad argument, refused before anything was sent.
        case usage
        /// An argument no command can carry (a name with CR, LF or NUL in it), refused before
        /// anything was sent: this request cannot work, others may.
        case unsendable
    }

    /// What went wrong, broadly.
    public let kind: Kind
    /// What the client was doing, such as `RETR a.txt` (password masked), if relevant.
    public let command: String?
    /// The server's reply, for `temporary`, `permanent` and most `protocolViolation` errors.
    public let reply: Reply?
    /// A description in plain words of what happened, for errors without a reply.
    public let detail: String
    /// For a refused certificate, what it says: for a person to decide whether to trust it.
    public let certificate: CertificateInfo?

    public init(kind: Kind, command: String? = nil, reply: Reply? = nil, detail: String = "", certificate: CertificateInfo? = nil) {
        self.kind = kind
        self.command = command
        self.reply = reply
        self.detail = detail
        self.certificate = certificate
    }

    /// The error for a reply that says the command failed, or was not what was expected.
    public static func unexpected(_ reply: Reply, to command: FTPCommand?) -> FTPError {
        let kind: Kind = switch reply.code.kind {
        case .transientNegative: .temporary
        case .permanentNegative: .permanent
        default: .protocolViolation
        }
        return FTPError(kind: kind, command: command?.description, reply: reply)
    }

    /// The error for a failure below the protocol, of the same kind, with what the client was
    /// doing.
    init(_ error: NetError, command: String? = nil) {
        let kind: Kind = switch error.kind {
        case .connection: .connection
        case .timeout: .timeout
        case .tls: .tls
        case .cancelled: .cancelled
        case .usage: .usage
        }
        self.init(kind: kind, command: command, detail: error.detail, certificate: error.certificate)
    }

    /// Runs `body`, a call into the network layer, and throws its `NetError` as an `FTPError` of
    /// the same kind: so that the FTP module's own failures and the network's reach its callers
    /// as one type.
    static func converting<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as NetError {
            throw FTPError(error)
        }
    }

    /// Whether the connection is gone or no longer usable: dropped, stalled, or closed by the
    /// server with 421. A new connection may well work.
    public var isConnectionLoss: Bool {
        kind == .connection || kind == .timeout || reply?.code == .serviceNotAvailable
    }

    public var description: String {
        var parts: [String] = []
        if let command { parts.append(command) }
        if let reply {
            parts.append(kind == .protocolViolation ? "unexpected reply \(Sanitizer.visibleReply(reply.description))" : Sanitizer.visibleReply(reply.description))
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: ": ")
    }
}

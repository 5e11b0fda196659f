/// An error from a socket, a listener or TLS: what failed below any protocol spoken over them.
///
/// Protocol layers report these in their own terms (the FTP module as an `FTPError` of the same
/// kind), so callers switch on `kind` rather than match strings.
public struct NetError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made, or broke.
        case connection
        /// Nothing arrived, or nothing could be sent, within the timeout.
        case timeout
        /// The TLS handshake or certificate check failed.
        case tls
        /// The operation was cancelled: a `Cancellation`, or a listener closed while waiting.
        case cancelled
        /// A bad argument, refused before anything was sent.
        case usage
    }

    /// What went wrong, broadly.
    public let kind: Kind
    /// A description in plain words of what happened.
    public let detail: String
    /// For a refused certificate, what it says: for a person to decide whether to trust it.
    public let certificate: CertificateInfo?
    /// Whether a connection was refused outright: nothing listens at the address.
    public let refused: Bool

    public init(kind: Kind, detail: String, certificate: CertificateInfo? = nil, refused: Bool = false) {
        self.kind = kind
        self.detail = detail
        self.certificate = certificate
        self.refused = refused
    }

    public var description: String { detail }
}

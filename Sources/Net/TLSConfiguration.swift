/// How a client secures its connections with TLS and decides whom to trust.
///
/// By default the server's certificate chain is checked against the system's trust store and
/// its name against the host the client connected to, and TLS 1.2 is the least accepted.
public struct TLSConfiguration: Sendable {
    /// Whether to check the certificate chain and the host name. Off only by explicit choice
    /// (`--insecure`).
    public var verifiesCertificates: Bool
    /// A PEM file of extra trust anchors, added to the system's.
    public var caFile: String?
    /// The SHA-256 fingerprint (hex, colons optional) of the one certificate to accept, in place
    /// of the chain check.
    public var pinnedFingerprint: String?
    /// Certificates the user chose to trust; a host whose certificate changed is refused.
    public var knownCertificates: KnownCertificates?
    /// The newest protocol version to offer; nil for the newest OpenSSL knows.
    public var maximumVersion: Version?

    /// A TLS protocol version. TLS 1.2 is the least ever offered.
    public enum Version: Sendable, Equatable {
        case tls12
        case tls13
    }

    public init(
        verifiesCertificates: Bool = true, caFile: String? = nil, pinnedFingerprint: String? = nil,
        knownCertificates: KnownCertificates? = nil, maximumVersion: Version? = nil
    ) {
        self.verifiesCertificates = verifiesCertificates
        self.caFile = caFile
        self.pinnedFingerprint = pinnedFingerprint
        self.knownCertificates = knownCertificates
        self.maximumVersion = maximumVersion
    }
}

/// What a client knows of a server's certificate: enough to decide, and to ask a person.
public struct CertificateInfo: Sendable, Equatable, CustomStringConvertible {
    /// The subject's distinguished name.
    public let subject: String
    /// The issuer's distinguished name.
    public let issuer: String
    /// DNS names and IP addresses the certificate is for.
    public let alternativeNames: String
    /// When it expires, as `YYYY-MM-DD HH:MM:SS UTC`.
    public let notAfter: String
    /// The SHA-256 fingerprint of the certificate, as colon-separated upper-case hex.
    public let fingerprint: String

    public var description: String {
        "subject \(subject), issuer \(issuer), names \(alternativeNames.isEmpty ? "(none)" : alternativeNames), expires \(notAfter), SHA-256 \(fingerprint)"
    }

    /// A fingerprint in the form `AB:CD:...`, from hex with or without colons; nil if malformed.
    public static func normalizedFingerprint(_ text: String) -> String? {
        let hex = text.uppercased().filter { $0 != ":" && $0 != " " }
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        var pairs: [String] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            pairs.append(String(hex[index..<next]))
            index = next
        }
        return pairs.joined(separator: ":")
    }
}

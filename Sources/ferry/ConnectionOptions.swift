import ArgumentParser
import FTP
import Foundation
import Logging
import Transfers

/// The options every command that talks to a server shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Seconds any one network wait may take (more than 0, at most 86400); a reply that trickles in is given up on after 4 times this.")
    var timeout: Double = 30

    @Flag(name: .long, help: "Use active mode (PORT/EPRT): the server connects back.")
    var active = false

    @Option(name: .long, help: "How often to retry a transfer that failed for a passing reason; each retry resumes.")
    var retries = 5

    @Flag(name: [.short, .long], help: "Show the control dialogue on standard error (password masked).")
    var verbose = false

    @Flag(name: .long, help: "Require explicit TLS (AUTH TLS) on an ftp:// URL.")
    var tls = false

    @Option(name: .customLong("ca-file"), help: "A PEM file of certificates to trust besides the system's.")
    var caFile: String?

    @Flag(name: .long, help: "Do not check the server's certificate (a warning is printed).")
    var insecure = false

    @Option(name: .long, help: "Accept exactly the certificate with this SHA-256 fingerprint.")
    var pin: String?

    /// The longest `--timeout` taken: a day. (NaN and infinity fail the check too.)
    static let longestTimeout: Double = 86_400

    func validate() throws {
        guard timeout > 0, timeout <= Self.longestTimeout else {
            throw ValidationError("--timeout must be more than 0 seconds and at most \(Int(Self.longestTimeout)) (one day)")
        }
        guard retries >= 0 else { throw ValidationError("--retries cannot be negative") }
        if let pin, CertificateInfo.normalizedFingerprint(pin) == nil {
            throw ValidationError("--pin needs a SHA-256 fingerprint: 64 hex digits, colons allowed")
        }
    }

    /// How to check certificates.
    var tlsConfiguration: TLSConfiguration {
        TLSConfiguration(verifiesCertificates: !insecure, caFile: caFile, pinnedFingerprint: pin, knownCertificates: .standard())
    }

    /// The client settings these options ask for.
    var clientOptions: FTPClient.Options {
        FTPClient.Options(timeout: timeout, dataConnectionMode: active ? .active : .passive, listingLimits: Self.listingLimits())
    }

    /// How large a listing may grow: the library's limits, or `FERRY_MAX_LISTING_LINES` and
    /// `FERRY_MAX_LISTING_BYTES` where they hold a whole number above 0 (for a directory larger
    /// still, or a smaller bound).
    static func listingLimits(environment: [String: String] = ProcessInfo.processInfo.environment) -> ListingLimits {
        func positive(_ name: String) -> Int? { environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        var limits = ListingLimits.standard
        limits.maximumLines = positive("FERRY_MAX_LISTING_LINES") ?? limits.maximumLines
        limits.maximumBytes = positive("FERRY_MAX_LISTING_BYTES") ?? limits.maximumBytes
        return limits
    }

    /// The retry policy these options ask for.
    var retryPolicy: RetryPolicy { RetryPolicy(retries: retries) }

    /// A logger that prints the dialogue to standard error with `-v`, and nothing otherwise.
    var logger: Logger {
        var logger = Logger(label: "ferry", factory: { _ in LineLogHandler(write: printError) })
        logger.logLevel = verbose ? .trace : .critical
        return logger
    }

    /// Parses a URL argument, failing with exit status 2.
    static func parseURL(_ text: String) throws -> FTPURL {
        do {
            return try FTPURL(text)
        } catch {
            throw Failure(.usage, error.description)
        }
    }

    /// The endpoint for a URL, with the credentials found for it.
    func endpoint(for url: FTPURL, interactive: Bool = true) throws -> RemoteEndpoint {
        let credentials = try Credentials.resolve(for: url, interactive: interactive)
        let endpoint = RemoteEndpoint(
            url: url, user: credentials.user, password: credentials.password, options: clientOptions,
            tls: tlsConfiguration, requiresTLS: tls, logger: logger)
        if insecure, case .none = endpoint.security {} else if insecure {
            printError("ferry: warning: --insecure: the server's certificate is not checked; anyone on the path can read and change this session")
        }
        return endpoint
    }
}

/// Hands each log message, as one line, to `write`: standard error for `-v`, the commander's log
/// view for the commander. (The FTP library masks passwords before they get here.)
struct LineLogHandler: LogHandler {
    let write: @Sendable (String) -> Void
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        write("\(event.message)")
    }
}

import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry doctor URL`: connects, logs in and tries what transfers need, then says what works,
/// what does not, and what to set.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Diagnose a server: what works, what does not, and what to set.",
        discussion: """
            Checks the connection and login, TLS, the extensions the server offers, passive and \
            active data connections, listings and the round-trip time; over TLS it gives the \
            certificate's SHA-256 fingerprint and the --pin option that accepts exactly it. Exit 0 when files can be \
            moved (warnings included), 3 or 4 when the connection or login fails. \
            Example: ferry doctor --json ftpes://user@host/
            """
    )

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The server, as ftp://, ftpes:// or ftps:// URL.")
    var url: String

    func run() throws {
        let url = try ConnectionOptions.parseURL(url)
        let endpoint = try connection.endpoint(for: url)
        var report = DoctorReport(url: url.description)
        defer { print(json ? report.json : report.text) }

        let started = Date()
        let client: FTPClient
        do {
            client = try endpoint.connect()
        } catch {
            report.add("connect", .failed, "\(error)", advice: Self.advice(for: error))
            if let certificate = (error as? FTPError)?.certificate { addCertificate(certificate, trusted: false, into: &report) }
            // The report says what failed; the exit status is all that is left to give.
            throw ExitCode(Failure(error, while: "cannot connect to \(url)").status.rawValue)
        }
        defer { try? client.quit() }
        let greeting = Sanitizer.visibleReply(client.welcome.message)
        report.add("connect", .ok, "logged in as \(Sanitizer.visible(endpoint.user)) in \(Self.milliseconds(since: started)); the server says \"\(greeting)\"")
        checkSecurity(client, into: &report)
        checkFeatures(client.features, into: &report)
        if !checkPassive(client, path: url.path, into: &report) { throw ExitCode(ExitStatus.connection.rawValue) }
        checkActive(endpoint, path: url.path, into: &report)
        checkLatency(client, into: &report)
    }

    private func checkSecurity(_ client: FTPClient, into report: inout DoctorReport) {
        guard let tls = client.tlsDescription else {
            let offersTLS = client.features.supports("AUTH")
            report.add(
                "tls", .warning, "plain FTP: the password and the files cross the network unencrypted",
                advice: offersTLS ? "the server offers TLS: use ftpes:// (or --tls)" : "the server offers no TLS")
            return
        }
        if connection.insecure {
            report.add("tls", .warning, "\(tls); the certificate was not checked (--insecure)", advice: "use --ca-file or --pin instead of --insecure")
        } else {
            report.add("tls", .ok, "\(tls); certificate verified")
        }
        if let certificate = client.serverCertificate { addCertificate(certificate, trusted: !connection.insecure, into: &report) }
    }

    /// The certificate's SHA-256 fingerprint, and the option that accepts exactly that certificate.
    private func addCertificate(_ certificate: CertificateInfo, trusted: Bool, into report: inout DoctorReport) {
        let subject = Sanitizer.visible(certificate.subject)
        let pin = "--pin \(certificate.fingerprint)"
        report.add(
            "cert", trusted ? .ok : .warning, "\(subject), SHA-256 \(certificate.fingerprint)",
            advice: trusted
                ? "to accept only this certificate from now on, add \(pin)"
                : "if this is the server's certificate (ask its operator for the fingerprint), add \(pin)")
    }

    private func checkFeatures(_ features: FeatureSet, into report: inout DoctorReport) {
        let names = features.features.keys.sorted().map(Sanitizer.visible)
        report.add("features", .ok, names.isEmpty ? "FEAT lists nothing" : names.joined(separator: " "))
        if !features.supports("MLST") {
            report.add("listings", .warning, "no MLSD: listings are read from LIST in whatever format the server writes", advice: nil)
        }
        if features.features["REST"]?.uppercased().contains("STREAM") != true {
            report.add("resume", .warning, "REST STREAM is not announced: interrupted transfers may start again from the beginning", advice: nil)
        }
        if !features.supports("SIZE") {
            report.add("size", .warning, "no SIZE: downloads cannot be checked against the server's size", advice: nil)
        }
        if !features.supports("UTF8") {
            report.add("utf8", .warning, "UTF8 is not announced: names that are not ASCII are shown as Latin-1 where they are not UTF-8", advice: nil)
        }
    }

    /// Lists the folder over a passive data connection; false when that fails.
    private func checkPassive(_ client: FTPClient, path: RemotePath, into report: inout DoctorReport) -> Bool {
        let started = Date()
        do {
            let listing = try client.listing(path.isEmpty ? nil : path)
            let how = client.usesExtendedPassive ? "EPSV" : "PASV (EPSV refused)"
            let source = client.features.supports("MLST") ? "MLSD" : "LIST"
            report.add("passive", .ok, "\(how): \(listing.entries.count) entries by \(source) in \(Self.milliseconds(since: started))")
            if let incompleteness = listing.incompleteness {
                report.add(
                    "listings", .warning, incompleteness,
                    advice: "listings from this server count as incomplete: mirror --delete deletes nothing where they are, and get -r fails (-v shows the lines)")
            }
            if let resumed = client.dataConnectionResumedSession {
                report.add(
                    "tls-data", resumed ? .ok : .warning,
                    resumed ? "the data connection resumed the control connection's TLS session" : "the data connection did not resume the TLS session",
                    advice: resumed ? nil : "servers that require session reuse (vsftpd's require_ssl_reuse) will refuse transfers")
            }
            return true
        } catch {
            report.add("passive", .failed, "\(error)", advice: "try --active, or ask for the server's passive ports to be opened")
            return false
        }
    }

    /// Lists the folder again over an active data connection, on a connection of its own.
    private func checkActive(_ endpoint: RemoteEndpoint, path: RemotePath, into report: inout DoctorReport) {
        var active = endpoint
        active.options.dataConnectionMode = .active
        active.options.timeout = min(endpoint.options.timeout, 5)
        do {
            let client = try active.connect()
            defer { try? client.quit() }
            _ = try client.listDirectory(path.isEmpty ? nil : path)
            report.add("active", .ok, "PORT/EPRT works (the server can connect back)")
        } catch {
            report.add("active", .warning, "\(error)", advice: "keep passive mode, the default")
        }
    }

    private func checkLatency(_ client: FTPClient, into report: inout DoctorReport) {
        let started = Date()
        let rounds = 5
        do {
            for _ in 0..<rounds { try client.noop() }
            let each = Date().timeIntervalSince(started) / Double(rounds) * 1000
            report.add("latency", .ok, String(format: "%.1f ms a command (NOOP, %d times)", each, rounds))
        } catch {
            report.add("latency", .warning, "\(error)")
        }
    }

    private static func advice(for error: any Error) -> String? {
        guard let failure = error as? FTPError else { return nil }
        return switch failure.kind {
        case .loginRefused: "check the user and password (FERRY_PASSWORD, ~/.netrc)"
        case .tls: failure.certificate != nil ? "pass the server's CA with --ca-file, or pin its certificate (see cert)" : "try ftps:// (implicit TLS, port 990) or ftp://"
        case .timeout, .connection: "check the host, the port and any firewall between"
        default: nil
        }
    }

    private static func milliseconds(since start: Date) -> String {
        String(format: "%.0f ms", Date().timeIntervalSince(start) * 1000)
    }
}

/// What `ferry doctor` found, check by check.
struct DoctorReport {
    enum Status: String {
        case ok
        case warning
        case failed
    }

    struct Check {
        let name: String
        let status: Status
        let detail: String
        let advice: String?
    }

    let url: String
    private(set) var checks: [Check] = []

    init(url: String) { self.url = url }

    mutating func add(_ name: String, _ status: Status, _ detail: String, advice: String? = nil) {
        checks.append(Check(name: name, status: status, detail: detail, advice: advice))
    }

    /// One line a check: a mark, the name, what was found, and what to do.
    var text: String {
        let marks: [Status: String] = [.ok: "ok  ", .warning: "warn", .failed: "FAIL"]
        return (["ferry doctor \(Sanitizer.visible(url))"] + checks.map { check in
            let line = "  \(marks[check.status] ?? "")  \(check.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(Sanitizer.visible(check.detail))"
            return check.advice.map { line + "\n" + String(repeating: " ", count: 17) + "→ " + $0 } ?? line
        }).joined(separator: "\n")
    }

    /// `{"url": …, "checks": [{"name", "status", "detail", "advice"}]}`, strings escaped as in `ls --json`.
    var json: String {
        let string = ListingJSON.string
        let objects = checks.map { check in
            let fields = [
                ("name", string(check.name)), ("status", string(check.status.rawValue)), ("detail", string(check.detail)),
                ("advice", check.advice.map(string) ?? "null"),
            ]
            return "    {" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
        return "{\n  \"url\": \(string(url)),\n  \"checks\": [\n" + objects.joined(separator: ",\n") + "\n  ]\n}"
    }
}

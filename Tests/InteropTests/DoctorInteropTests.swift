import Foundation
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// `ferry doctor` against vsftpd's self-signed certificate: the fingerprint and the `--pin` that
/// accepts it, and a refused certificate reported once, in the report.
@Suite("Interop: doctor and certificates", .enabled(if: InteropServer.shouldTest("VSFTPD_TLS"), InteropServer.skipReason))
struct DoctorInteropTests {
    /// The SHA-256 fingerprint of the test certificate, as `AB:CD:…`, from openssl.
    func fingerprint(ofCertificateIn path: String) throws -> String {
        let result = try Program.run("/usr/bin/openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", path])
        let value = try #require(result.standardOutput.split(separator: "=").last)
        return value.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
    }

    @Test func doctorGivesTheFingerprintAndThePinThatAcceptsIt() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        let ca = try #require(ProcessInfo.processInfo.environment["FERRY_TEST_CA_FILE"], "FERRY_TEST_CA_FILE is not set")
        let fingerprint = try fingerprint(ofCertificateIn: ca)

        let trusted = try FerryProcess.run(["doctor", "--ca-file", ca, server.url("")])
        #expect(trusted.status == 0, "\(trusted.standardError)")
        #expect(trusted.standardOutput.contains("ok    cert      "))
        #expect(trusted.standardOutput.contains("SHA-256 \(fingerprint)"))
        #expect(trusted.standardOutput.contains("add --pin \(fingerprint)"))

        let untrusted = try FerryProcess.run(["doctor", server.url("")])
        #expect(untrusted.status == 3)
        #expect(untrusted.standardOutput.contains("FAIL  connect"))
        #expect(untrusted.standardOutput.contains("self-signed"))
        #expect(untrusted.standardOutput.contains("add --pin \(fingerprint)"))
        // The failure is in the report, and only there.
        #expect(untrusted.standardErrorBesidesPasswordWarning.isEmpty, "\(untrusted.standardError)")

        // The option the report gives is the one that works.
        let pinned = try FerryProcess.run(["doctor", "--pin", fingerprint, server.url("")])
        #expect(pinned.status == 0, "\(pinned.standardError)")
        #expect(pinned.standardOutput.contains("ok    tls"))
    }
}

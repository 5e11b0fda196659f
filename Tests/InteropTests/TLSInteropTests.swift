import Foundation
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// The `ferry` binary against real FTPS servers: vsftpd with `require_ssl_reuse=YES` (explicit
/// and implicit) and pyftpdlib's TLS handler, with the test certificate from `FERRY_TEST_CA_FILE`.
@Suite("Interop: FTPS", .enabled(if: InteropServer.shouldTest("VSFTPD_TLS", "VSFTPD_IMPLICIT", "PYFTPDLIB_TLS", "VSFTPD"), InteropServer.skipReason))
struct TLSInteropTests {
    static let servers = ["VSFTPD_TLS", "VSFTPD_IMPLICIT", "PYFTPDLIB_TLS"]

    func unique(_ name: String) -> String { "\(UUID().uuidString.prefix(8))-\(name)" }

    func caFile() -> String? {
        let path = ProcessInfo.processInfo.environment["FERRY_TEST_CA_FILE"]
        if path == nil { Issue.record("FERRY_TEST_CA_FILE is not set") }
        return path
    }

    @Test(arguments: servers)
    func transfersAreByteIdenticalAndReuseTheSession(_ name: String) throws {
        let server = try InteropServer.require(name)
        guard let ca = caFile() else { return }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for size in [0, 1, 5_000_000] {
            let remoteName = unique("\(size).bin")
            defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
            let contents = sampleBytes(size, seed: UInt64(size) + 11)
            try local.write(remoteName, contents)
            let put = try FerryProcess.run(["put", "-v", "--ca-file", ca, local.file(remoteName), server.url("")])
            #expect(put.status == 0, "\(put.standardError)")
            #expect(FileManager.default.contents(atPath: server.file(remoteName)) == contents)
            let get = try FerryProcess.run(["get", "-v", "--ca-file", ca, server.url(remoteName), local.file("back.bin")])
            #expect(get.status == 0, "\(get.standardError)")
            #expect(local.read("back.bin") == contents)
            for output in [put.standardError, get.standardError] {
                #expect(output.contains("TLS: TLSv1."))
                #expect(output.contains("session resumed"))
                #expect(!output.contains("NOT resumed"))
                #expect(output.contains("PASS ****"))
                #expect(!output.contains(server.password))
            }
            if name != "VSFTPD_IMPLICIT" { #expect(put.standardError.contains("> AUTH TLS")) }
        }
    }

    @Test(arguments: servers)
    func listingAndResumeWork(_ name: String) throws {
        let server = try InteropServer.require(name)
        guard let ca = caFile() else { return }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("resume.bin")
        let contents = sampleBytes(2_500_000)
        try contents.write(to: URL(fileURLWithPath: server.file(remoteName)))
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let listing = try FerryProcess.run(["ls", "--json", "--ca-file", ca, server.url("")])
        #expect(listing.status == 0, "\(listing.standardError)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(listing.standardOutput.utf8)) as? [[String: Any]])
        let entry = entries.first { $0["name"] as? String == remoteName }
        #expect(entry?["type"] as? String == "file")
        #expect(entry?["size"] as? Int == 2_500_000)
        try local.write("resume.bin.part", contents.prefix(999_999))
        let modified = try FileManager.default.attributesOfItem(atPath: server.file(remoteName))[.modificationDate] as? Date
        try JournalFixture.stoppedDownload(
            of: server.url(remoteName), to: local.file("resume.bin"), size: 2_500_000, modified: modified, in: local.journalFolder)
        let resumed = try FerryProcess.run(["get", "-c", "-v", "--ca-file", ca, server.url(remoteName), local.file("resume.bin")], in: local.path)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("> REST 999999"))
        #expect(local.read("resume.bin") == contents)
    }

    @Test(arguments: servers)
    func untrustedCertificatesAreRefusedWithTheReason(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("secret.bin")
        try sampleBytes(1000).write(to: URL(fileURLWithPath: server.file(remoteName)))
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let refused = try FerryProcess.run(["get", server.url(remoteName)], in: local.path)
        #expect(refused.status == 3)
        #expect(refused.standardError.contains("self-signed"))
        #expect(refused.standardError.contains("SHA-256"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).isEmpty)
        let insecure = try FerryProcess.run(["get", "--insecure", server.url(remoteName)], in: local.path)
        #expect(insecure.status == 0, "\(insecure.standardError)")
        #expect(insecure.standardError.contains("warning: --insecure"))
        #expect(local.read(remoteName) == sampleBytes(1000))

        let fingerprint = try #require(refused.standardError.split(separator: " ").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ")\n")) })
        let pinned = try FerryProcess.run(["ls", "--pin", fingerprint, server.url("")])
        #expect(pinned.status == 0, "\(pinned.standardError)")
        let wrongPin = try FerryProcess.run(["ls", "--pin", String(repeating: "AB", count: 32), server.url("")])
        #expect(wrongPin.status == 3)
        #expect(wrongPin.standardError.contains("pinned fingerprint"))
    }

    @Test func aChangedCertificateForAKnownHostIsRefused() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        guard let ca = caFile() else { return }
        let config = try TemporaryDirectory()
        defer { config.remove() }
        let port = server.url.split(separator: ":").last?.prefix(while: \.isNumber) ?? ""
        try config.write("ferry/known_certificates", Data("127.0.0.1:\(port) \(String(repeating: "00:", count: 31))00\n".utf8))
        let result = try FerryProcess.run(["ls", "--ca-file", ca, server.url("")], environment: ["XDG_CONFIG_HOME": config.path])
        #expect(result.status == 3)
        #expect(result.standardError.contains("HAS CHANGED"))
    }

    @Test func explicitTLSAgainstAPlainServerFails() throws {
        let server = try InteropServer.require("VSFTPD")
        let url = server.url("").replacingOccurrences(of: "ftp://", with: "ftpes://")
        let result = try FerryProcess.run(["ls", "-v", url])
        #expect(result.status == 3)
        #expect(result.standardError.contains("refusing to go on in plain text"))
        #expect(!result.standardError.contains("> USER"))
        let flagged = try FerryProcess.run(["ls", "--tls", server.url("")])
        #expect(flagged.status == 3)
    }

    @Test func tlsFlagUpgradesAnFtpURL() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        guard let ca = caFile() else { return }
        let url = server.url("").replacingOccurrences(of: "ftpes://", with: "ftp://")
        let result = try FerryProcess.run(["ls", "--tls", "-v", "--ca-file", ca, url])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("> AUTH TLS"))
    }

    @Test func activeModeOverTLS() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        guard let ca = caFile() else { return }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("active.bin")
        try sampleBytes(400_000).write(to: URL(fileURLWithPath: server.file(remoteName)))
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let result = try FerryProcess.run(["get", "--active", "-v", "--ca-file", ca, server.url(remoteName), local.file("a.bin")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("> PORT "))
        #expect(local.read("a.bin") == sampleBytes(400_000))
    }

    /// Data connections read many TLS records at once (read-ahead): never more than the block a
    /// rate limit asks for, and ASCII line endings converted across the records' edges.
    @Test func bulkTLSReadsKeepBytesRatesAndLineEndings() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        guard let ca = caFile() else { return }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let big = unique("bulk.bin")
        let contents = sampleBytes(9_000_000, seed: 5)
        try contents.write(to: URL(fileURLWithPath: server.file(big)))
        defer { try? FileManager.default.removeItem(atPath: server.file(big)) }
        let whole = try FerryProcess.run(["get", "--no-progress", "--ca-file", ca, server.url(big), local.file("bulk.bin")])
        #expect(whole.status == 0, "\(whole.standardError)")
        #expect(local.read("bulk.bin") == contents)

        let limited = unique("limited.bin")
        try contents.prefix(600_000).write(to: URL(fileURLWithPath: server.file(limited)))
        defer { try? FileManager.default.removeItem(atPath: server.file(limited)) }
        let started = Date()
        let slow = try FerryProcess.run(["get", "--no-progress", "--limit-rate", "300K", "--ca-file", ca, server.url(limited), local.file("limited.bin")])
        #expect(slow.status == 0, "\(slow.standardError)")
        #expect(Date().timeIntervalSince(started) > 1.5)
        #expect(local.read("limited.bin") == contents.prefix(600_000))

        let text = unique("text.txt")
        let lines = (0..<60_000).map { "line \($0) of a text that crosses many TLS records\r\n" }.joined()
        try Data(lines.utf8).write(to: URL(fileURLWithPath: server.file(text)))
        defer { try? FileManager.default.removeItem(atPath: server.file(text)) }
        let ascii = try FerryProcess.run(["get", "--no-progress", "--ascii", "--ca-file", ca, server.url(text), local.file("text.txt")])
        #expect(ascii.status == 0, "\(ascii.standardError)")
        #expect(local.read("text.txt") == Data(lines.replacingOccurrences(of: "\r\n", with: "\n").utf8))
    }

    @Test func doctorReportsTLSAndSessionReuse() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        guard let ca = caFile() else { return }
        let result = try FerryProcess.run(["doctor", "--json", "--ca-file", ca, server.url("")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains(#""name": "tls", "status": "ok", "detail": "TLSv1."#))
        #expect(result.standardOutput.contains(#""name": "tls-data", "status": "ok""#))
        #expect(!result.standardOutput.contains("ferrytest-pw"))
        let untrusted = try FerryProcess.run(["doctor", server.url("")])
        #expect(untrusted.status == 3)
        #expect(untrusted.standardOutput.contains("self-signed"))
    }
}

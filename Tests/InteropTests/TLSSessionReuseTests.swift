import Foundation
import FTP
import FTPWire
import Logging
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// FTPClient itself against vsftpd with `require_ssl_reuse=YES`: every data connection must resume
/// the control connection's session, on TLS 1.3 (whose tickets arrive after the handshake) and 1.2.
@Suite("Interop: TLS session reuse", .enabled(if: InteropServer.shouldTest("VSFTPD_TLS"), InteropServer.skipReason))
struct TLSSessionReuseTests {
    @Test(arguments: [TLSConfiguration.Version.tls13, .tls12])
    func everyDataConnectionResumesTheSession(_ version: TLSConfiguration.Version) throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        let ca = try #require(ProcessInfo.processInfo.environment["FERRY_TEST_CA_FILE"], "FERRY_TEST_CA_FILE is not set")
        let url = try FTPURL(server.url(""))
        let log = LogCapture()
        var logger = Logger(label: "test", factory: { _ in log })
        logger.logLevel = .trace
        let tls = TLSConfiguration(caFile: ca, maximumVersion: version)
        let client = try FTPClient(host: url.host, port: url.port, options: .init(timeout: 10, security: .explicitTLS(tls)), logger: logger)
        defer { client.close() }
        try client.login(user: url.user ?? "", password: url.password ?? "")
        let name = "\(UUID().uuidString.prefix(8))-reuse.bin"
        defer { try? FileManager.default.removeItem(atPath: server.file(name)) }
        let contents = sampleBytes(300_000)
        for _ in 0..<3 {
            try client.store(RemotePath(name), from: reader(for: contents))
            var received = Data()
            try client.retrieve(RemotePath(name)) { received.append(contentsOf: $0) }
            #expect(received == contents)
            #expect(try client.listLines().contains { $0.hasSuffix(name) })
        }
        try client.quit()
        let lines = log.lines
        let expected = version == .tls12 ? "TLSv1.2" : "TLSv1.3"
        #expect(lines.contains { $0.hasPrefix("TLS: \(expected)") })
        #expect(lines.filter { $0.contains("session resumed") }.count == 9)
        #expect(!lines.contains { $0.contains("NOT resumed") })
    }
}

/// A download read by its caller (`Retrieval`) from vsftpd, which closes a TLS data connection
/// only once the client's close_notify came: its own close_notify, which the read that took in
/// the file's last record takes in too, is the end, and no read waits its gathering time for
/// bytes that cannot come.
@Suite("Interop: the end of a TLS download", .enabled(if: InteropServer.shouldTest("VSFTPD_TLS"), InteropServer.skipReason))
struct TLSDownloadEndTests {
    @Test func aReadFindsTheCloseNotifyThatCameWithTheLastRecord() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        let ca = try #require(ProcessInfo.processInfo.environment["FERRY_TEST_CA_FILE"], "FERRY_TEST_CA_FILE is not set")
        let url = try FTPURL(server.url(""))
        let client = try FTPClient(host: url.host, port: url.port, options: .init(timeout: 60, security: .explicitTLS(TLSConfiguration(caFile: ca))))
        defer { client.close() }
        try client.login(user: url.user ?? "", password: url.password ?? "")
        let name = "\(UUID().uuidString.prefix(8))-end.bin"
        defer { try? FileManager.default.removeItem(atPath: server.file(name)) }
        let contents = sampleBytes(4096, seed: 3)
        try client.store(RemotePath(name), from: reader(for: contents))
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let retrieval = try client.beginRetrieval(RemotePath(name), gathering: 30)
            var buffer = [UInt8](repeating: 0, count: 100_000)
            var received = Data()
            while true {
                let count = try buffer.withUnsafeMutableBytes { try retrieval.read(into: $0) }
                if count == 0 { break }
                received.append(contentsOf: buffer[0..<count])
            }
            #expect(received == contents)
            #expect(!retrieval.endedWithoutCloseNotify)
            // Waiting the whole gathering time would take 30 s.
            #expect(ContinuousClock.now - started < .seconds(20))
        }
        try client.quit()
    }
}

/// Collects log messages, for tests that read what a client logged.
final class LogCapture: LogHandler, @unchecked Sendable {
    // @unchecked: the messages are guarded by a lock; the rest is set once.
    private let messages = Locked<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        messages.withLock { $0.append("\(event.message)") }
    }

    var lines: [String] { messages.withLock { $0 } }
}

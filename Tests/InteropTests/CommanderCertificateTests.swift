import Foundation
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// The commander against vsftpd's self-signed certificate: it asks, and does what the answer says.
@Suite(
    "Interop: the commander's certificate question", .serialized,
    .enabled(if: InteropServer.shouldTest("VSFTPD_TLS"), InteropServer.skipReason),
    .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderCertificateTests {
    func start(_ server: InteropServer, home: TemporaryDirectory) throws -> TmuxSession {
        let url = server.url("").replacingOccurrences(of: ":\(server.password)@", with: "@")
        return try TmuxSession("\(FerryProcess.executable) \(url)", in: home.path, environment: ["HOME": home.path, "FERRY_PASSWORD": server.password])
    }

    @Test func acceptOnceThenTrustAlways() throws {
        let server = try InteropServer.require("VSFTPD_TLS")
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let marker = "\(UUID().uuidString.prefix(8))-seen.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(marker)))
        defer { try? FileManager.default.removeItem(atPath: server.file(marker)) }

        var session = try start(server, home: home)
        var screen = try session.waitFor("trust always")
        #expect(screen.contains("self-signed"))
        #expect(screen.contains("SHA-256:"))
        #expect(screen.contains("IP:127.0.0.1"))
        try session.send("r")
        try session.waitFor("Certificate rejected")
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")

        session = try start(server, home: home)
        try session.waitFor("trust always")
        try session.send("o")
        try session.waitFor(marker)
        #expect(!FileManager.default.fileExists(atPath: home.file(".config/ferry/known_certificates")))
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")

        session = try start(server, home: home)
        try session.waitFor("trust always")
        try session.send("a")
        try session.waitFor(marker)
        #expect(FileManager.default.fileExists(atPath: home.file(".config/ferry/known_certificates")))
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")

        // Trusted now: no question.
        session = try start(server, home: home)
        screen = try session.waitFor(marker)
        #expect(!screen.contains("Untrusted certificate"))
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
    }
}

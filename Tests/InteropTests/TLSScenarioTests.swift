import Foundation
import Spawn
import Testing
import TestSupport

/// FTPS servers that misbehave in one way each (`scripts/tls-scenario-server.py`, Python's ssl
/// module with the interop test certificate): the client must fail clearly, keep nothing it
/// cannot vouch for, and never wait without end.
@Suite("Interop: FTPS servers that misbehave", .enabled(if: TLSScenarioServer.canRun, InteropServer.skipReason))
struct TLSScenarioTests {
    @Test func aRefusedPROTPIsATLSFailure() throws {
        let server = try TLSScenarioServer("prot-refused")
        defer { server.stop() }
        let result = try FerryProcess.run(["ls", "--ca-file", server.caFile, server.url("")], timeout: 30)
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("PROT P: 536 Data protection is not offered.: the server will not protect the data connections"),
                "\(result.standardError)")
    }

    /// A TLS data connection that ends without close_notify may have been cut by whoever closed
    /// it; with no size and no digest to say otherwise, the file is not put in place.
    @Test func aFileWhoseTLSEndIsUnconfirmedIsNotKept() throws {
        let server = try TLSScenarioServer("cut-retr")
        defer { server.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let get = try FerryProcess.run(["get", "--retries", "1", "--ca-file", server.caFile, server.url("file.bin"), "file.bin"], in: local.path, timeout: 60)
        #expect(get.status == 1, "\(get.standardError)")
        #expect(get.standardError.contains("ended without close_notify after 5000 bytes"), "\(get.standardError)")
        #expect(!local.exists("file.bin"))
        #expect(local.read("file.bin.part")?.count == 5000)

        let ascii = try FerryProcess.run(["get", "-a", "--retries", "0", "--ca-file", server.caFile, server.url("file.bin"), "text.bin"], in: local.path, timeout: 60)
        #expect(ascii.status == 1, "\(ascii.standardError)")
        #expect(ascii.standardError.contains("in ASCII mode nothing checks them"), "\(ascii.standardError)")
        #expect(!local.exists("text.bin"))

        let stream = try FerryProcess.run(["get", "--retries", "0", "--ca-file", server.caFile, server.url("file.bin"), "-"], in: local.path, timeout: 60)
        #expect(stream.status != 0, "\(stream.standardError)")
        #expect(stream.standardError.contains("may be cut short"), "\(stream.standardError)")
    }

    /// OpenSSL hands over only whole records: a reply's record sent a byte at a time, each
    /// within the timeout, is given up on at the reply's deadline (4 x the timeout).
    @Test func aTrickledReplyOverTLSMeetsTheDeadline() throws {
        let server = try TLSScenarioServer("trickled-reply")
        defer { server.stop() }
        let start = ContinuousClock.now
        let result = try FerryProcess.run(["ls", "--timeout", "1", "--retries", "0", "--ca-file", server.caFile, server.url("")], timeout: 60)
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("took longer than 4"), "\(result.standardError)")
        #expect(seconds < 20, "gave up after \(seconds) s")
    }
}

/// `scripts/tls-scenario-server.py` running one scenario, on a port of its choosing.
struct TLSScenarioServer {
    let port: Int
    let caFile: String
    private let process: ChildProcess

    /// Whether the scenario server can run: the interop test certificate and its key are there
    /// (and always under CI, where their absence must fail).
    static var canRun: Bool {
        TestEnvironment.isCI || ProcessInfo.processInfo.environment["FERRY_TEST_CA_FILE"].map { FileManager.default.fileExists(atPath: $0) } == true
    }

    private struct NotStarted: Error, CustomStringConvertible {
        let description: String
    }

    init(_ scenario: String) throws {
        guard let ca = ProcessInfo.processInfo.environment["FERRY_TEST_CA_FILE"] else { throw NotStarted(description: "FERRY_TEST_CA_FILE is not set") }
        caFile = ca
        let key = URL(fileURLWithPath: ca).deletingLastPathComponent().appendingPathComponent("key.pem").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/tls-scenario-server.py").standardized.path
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("tls-scenario-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        process = try ChildProcess("/usr/bin/python3", arguments: [script, scenario, portFile, ca, key], standardInput: .null, standardOutput: .null)
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                self.port = port
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.send(SIGKILL)
        _ = process.wait()
        throw NotStarted(description: "the scenario server \(scenario) gave no port within 10 s")
    }

    /// An `ftpes://` URL of `path` on the server.
    func url(_ path: String) -> String { "ftpes://tester:secret@127.0.0.1:\(port)/\(path)" }

    func stop() {
        process.send(SIGKILL)
        _ = process.wait()
    }
}

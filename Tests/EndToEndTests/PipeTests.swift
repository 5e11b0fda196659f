import Foundation
import Spawn
import TestSupport
import Testing

/// `ferry get URL -` to standard output and `ferry put - URL` from standard input, through the
/// `ferry` binary against the loopback server.
@Suite("Pipes")
struct PipeTests {
    @Test func getWritesTheFileToStandardOutput() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/data.bin", sampleBytes(1_500_000))

        let child = try Program.start(
            FerryProcess.executable, ["get", fixture.url("pub/data.bin", password: nil), "-"], in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password], standardOutput: local.file("out"), standardError: local.file("err"))
        #expect(child.wait(timeout: 120).status == 0)
        #expect(local.read("out") == sampleBytes(1_500_000))
        #expect(local.read("err") == Data(), "no progress line: \(String(decoding: local.read("err") ?? Data(), as: UTF8.self))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).sorted() == ["err", "out"])
        let unfinished = try FerryProcess.run(["resume", "--list"], in: local.path)
        #expect(unfinished.standardOutput.isEmpty)

        let missing = try FerryProcess.run(["get", fixture.url("pub/none.bin"), "-"], in: local.path)
        #expect(missing.status == 5)
        #expect(missing.standardOutput.isEmpty)
    }

    /// `ferry get URL -` of a 1.5 MB file whose first transfer the server cuts after 400 kB,
    /// standard output and error going to `out` and `err` in `local`.
    private func startCutDownload(from fixture: ServerFixture, into local: TemporaryDirectory) throws -> ChildProcess {
        try fixture.root.write("pub/data.bin", sampleBytes(1_500_000))
        fixture.server.faults.cutTransfers(after: 400_000, times: 1)
        return try Program.start(
            FerryProcess.executable, ["get", fixture.url("pub/data.bin", password: nil), "-"], in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password], standardOutput: local.file("out"), standardError: local.file("err"))
    }

    /// A data connection cut half way: the download goes on from the bytes already on standard
    /// output (REST), each byte written once, and the whole is verified.
    @Test func aBrokenDownloadToStandardOutputContinuesWhereItStopped() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let status = try startCutDownload(from: fixture, into: local).wait(timeout: 120).status
        let errors = String(decoding: local.read("err") ?? Data(), as: UTF8.self)
        #expect(status == 0, "\(errors)")
        #expect(local.read("out") == sampleBytes(1_500_000))
        #expect(errors.contains("retrying in"))
    }

    /// A file that changed on the server while the pipe was half written is not continued: the
    /// bytes of two versions never meet on standard output.
    @Test func aDownloadToStandardOutputDoesNotContinueAChangedFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let child = try startCutDownload(from: fixture, into: local)
        // The first retry waits a second: the file changes meanwhile.
        var waited = 0
        while !String(decoding: local.read("err") ?? Data(), as: UTF8.self).contains("retrying in"), waited < 200 {
            usleep(50_000)
            waited += 1
        }
        try fixture.root.write("pub/data.bin", sampleBytes(700_000))
        let status = child.wait(timeout: 120).status
        let errors = String(decoding: local.read("err") ?? Data(), as: UTF8.self)
        #expect(status == 1, "\(errors)")
        #expect(errors.contains("the file changed on the server"))
        let written = local.read("out") ?? Data()
        #expect(written.count <= 400_000)
        #expect(written == sampleBytes(1_500_000).prefix(written.count))
    }

    /// Without a size nothing tells the same file again: the first break ends the download, with
    /// the server's own error, and nothing is written twice.
    @Test func aDownloadToStandardOutputOfAFileWithoutASizeIsNotRetried() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.script("SIZE", reply: .init(code: 502, text: "SIZE not implemented."))
        let status = try startCutDownload(from: fixture, into: local).wait(timeout: 120).status
        let errors = String(decoding: local.read("err") ?? Data(), as: UTF8.self)
        #expect(status == 1, "\(errors)")
        #expect(!errors.contains("retrying in"))
        #expect(errors.contains("426"))
        let written = local.read("out") ?? Data()
        #expect(written.count <= 400_000)
        #expect(written == sampleBytes(1_500_000).prefix(written.count))
    }

    /// An empty file is still fetched (RETR), not taken as done because SIZE said 0; an empty
    /// file the server will not send fails as it says.
    @Test func anEmptyFileToStandardOutputIsStillRetrieved() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("pub/empty", Data())
        let empty = try FerryProcess.run(["get", fixture.url("pub/empty"), "-"])
        #expect(empty.status == 0, "\(empty.standardError)")
        #expect(empty.standardOutput.isEmpty)
        #expect(fixture.server.receivedCommands.contains("RETR pub/empty"))

        fixture.server.faults.script("RETR", reply: .init(code: 550, text: "Permission denied."))
        let refused = try FerryProcess.run(["get", fixture.url("pub/empty"), "-"])
        #expect(refused.status == 5, "\(refused.standardError)")
        #expect(refused.standardError.contains("Permission denied"))
    }

    /// A reader that goes away (`… | head -c 1`) turns later writes to standard output and error
    /// into EPIPE: the batch goes on and ends with its own status instead of dying on a trap.
    @Test func aReaderThatGoesAwayDoesNotStopTheBatch() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<6 { try fixture.root.write("pub/f\(index)", sampleBytes(20_000)) }

        let script = #""$0" "$@" 2>&1 | head -c 1 > /dev/null; exit "${PIPESTATUS[0]}""#
        let result = try Program.run(
            "/bin/bash", ["-c", script, FerryProcess.executable, "get", "-v", "--json", fixture.url("pub/*"), local.path + "/"], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        for index in 0..<6 { #expect(local.read("f\(index)") == sampleBytes(20_000)) }
    }

    @Test func standardOutputTakesOneFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/a", Data("a".utf8))
        try fixture.root.write("pub/b", Data("b".utf8))
        for arguments in [
            ["get", fixture.url("pub/a"), fixture.url("pub/b"), "-"], ["get", "-r", fixture.url("pub/"), "-"],
            ["get", fixture.url("pub/*"), "-"], ["get", "-c", fixture.url("pub/a"), "-"],
        ] {
            let result = try FerryProcess.run(arguments, in: local.path)
            #expect(result.status == 2, "\(arguments): \(result.standardError)")
            #expect(result.standardOutput.isEmpty)
        }
        let one = try FerryProcess.run(["get", fixture.url("pub/[a]"), "-"], in: local.path)
        #expect(one.status == 0, "\(one.standardError)")
        #expect(one.standardOutput == "a")
    }

    @Test func putStoresStandardInput() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("input", sampleBytes(900_000))
        try FileManager.default.createDirectory(atPath: fixture.root.file("in"), withIntermediateDirectories: true)

        let child = try Program.start(
            FerryProcess.executable, ["put", "-", fixture.url("in/stream.bin")], in: local.path,
            standardInput: local.file("input"), standardOutput: local.file("out"), standardError: local.file("err"))
        #expect(child.wait(timeout: 120).status == 0, "\(String(decoding: local.read("err") ?? Data(), as: UTF8.self))")
        #expect(fixture.root.read("in/stream.bin") == sampleBytes(900_000))
        let unfinished = try FerryProcess.run(["resume", "--list"], in: local.path)
        #expect(unfinished.standardOutput.isEmpty)

        for target in [fixture.url("in/"), fixture.url("in")] {
            let refused = try FerryProcess.run(["put", "-", target], in: local.path)
            #expect(refused.status == 2, "\(target): \(refused.standardError)")
        }
        let withOthers = try FerryProcess.run(["put", "-", "input", fixture.url("in/")], in: local.path)
        #expect(withOthers.status == 2)
    }

    @Test func theServersDigestIsComparedWithTheBytesThatPassed() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.bin", sampleBytes(100_000))
        try local.write("input", sampleBytes(50_000))
        fixture.server.faults.answerWrongDigests(true)

        let download = try FerryProcess.run(["get", fixture.url("a.bin"), "-"], in: local.path)
        #expect(download.status == 1)
        #expect(download.standardError.contains("checksum mismatch"), "\(download.standardError)")

        let child = try Program.start(
            FerryProcess.executable, ["put", "-", fixture.url("b.bin")], in: local.path,
            standardInput: local.file("input"), standardOutput: local.file("out"), standardError: local.file("err"))
        #expect(child.wait(timeout: 120).status == 1)
        #expect(String(decoding: local.read("err") ?? Data(), as: UTF8.self).contains("checksum mismatch"))

        let unverified = try FerryProcess.run(["get", "--no-verify", fixture.url("a.bin"), "-"], in: local.path)
        #expect(unverified.status == 0, "\(unverified.standardError)")
    }
}

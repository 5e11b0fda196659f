import Foundation
import FTP
import FTPServer
import Spawn
import Testing
import TestSupport

/// The `ferry` binary against the loopback server: exit codes, files, and what reaches the screen.
@Suite("ferry command line")
struct CommandLineTests {
    @Test func putThenGetIsByteIdentical() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for (name, size) in [("empty.bin", 0), ("one.bin", 1), ("multi.bin", 3_500_000)] {
            try local.write("up/\(name)", sampleBytes(size, seed: UInt64(size)))
            let put = try FerryProcess.run(["put", local.file("up/\(name)"), fixture.url()], in: local.path)
            #expect(put.status == 0, "\(put.standardError)")
            #expect(fixture.root.read(name) == sampleBytes(size, seed: UInt64(size)))
            let get = try FerryProcess.run(["get", fixture.url(name), local.file("down-\(name)")], in: local.path)
            #expect(get.status == 0, "\(get.standardError)")
            #expect(local.read("down-\(name)") == sampleBytes(size, seed: UInt64(size)))
            #expect(!local.exists("down-\(name).part"))
        }
    }

    @Test func getIntoTheCurrentFolderAndPutIntoADirectory() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/a.txt", Data("a".utf8))
        try fixture.root.write("pub/b.txt", Data("b".utf8))
        let get = try FerryProcess.run(["get", fixture.url("pub/a.txt"), fixture.url("pub/b.txt")], in: local.path)
        #expect(get.status == 0, "\(get.standardError)")
        #expect(local.read("a.txt") == Data("a".utf8))
        #expect(local.read("b.txt") == Data("b".utf8))
        try FileManager.default.createDirectory(atPath: fixture.root.file("in"), withIntermediateDirectories: true)
        #expect(try FerryProcess.run(["put", "a.txt", fixture.url("in/")], in: local.path).status == 0)
        #expect(try FerryProcess.run(["put", "b.txt", fixture.url("in")], in: local.path).status == 0)
        #expect(fixture.root.read("in/a.txt") == Data("a".utf8))
        #expect(fixture.root.read("in/b.txt") == Data("b".utf8))
    }

    @Test func interruptedDownloadContinuesWithRest() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(2_000_000)
        try fixture.root.write("big.bin", contents)
        fixture.server.faults.cutTransfers(after: 700_000, times: 1)
        let first = try FerryProcess.run(["get", "--retries", "0", fixture.url("big.bin")], in: local.path)
        #expect(first.status == 1)
        #expect(first.standardError.contains("426"))
        #expect(local.read("big.bin.part")?.count == 700_000)
        #expect(!local.exists("big.bin"))
        fixture.server.clearReceivedCommands()
        let second = try FerryProcess.run(["get", "-c", fixture.url("big.bin")], in: local.path)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(fixture.server.receivedCommands.contains("REST 700000"))
        #expect(local.read("big.bin") == contents)
        #expect(!local.exists("big.bin.part"))
    }

    @Test func aMissingRemoteFileSaysSo() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let result = try FerryProcess.run(["get", fixture.url("missing.bin")], in: local.path)
        #expect(result.status == 5)
        #expect(result.standardError.contains("no such file"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).isEmpty)
    }

    /// A verifying command sets OpenSSL's digests up on a thread of its own as it starts; one
    /// that fails at once ends cleanly all the same. Without OpenSSL told to leave its state
    /// alone at exit, most such runs crashed in its cleanup (exit 139).
    @Test func aVerifyingCommandThatFailsAtOnceEndsCleanly() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for _ in 0..<30 {
            let result = try FerryProcess.run(["get", "--no-progress", "sftp://host/f.bin", "f.bin"], in: local.path)
            #expect(result.status == 2, "\(result.standardError)")
        }
    }

    @Test func aShorterLocalFileOfUnknownOriginIsFetchedWhole() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(300_000)
        try fixture.root.write("f.bin", contents)
        try local.write("f.bin", sampleBytes(100_000, seed: 5))
        let result = try FerryProcess.run(["get", "-c", fixture.url("f.bin")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
        #expect(local.read("f.bin") == contents)
    }

    @Test func retriesResumeByThemselves() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_000_000)
        try fixture.root.write("r.bin", contents)
        fixture.server.faults.cutTransfers(after: 400_000, times: 1)
        let result = try FerryProcess.run(["get", fixture.url("r.bin")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("retrying"))
        #expect(fixture.server.receivedCommands.contains("REST 400000"))
        #expect(local.read("r.bin") == contents)
    }

    @Test func interruptedUploadContinues() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_500_000)
        try local.write("u.bin", contents)
        fixture.server.faults.cutTransfers(after: 600_000, times: 1)
        let first = try FerryProcess.run(["put", "--retries", "0", "u.bin", fixture.url()], in: local.path)
        #expect(first.status == 1)
        let partial = fixture.root.read("u.bin")?.count ?? 0
        #expect(partial > 0 && partial < contents.count)
        let second = try FerryProcess.run(["put", "-c", "u.bin", fixture.url()], in: local.path)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(fixture.server.receivedCommands.contains("REST \(partial)"))
        #expect(fixture.root.read("u.bin") == contents)
    }

    @Test func lsJSONFollowsTheContract() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("d/file.txt", Data("12345".utf8))
        try fixture.root.write("d/sub/x", Data())
        try fixture.root.write("d/we\"ird\u{1B}[2J.txt", Data())
        try FileManager.default.createSymbolicLink(atPath: fixture.root.file("d/link"), withDestinationPath: "file.txt")
        let result = try FerryProcess.run(["ls", "--json", fixture.url("d/")])
        #expect(result.status == 0, "\(result.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]]
        let entries = try #require(parsed)
        #expect(entries.map { $0["name"] as? String } == ["file.txt", "link", "sub", "we\"ird\u{1B}[2J.txt"])
        #expect(entries.map { $0["type"] as? String } == ["file", "link", "dir", "file"])
        #expect(entries[0]["size"] as? Int == 5)
        #expect(entries[1]["target"] as? String == "file.txt")
        #expect(entries[0]["permissions"] as? String == "rw-r--r--")
        #expect((entries[0]["modified"] as? String)?.hasSuffix("Z") == true)
        #expect(entries.allSatisfy { Set($0.keys) == ["name", "type", "size", "modified", "target", "permissions"] })
        let human = try FerryProcess.run(["ls", "-l", fixture.url("d/")])
        #expect(human.status == 0)
        #expect(!human.standardOutput.contains("\u{1B}"))
        #expect(human.standardOutput.contains("we\"ird\\x1b[2J.txt"))
    }

    /// `ls` of a folder named without a trailing slash: a file's own entry when CWD says it is
    /// no folder; the folder's refusal to be listed when CWD went in (never a SIZE of the
    /// name inside the folder itself).
    @Test func lsOfAFolderThatRefusesItsListingSaysSo() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("d/d", Data("a file of the same name, inside".utf8))
        try fixture.root.write("f.txt", Data("12345".utf8))
        let file = try FerryProcess.run(["ls", "-l", fixture.url("f.txt")])
        #expect(file.status == 0, "\(file.standardError)")
        #expect(file.standardOutput.contains("5  ") && file.standardOutput.contains("f.txt"))

        fixture.server.faults.script("LIST", reply: .init(code: 550, text: "Permission denied."))
        fixture.server.faults.script("MLSD", reply: .init(code: 550, text: "Permission denied."))
        fixture.server.clearReceivedCommands()
        let refused = try FerryProcess.run(["ls", "-l", fixture.url("d")])
        #expect(refused.status == 5, "\(refused.standardOutput)")
        #expect(refused.standardOutput.isEmpty)
        #expect(refused.standardError.contains("Permission denied"), "\(refused.standardError)")
        #expect(!fixture.server.receivedCommands.contains("SIZE d"))
    }

    @Test func verboseShowsTheDialogueButNeverThePassword() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let result = try FerryProcess.run(["ls", "-v", fixture.url()])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("PASS ****"))
        #expect(result.standardError.contains("USER alice"))
        #expect(!result.standardError.contains(ServerFixture.password))
        #expect(!result.standardOutput.contains(ServerFixture.password))
    }

    /// A server that echoes the password in a reply has it masked in the dialogue and in the
    /// error alike.
    @Test func aPasswordTheServerEchoesIsMasked() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let password = ServerFixture.password
        fixture.server.faults.script("OPTS", reply: .init(code: 200, text: "UTF8 on for alice (\(password))."))
        let verbose = try FerryProcess.run(["ls", "-v", fixture.url()])
        #expect(verbose.status == 0, "\(verbose.standardError)")
        #expect(verbose.standardError.contains("UTF8 on for alice (****)."), "\(verbose.standardError)")
        #expect(!verbose.standardError.contains(password))
        fixture.server.faults.script("PASS", reply: .init(code: 530, text: "Password \(password) is wrong."))
        let refused = try FerryProcess.run(["ls", fixture.url()])
        #expect(refused.status == 4)
        #expect(refused.standardError.contains("Password **** is wrong."), "\(refused.standardError)")
        #expect(!refused.standardError.contains(password))
    }

    @Test func passwordFromTheEnvironmentAndNetrc() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let bare = "ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/"
        let fromEnvironment = try FerryProcess.run(["ls", bare], environment: ["FERRY_PASSWORD": ServerFixture.password])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.standardError)")
        try home.write(".netrc", Data("machine 127.0.0.1 login alice password secret\n".utf8))
        chmod(home.file(".netrc"), 0o600)
        let fromNetrc = try FerryProcess.run(["ls", "ftp://127.0.0.1:\(fixture.port)/"], in: home.path)
        #expect(fromNetrc.status == 0, "\(fromNetrc.standardError)")
        chmod(home.file(".netrc"), 0o644)
        let ignored = try FerryProcess.run(["ls", "ftp://127.0.0.1:\(fixture.port)/"], in: home.path)
        #expect(ignored.status == 4)
        #expect(ignored.standardError.contains("other users can read it"))
    }

    @Test func exitCodes() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let wrongPassword = try FerryProcess.run(["ls", fixture.url(password: "nope")])
        #expect(wrongPassword.status == 4)
        #expect(!wrongPassword.standardError.contains("nope"))
        let missing = try FerryProcess.run(["get", fixture.url("missing.bin")], in: local.path)
        #expect(missing.status == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).isEmpty)
        let missingDirectory = try FerryProcess.run(["ls", fixture.url("nowhere/")])
        #expect(missingDirectory.status == 5)
        #expect(try FerryProcess.run(["ls", "http://example.com/"]).status == 2)
        #expect(try FerryProcess.run(["ls", "ftp://[::1/"]).status == 2)
        #expect(try FerryProcess.run(["get"]).status == 2)
        let noTerminal = try FerryProcess.run([])
        #expect(noTerminal.status == 2)
        #expect(noTerminal.standardError.contains("needs a terminal"))
        #expect(try FerryProcess.run(["ls", "--timeout", "-1", fixture.url()]).status == 2)
        let listener = try TCPListener(host: "127.0.0.1")
        let closedPort = listener.address.port
        listener.close()
        let refused = try FerryProcess.run(["ls", "ftp://127.0.0.1:\(closedPort)/"])
        #expect(refused.status == 3)
        #expect(refused.standardError.contains("Connection refused"))
    }

    @Test func activeModeWorks() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.bin", sampleBytes(100_000))
        let result = try FerryProcess.run(["get", "--active", "-v", fixture.url("a.bin")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("> PORT 127,0,0,1,"))
        #expect(local.read("a.bin") == sampleBytes(100_000))
    }

    @Test func demoServesTheSampleTree() throws {
        let output = try TemporaryDirectory()
        defer { output.remove() }
        let demo = try Program.start(
            FerryProcess.executable, ["demo", "--serve"], in: output.path,
            standardOutput: output.file("stdout"), standardError: output.file("stderr"))
        defer {
            demo.send(SIGINT)
            _ = demo.wait(timeout: 10)
        }
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n"), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            text = String(decoding: output.read("stdout") ?? Data(), as: UTF8.self)
        }
        let url = try #require(text.split(separator: " ").first { $0.hasPrefix("ftp://") }.map(String.init))
        let listing = try FerryProcess.run(["ls", url + "docs/"])
        #expect(listing.status == 0)
        #expect(listing.standardOutput.contains("welcome.txt"))
        #expect(listing.standardOutput.contains("Übersicht – naïve ファイル.txt"))
    }
}

/// `ferry doctor` against the loopback server.
@Suite("ferry doctor")
struct DoctorTests {
    @Test func doctorSaysWhatWorksAndWhatToSet() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.txt", Data("a".utf8))
        let result = try FerryProcess.run(["doctor", fixture.url("")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("ok    connect   logged in as alice"))
        #expect(result.standardOutput.contains("ok    passive   EPSV: 1 entries by MLSD"))
        #expect(result.standardOutput.contains("ok    active"))
        #expect(result.standardOutput.contains("warn  tls       plain FTP"))
        #expect(!result.standardOutput.contains(ServerFixture.password))
        #expect(!result.standardOutput.contains("could not be read"))

        // A listing that could not be read whole is a finding of its own, with what it changes.
        fixture.server.faults.serveMachineListing(Array("type=file;size=1; a.txt\r\ntype=file;size=?; b.txt\r\n".utf8))
        let incomplete = try FerryProcess.run(["doctor", fixture.url("")])
        #expect(incomplete.status == 0, "\(incomplete.standardError)")
        #expect(incomplete.standardOutput.contains("warn  listings  1 line of the listing could not be read"), "\(incomplete.standardOutput)")
        #expect(incomplete.standardOutput.contains("mirror --delete deletes nothing"), "\(incomplete.standardOutput)")
        fixture.server.faults.serveMachineListing(nil)

        let refused = try FerryProcess.run(["doctor", "--json", fixture.url("", password: "wrong")])
        #expect(refused.status == 4)
        #expect(refused.standardOutput.contains(#""name": "connect", "status": "failed""#))
        #expect(refused.standardOutput.contains("check the user and password"))
        #expect(!refused.standardOutput.contains("wrong"))
        #expect(refused.standardErrorBesidesPasswordWarning.isEmpty, "the failure is reported once, in the report: \(refused.standardError)")
    }
}

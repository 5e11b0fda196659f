import Foundation
import Testing
import TestSupport

/// The commander started after a batch was stopped offers its unfinished transfers.
@Suite("Commander and the journal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderJournalTests {
    @Test func aStoppedDownloadIsOfferedAndResumedToAByteIdenticalEnd() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(800_000)
        try fixture.root.write("big.bin", contents)
        try local.write("big.bin.part", contents.prefix(300_000))
        let modified = try FileManager.default.attributesOfItem(atPath: fixture.root.file("big.bin"))[.modificationDate] as? Date
        try JournalFixture.stoppedDownload(
            of: fixture.url("big.bin"), to: local.file("big.bin"), size: 800_000, modified: modified, in: local.journalFolder)
        fixture.server.clearReceivedCommands()

        let session = try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: [
                "FERRY_PASSWORD": ServerFixture.password, "HOME": local.path,
                "XDG_STATE_HOME": TemporaryDirectory.stateFolder(of: local.path),
            ])
        try session.waitFor("1 unfinished transfer")
        try session.send("r")
        try session.waitFor("the file in place", timeout: 30) { _ in local.read("big.bin") == contents }
        try session.waitFor("Resumed 1 of 1")
        #expect(fixture.server.receivedCommands.contains("REST 300000"))
        #expect(!local.exists("big.bin.part"))
        try session.send("F10")
        let listed = try FerryProcess.run(["resume", "--list"], in: local.path)
        #expect(listed.standardOutput.isEmpty, "\(listed.standardOutput)")
    }
}

/// `M` in the commander sets a server file's permissions with SITE CHMOD.
@Suite("Commander permissions in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderChangeModeTests {
    @Test func aServerScriptBecomesExecutable() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("run.sh", Data("#!/bin/sh\n".utf8))
        chmod(fixture.root.file("run.sh"), 0o644)
        let session = try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
        try session.waitFor("run.sh")
        try session.send("M")
        try session.waitFor("Permissions of")
        try session.send("BSpace", "BSpace", "BSpace", "BSpace", "7", "5", "5", "Enter")
        try session.waitFor("mode 755") { _ in
            var status = stat()
            return stat(fixture.root.file("run.sh"), &status) == 0 && status.st_mode & 0o777 == 0o755
        }
        try session.send("F10")
    }
}

/// A listing with a line that cannot be read is shown, and the status line says it may be incomplete.
@Suite("Commander and incomplete listings", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderIncompleteListingTests {
    @Test func theStatusLineSaysSo() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 3 Jan 1 2024 good.txt\r\nthis is no listing line at all\r\n".utf8))
        let session = try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
        let screen = try session.waitFor("could not be read")
        #expect(screen.contains("good.txt"))
        #expect(screen.contains("1 line of the listing"))
        try session.send("F10")
    }
}

/// The folder tree reaches a server's folder three levels down, listing each branch as it opens.
@Suite("Commander folder tree in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderTreeTests {
    @Test func aFolderThreeLevelsDownOpens() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("one/two/three/deep-file.txt", Data("deep".utf8))
        let session = try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
        try session.waitFor("/one")
        try session.send("t")
        try session.waitFor("▸ one")
        try session.send("Down", "Right")
        try session.waitFor("▸ two")
        try session.send("Down", "Right")
        try session.waitFor("▸ three")
        try session.send("Down", "Enter")
        let screen = try session.waitFor("deep-file.txt")
        #expect(screen.contains("/one/two/three"))
        try session.send("F10")
    }
}

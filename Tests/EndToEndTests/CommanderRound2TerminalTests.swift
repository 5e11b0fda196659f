import Foundation
import Testing
import TestSupport

/// The commander's copies onto names that exist, F6's line and the steered queue, in a real
/// terminal (tmux) against the loopback server.
@Suite("Commander round 2 in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderRound2TerminalTests {
    func start(_ fixture: ServerFixture, in local: TemporaryDirectory) throws -> TmuxSession {
        try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
    }

    @Test func copyingOntoAFileThatExistsAsksAndEscapeLeavesItAlone() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let theirs = sampleBytes(200_000, seed: 1)
        let mine = sampleBytes(50_000, seed: 2)
        try fixture.root.write("report.bin", theirs)
        try local.write("report.bin", mine)
        let session = try start(fixture, in: local)
        try session.waitFor("both panes") { $0.contains("49K") && $0.contains("195K") }
        try session.send("F5")
        try session.waitFor("Copy \"report.bin\"")
        try session.send("Enter")
        let asked = try session.waitFor("already exists")
        #expect(asked.contains("200000 bytes"))
        #expect(asked.contains("50000 bytes"))
        #expect(asked.contains("c  continue"))
        try session.send("Escape")
        try session.waitFor("the dialog closed") { !$0.contains("already exists") }
        Thread.sleep(forTimeInterval: 1)
        #expect(local.read("report.bin") == mine)
        #expect(!local.exists("report.bin.part"))

        // Asked again, `r` copies beside it and leaves it as it was.
        try session.send("F5")
        try session.waitFor("Copy \"report.bin\"")
        try session.send("Enter")
        try session.waitFor("already exists")
        try session.send("r")
        try session.waitFor("the copy beside it", timeout: 30) { _ in local.read("report.bin.1") == theirs }
        #expect(local.read("report.bin") == mine)
        try session.waitFor("✓ verified")

        // `s` skips it: the copy ends without writing.
        try session.send("F5")
        try session.waitFor("Copy \"report.bin\"")
        try session.send("Enter")
        try session.waitFor("already exists")
        try session.send("s")
        try session.waitFor("skipped: it exists")
        #expect(local.read("report.bin") == mine)
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
    }

    @Test func uploadingOntoAServerFileAsksAndNewerOnlyLeavesANewerOne() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let theirs = Data("the server's, newer".utf8)
        let mine = Data("mine, older".utf8)
        try fixture.root.write("notes.txt", theirs)
        try local.write("notes.txt", mine)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -86_400 * 3)], ofItemAtPath: local.file("notes.txt"))
        let session = try start(fixture, in: local)
        try session.waitFor("both panes") { $0.components(separatedBy: "notes.txt").count >= 3 }
        try session.send("Tab")
        try session.waitFor("the local pane active") { $0.contains("[ /") }
        try session.send("End", "F5")
        try session.waitFor("Copy \"notes.txt\"")
        try session.send("Enter")
        try session.waitFor("already exists")
        try session.send("n")
        try session.waitFor("skipped: it exists")
        #expect(fixture.root.read("notes.txt") == theirs)

        // Asked again, `r` puts it beside theirs.
        try session.send("F5")
        try session.waitFor("Copy \"notes.txt\"")
        try session.send("Enter")
        try session.waitFor("already exists")
        try session.send("r")
        try session.waitFor("the copy beside it", timeout: 30) { _ in fixture.root.read("notes.txt.1") == mine }
        #expect(fixture.root.read("notes.txt") == theirs)
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
    }

    /// `c` continues a file only where a Ferry copy of the same source wrote it (the journal's
    /// rule): an upload that failed midway is continued from what the server holds; a shorter
    /// file nobody knows is copied from the start, and the status line says why.
    @Test func continueGoesOnFromWhatAFailedCopyWroteAndStartsOverOtherwise() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(800_000)
        try local.write("big.bin", contents)
        fixture.server.faults.cutTransfers(after: 300_000, times: 1)
        let session = try TmuxSession(
            "\(FerryProcess.executable) --retries 0 ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
        try session.waitFor("the local file") { $0.contains("big.bin") }
        try session.send("Tab")
        try session.waitFor("the local pane active") { $0.contains("[ /") }
        try session.send("End", "F5")
        try session.waitFor("Copy \"big.bin\"")
        try session.send("Enter")
        try session.waitFor("Transfer failed")
        try session.waitFor("the partial file listed") { $0.components(separatedBy: "big.bin").count >= 3 }
        let kept = try #require(fixture.root.read("big.bin")).count
        #expect(kept > 0 && kept < 800_000)
        fixture.server.clearReceivedCommands()
        // F5 once more, answered with `c`.
        func copyAgainContinuing() throws {
            try session.send("F5")
            try session.waitFor("Copy \"big.bin\"")
            try session.send("Enter")
            try session.waitFor("already exists") { $0.contains("c  continue") }
            try session.send("c")
        }

        try copyAgainContinuing()
        try session.waitFor("the whole file", timeout: 30) { _ in fixture.root.read("big.bin") == contents }
        try session.waitFor("✓ verified")
        #expect(fixture.server.receivedCommands.contains("REST \(kept)"))

        // A shorter file no Ferry copy wrote is not continued.
        try fixture.root.write("big.bin", sampleBytes(100_000, seed: 9))
        try session.send("C-r")
        try session.waitFor("the shorter file listed") { $0.contains("98K") }
        fixture.server.clearReceivedCommands()
        try copyAgainContinuing()
        try session.waitFor("copied from the start", timeout: 30)
        #expect(fixture.root.read("big.bin") == contents)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
    }

    @Test func f6ClearedAndANewNameRenamesAServerFileInPlace() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("old-name.txt", Data("kept".utf8))
        let session = try start(fixture, in: local)
        try session.waitFor("old-name.txt")
        try session.send("F6")
        try session.waitFor("Rename or move")
        try session.send("C-u")
        try session.send("-l", "new-name.txt")
        try session.waitFor("new-name.txt")
        try session.send("Enter")
        try session.waitFor("renamed on the server") { _ in fixture.root.exists("new-name.txt") && !fixture.root.exists("old-name.txt") }
        #expect(fixture.root.read("new-name.txt") == Data("kept".utf8))
        #expect(local.read("new-name.txt") == nil)
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
    }

    @Test func aPausedDownloadMovesNoBytesAndResumesToAByteIdenticalEnd() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let files = ["a.bin": sampleBytes(1_500_000, seed: 1), "b.bin": sampleBytes(1_500_000, seed: 2)]
        for (name, contents) in files { try fixture.root.write(name, contents) }
        fixture.server.faults.throttle(bytesPerSecond: 300_000)
        let session = try start(fixture, in: local)
        try session.waitFor("b.bin")
        try session.send("Insert", "Insert")
        try session.waitFor("2 marked")
        try session.send("F5")
        try session.waitFor("Copy 2 entries")
        try session.send("Enter")
        try session.waitFor("a Total line") { $0.contains("Transfers: 2 running") && $0.contains("Total ") }
        try session.waitFor("bytes of a.bin") { _ in (local.size("a.bin.part") ?? 0) > 0 }
        try session.send("Q")
        try session.waitFor("p pause")
        try session.send("p")
        try session.waitFor("paused")
        Thread.sleep(forTimeInterval: 0.5)
        let held = local.size("a.bin.part")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(held != nil)
        #expect(local.size("a.bin.part") == held, "a paused download kept writing")
        try session.send("p")
        try session.waitFor("all done", timeout: 40) { _ in files.allSatisfy { local.read($0.key) == $0.value } }
        try session.send("Escape", "F10")
        try session.waitFor("FERRY-EXITED-0")
    }
}

extension TemporaryDirectory {
    /// The size of a file in the folder; nil when there is none.
    func size(_ name: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: file(name)))?[.size] as? Int
    }
}

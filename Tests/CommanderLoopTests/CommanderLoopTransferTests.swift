import Commander
import Foundation
import ScreenKit
import Terminal
import Testing
import TestSupport
@testable import ferry

/// Copies onto names that exist, the steered queue and the viewer, through the commander's
/// event loop on a terminal in memory against the loopback server.
@Suite("Commander loop: copies, the queue and the viewer", .serialized)
struct CommanderLoopTransferTests {
    @Test func copyingOntoAFileThatExistsAsksAndEscapeLeavesItAlone() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let theirs = sampleBytes(200_000, seed: 1)
        let mine = sampleBytes(50_000, seed: 2)
        try fixture.root.write("report.bin", theirs)
        try local.write("report.bin", mine)
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("both panes") { $0.contains("49K") && $0.contains("195K") }
        commander.press(.function(5))
        try commander.waitFor("Copy \"report.bin\"")
        commander.press(.enter)
        let asked = try commander.waitFor("already exists")
        #expect(asked.contains("200000 bytes"))
        #expect(asked.contains("50000 bytes"))
        #expect(asked.contains("c  continue"))
        commander.type("\u{1B}")
        try commander.waitFor("the dialog closed") { !$0.contains("already exists") }
        commander.idle(1)
        #expect(local.read("report.bin") == mine)
        #expect(!local.exists("report.bin.part"))

        // Asked again, `r` copies beside it and leaves it as it was.
        commander.press(.function(5))
        try commander.waitFor("Copy \"report.bin\"")
        commander.press(.enter)
        try commander.waitFor("already exists")
        commander.type("r")
        try commander.waitFor("the copy beside it", timeout: 30) { _ in local.read("report.bin.1") == theirs }
        #expect(local.read("report.bin") == mine)
        try commander.waitFor("✓ verified")

        // `s` skips it: the copy ends without writing.
        commander.press(.function(5))
        try commander.waitFor("Copy \"report.bin\"")
        commander.press(.enter)
        try commander.waitFor("already exists")
        commander.type("s")
        try commander.waitFor("skipped: it exists")
        #expect(local.read("report.bin") == mine)
    }

    /// Both panes on one server under two names (127.0.0.1 and localhost): F5 of a file onto
    /// itself, overwrite answered, would truncate the file it reads; it is refused, and so is a
    /// folder copied into itself.
    @Test func copyingAFileOntoItselfOnOneServerIsRefused() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let big = sampleBytes(300_000, seed: 3)
        try fixture.root.write("big.bin", big)
        let commander = try CommanderHarness(local: local, server: fixture, leftServer: fixture, leftHost: "localhost")
        try commander.waitFor("both panes") { $0.components(separatedBy: "big.bin").count >= 3 }
        commander.type("\u{1B}[F")
        commander.press(.function(5))
        try commander.waitFor("Copy \"big.bin\"")
        commander.press(.enter)
        let refused = { commander.loop.state.transfers.contains { if case .failed(let reason) = $0.state { reason.contains("are the same file") } else { false } } }
        // Asked about the name the other pane shows (unless that pane was being listed again
        // just then), overwrite is answered.
        let asked = try commander.waitFor("the question or the refusal", timeout: 30) { $0.contains("already exists") || refused() }
        if asked.contains("already exists") { commander.type("o") }
        try commander.waitFor("the refusal", timeout: 30) { _ in refused() }
        commander.idle(1)
        #expect(fixture.root.read("big.bin") == big)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("STOR") })
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
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("both panes") { $0.components(separatedBy: "notes.txt").count >= 3 }
        commander.type("\t")
        try commander.waitFor("the local pane active") { _ in commander.loop.state.active == 0 }
        commander.type("\u{1B}[F\u{1B}[15~")
        try commander.waitFor("Copy \"notes.txt\"")
        commander.press(.enter)
        try commander.waitFor("already exists")
        commander.type("n")
        try commander.waitFor("skipped: it exists")
        #expect(fixture.root.read("notes.txt") == theirs)

        // Asked again, `r` puts it beside theirs.
        commander.press(.function(5))
        try commander.waitFor("Copy \"notes.txt\"")
        commander.press(.enter)
        try commander.waitFor("already exists")
        commander.type("r")
        try commander.waitFor("the copy beside it", timeout: 30) { _ in fixture.root.read("notes.txt.1") == mine }
        #expect(fixture.root.read("notes.txt") == theirs)
    }

    /// With a server in each pane, F5 copies from one to the other through the client, verified.
    @Test func f5CopiesAFileFromOneServerPaneToTheOther() throws {
        let source = try ServerFixture()
        defer { source.stop() }
        let target = try ServerFixture()
        defer { target.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(300_000, seed: 4)
        try source.root.write("from-a.bin", contents)
        try target.root.write("already-on-b.txt", Data("b".utf8))
        let commander = try CommanderHarness(local: local, server: target, leftServer: source)
        try commander.waitFor("both servers listed") { $0.contains("from-a.bin") && $0.contains("already-on-b.txt") }
        commander.type("\t")
        try commander.waitFor("the left pane active") { _ in commander.loop.state.active == 0 }
        commander.type("\u{1B}[F")
        commander.press(.function(5))
        try commander.waitFor("Copy \"from-a.bin\"")
        commander.press(.enter)
        try commander.waitFor("the copy on the other server", timeout: 30) { _ in target.root.read("from-a.bin") == contents }
        try commander.waitFor("✓ verified")
        #expect(source.root.read("from-a.bin") == contents)
        #expect(target.server.receivedCommands.contains("STOR /from-a.bin"))
        #expect(source.server.receivedCommands.contains("RETR /from-a.bin"))
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
        let commander = try CommanderHarness(local: local, server: fixture, options: ["--retries", "0"])
        try commander.waitFor("the local file") { $0.contains("big.bin") }
        // Both copies go to the folder as the server named it ("/"), not as the URL did (""):
        // the journal tells a continued copy by its destination.
        try commander.waitFor("the server's folder listed") { _ in !commander.loop.state.panes[1].loading }
        commander.type("\u{12}")
        try commander.waitFor("the server's folder named") { _ in
            !commander.loop.state.panes[1].loading && commander.loop.state.panes[1].location.absolutePath == "/"
        }
        commander.type("\t")
        try commander.waitFor("the local pane active") { _ in commander.loop.state.active == 0 }
        commander.type("\u{1B}[F\u{1B}[15~")
        try commander.waitFor("Copy \"big.bin\"")
        commander.press(.enter)
        try commander.waitFor("Transfer failed")
        // The server may keep the partial file only after its 426: list again once it has.
        try commander.waitFor("the partial file kept") { _ in fixture.root.read("big.bin") != nil }
        commander.type("\u{12}")
        try commander.waitFor("the partial file listed") { _ in
            commander.loop.state.panes[1].entries.contains { $0.name == "big.bin" && ($0.size ?? 0) < 800_000 }
        }
        let kept = try #require(fixture.root.read("big.bin")).count
        #expect(kept > 0 && kept < 800_000)
        fixture.server.clearReceivedCommands()
        // F5 once more, answered with `c`.
        func copyAgainContinuing() throws {
            commander.press(.function(5))
            try commander.waitFor("Copy \"big.bin\"")
            commander.press(.enter)
            try commander.waitFor("already exists") { $0.contains("c  continue") }
            commander.type("c")
        }

        try copyAgainContinuing()
        try commander.waitFor("the whole file", timeout: 30) { _ in fixture.root.read("big.bin") == contents }
        try commander.waitFor("✓ verified")
        #expect(fixture.server.receivedCommands.contains("REST \(kept)"))

        // A shorter file no Ferry copy wrote is not continued.
        try fixture.root.write("big.bin", sampleBytes(100_000, seed: 9))
        commander.type("\u{12}")
        try commander.waitFor("the shorter file listed") { _ in
            commander.loop.state.panes[1].entries.contains { $0.name == "big.bin" && $0.size == 100_000 }
        }
        fixture.server.clearReceivedCommands()
        try copyAgainContinuing()
        try commander.waitFor("copied from the start", timeout: 30)
        #expect(fixture.root.read("big.bin") == contents)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("REST") })
    }

    @Test func aPausedDownloadMovesNoBytesAndResumesToAByteIdenticalEnd() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let files = ["a.bin": sampleBytes(1_500_000, seed: 1), "b.bin": sampleBytes(1_500_000, seed: 2)]
        for (name, contents) in files { try fixture.root.write(name, contents) }
        fixture.server.faults.throttle(bytesPerSecond: 300_000)
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("b.bin")
        commander.press(.insert, .insert)
        try commander.waitFor("2 marked")
        commander.press(.function(5))
        try commander.waitFor("Copy 2 entries")
        commander.press(.enter)
        try commander.waitFor("a Total line") { $0.contains("Transfers: 2 running") && $0.contains("Total ") }
        try commander.waitFor("bytes of a.bin") { _ in (local.size("a.bin.part") ?? 0) > 0 }
        commander.type("Q")
        try commander.waitFor("p pause")
        commander.type("p")
        try commander.waitFor("paused")
        // Bytes read before the pause may still be on their way to the file: it holds still first,
        // within a second (the rest of the file would take five).
        var held = local.size("a.bin.part")
        for _ in 0..<2 {
            commander.idle(0.5)
            let now = local.size("a.bin.part")
            if now == held { break }
            held = now
        }
        commander.idle(1.2)
        #expect(held != nil)
        #expect((held ?? 0) < 1_500_000)
        #expect(local.size("a.bin") == nil)
        #expect(local.size("a.bin.part") == held, "a paused download kept writing")
        commander.type("p")
        try commander.waitFor("all done", timeout: 40) { _ in files.allSatisfy { local.read($0.key) == $0.value } }
    }

    @Test func endReachesTheLastLineOfAThreeMebibyteServerFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let marker = "THE-LAST-LINE-OF-FERRY-VIEWER-FILE"
        let lines = (1...285_000).map { String(format: "row %06d\n", $0) }.joined()
        try fixture.root.write("long.txt", Data((lines + marker + "\n").utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("long.txt")
        commander.press(.function(3))
        let start = try commander.waitFor("row 000001")
        #expect(start.contains("long.txt  text  0% of 3.0M"), "\(start)")
        #expect(!start.contains(marker))
        commander.press(.end)
        let end = try commander.waitFor(marker)
        #expect(end.contains("100% of 3.0M"), "\(end)")
        #expect(end.contains("row 285000"))
        let rests = fixture.server.receivedCommands.filter { $0.hasPrefix("REST ") }
        #expect(rests.contains { UInt64($0.dropFirst(5)).map { $0 > 0 } == true }, "\(fixture.server.receivedCommands)")
        commander.type("q")
        try commander.waitFor("9Connect")
    }

    /// The viewer reads a file on the connection of the pane it is in: a server's file in the
    /// right pane needs no second login (the left pane's would be one).
    @Test func theViewerReadsOnTheConnectionOfThePaneTheFileIsIn() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("readme.txt", Data("hello from the right pane\n".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("readme.txt")
        #expect(commander.loop.state.active == 1)
        commander.press(.function(3))
        try commander.waitFor("hello from the right pane")
        let logins = fixture.server.receivedCommands.filter { $0.hasPrefix("USER ") }
        #expect(logins.count == 1, "\(fixture.server.receivedCommands)")
    }

    /// A folder made (F7) and a file deleted (F8) in the right pane use its connection too.
    @Test func fileOperationsRunOnTheConnectionOfTheirPane() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("old.txt", Data("x".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("old.txt")
        commander.press(.function(7))
        try commander.waitFor("Make a folder in")
        commander.type("made\r")
        try commander.waitFor("the folder made") { _ in fixture.root.exists("made") }
        try commander.waitFor("the pane shows it") { $0.contains("/made") }
        commander.press(.end, .function(8))
        try commander.waitFor("Delete \"old.txt\"")
        commander.press(.enter)
        try commander.waitFor("the file deleted") { _ in !fixture.root.exists("old.txt") }
        let logins = fixture.server.receivedCommands.filter { $0.hasPrefix("USER ") }
        #expect(logins.count == 1, "\(fixture.server.receivedCommands)")
    }
}

extension TemporaryDirectory {
    /// The size of a file in the folder; nil when there is none.
    func size(_ name: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: file(name)))?[.size] as? Int
    }
}

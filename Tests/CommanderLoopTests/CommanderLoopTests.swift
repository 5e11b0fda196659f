import Commander
import Foundation
import ScreenKit
import Terminal
import Testing
import TestSupport
@testable import ferry

/// The commander's behaviour through its event loop on a terminal in memory, with the real
/// workers against the loopback server: what tmux tests did, without a terminal.
@Suite("Commander loop", .serialized)
struct CommanderLoopTests {
    @Test func startsListingBothPanesAndQuitsOnF10() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("remote.txt", Data("r".utf8))
        try local.write("local.txt", Data("l".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        let screen = try commander.waitFor("both panes") { $0.contains("remote.txt") && $0.contains("local.txt") }
        #expect(screen.contains("1Help"))
        // F10 as xterm sends it, through the key decoder.
        commander.type("\u{1B}[21~")
        #expect(!commander.loop.state.isRunning)
    }

    @Test func anIdleCommanderDrawsNothingAndAResizeRedrawsAtTheNewSize() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("file.txt", Data("x".utf8))
        let commander = try CommanderHarness(local: local)
        try commander.waitFor("file.txt")
        try commander.waitFor("both panes listed") { _ in !commander.loop.state.panes.contains(where: \.loading) }
        commander.idle(0.3)
        let draws = commander.terminal.draws
        commander.idle(0.3)
        #expect(commander.terminal.draws == draws)
        commander.terminal.resize(width: 80, height: 24)
        commander.loop.step(maxWait: 0)
        let lines = commander.screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 24)
        #expect(lines.first?.contains("┐┌") == true)
        #expect(commander.screen.contains("file.txt"))
    }

    @Test func helpListsTheKeysAndClosesOnEscape() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let commander = try CommanderHarness(local: local)
        try commander.waitFor("1Help")
        commander.type("\u{1B}OP")
        let help = try commander.waitFor("copy to the other pane")
        #expect(help.contains("F5 c"))
        // Esc alone: the decoder takes it as Esc once nothing follows.
        commander.type("\u{1B}")
        try commander.waitFor("the help closed") { !$0.contains("copy to the other pane") }
        // Esc 1 typed together (Alt-1) is F1 too.
        commander.type("\u{1B}1")
        try commander.waitFor("copy to the other pane")
    }

    @Test func f6ClearedAndANewNameRenamesAServerFileInPlace() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("old-name.txt", Data("kept".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("old-name.txt")
        commander.press(.function(6))
        try commander.waitFor("Rename or move")
        commander.press(.control("u"))
        commander.type("new-name.txt")
        try commander.waitFor("new-name.txt")
        commander.press(.enter)
        try commander.waitFor("renamed on the server") { _ in fixture.root.exists("new-name.txt") && !fixture.root.exists("old-name.txt") }
        #expect(fixture.root.read("new-name.txt") == Data("kept".utf8))
        #expect(local.read("new-name.txt") == nil)
        try commander.waitFor("the pane shows the new name") { $0.contains("new-name.txt") && !$0.contains("old-name.txt") }
    }

    /// RNTO would replace a file of the new name without a word: the rename is refused, and
    /// both files stay.
    @Test func f6OntoATakenNameReplacesNothing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.txt", Data("a".utf8))
        try fixture.root.write("b.txt", Data("precious b".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("b.txt")
        commander.press(.function(6))
        try commander.waitFor("Rename or move")
        commander.press(.control("u"))
        commander.type("b.txt")
        commander.press(.enter)
        try commander.waitFor("exists: not replaced")
        #expect(fixture.root.read("a.txt") == Data("a".utf8))
        #expect(fixture.root.read("b.txt") == Data("precious b".utf8))
    }

    /// A copy leaves a link to a folder and a pipe alone: a move of their folder deletes what it
    /// copied, and keeps them (deleting the whole folder lost them without a word).
    @Test func f6MovingAFolderKeepsWhatItsCopyLeft() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("mv1/f.txt", Data("moved".utf8))
        try FileManager.default.createSymbolicLink(atPath: local.file("mv1/dirlink"), withDestinationPath: local.path)
        #expect(mkfifo(local.file("mv1/pipe"), 0o600) == 0)
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("mv1")
        commander.press(.tab)
        commander.press(.down)
        commander.press(.function(6))
        try commander.waitFor("Rename or move")
        commander.press(.enter)
        try commander.waitFor("moved to the server") { _ in fixture.root.read("mv1/f.txt") == Data("moved".utf8) && local.read("mv1/f.txt") == nil }
        var status = stat()
        #expect(lstat(local.file("mv1/dirlink"), &status) == 0)
        #expect(lstat(local.file("mv1/pipe"), &status) == 0)
    }

    /// A file that comes into a server folder while a move copies it was not copied: the move
    /// deletes what it copied and keeps that file, and its folder.
    @Test func f6MovingAServerFolderKeepsAFileThatCameDuringTheCopy() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let big = sampleBytes(1_500_000)
        try fixture.root.write("mvr/big.bin", big)
        fixture.server.faults.throttle(bytesPerSecond: 500_000)
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("mvr")
        commander.press(.function(6))
        try commander.waitFor("Rename or move")
        commander.press(.enter)
        try commander.waitFor("the copy under way") { _ in (local.size("mvr/big.bin.part") ?? 0) > 0 }
        try fixture.root.write("mvr/late.txt", Data("came meanwhile".utf8))
        try commander.waitFor("moved", timeout: 30) { _ in local.read("mvr/big.bin") == big && !fixture.root.exists("mvr/big.bin") }
        commander.idle(0.5)
        #expect(fixture.root.read("mvr/late.txt") == Data("came meanwhile".utf8))
        #expect(!local.exists("mvr/late.txt"))
    }

    @Test func mSetsAServerScriptsPermissions() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("run.sh", Data("#!/bin/sh\n".utf8))
        chmod(fixture.root.file("run.sh"), 0o644)
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("run.sh")
        commander.type("M")
        try commander.waitFor("Permissions of")
        commander.press(.backspace, .backspace, .backspace, .backspace)
        commander.type("755\r")
        try commander.waitFor("mode 755") { _ in
            var status = stat()
            return stat(fixture.root.file("run.sh"), &status) == 0 && status.st_mode & 0o777 == 0o755
        }
    }

    @Test func anIncompleteListingSaysSoInTheStatusLine() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 3 Jan 1 2024 good.txt\r\nthis is no listing line at all\r\n".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        let screen = try commander.waitFor("could not be read")
        #expect(screen.contains("good.txt"))
        #expect(screen.contains("1 line of the listing"))
    }

    /// A file the destination's listing could not show may be there: a copy onto it is not
    /// asked about, so it is skipped, never replaced unasked.
    @Test func aCopyIntoAFolderWhoseListingIsIncompleteReplacesNothingUnasked() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("up.txt", Data("local".utf8))
        try fixture.root.write("up.txt", Data("server".utf8))
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 3 Jan 1 2024 good.txt\r\n-rw-r--r-- 1 u g ??? up.txt\r\n".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("could not be read")
        // To the local pane, onto up.txt (below the parent row), and F5.
        commander.type("\t\u{1B}[B")
        commander.press(.function(5))
        try commander.waitFor("Copy \"up.txt\"")
        commander.press(.enter)
        let screen = try commander.waitFor("skipped")
        #expect(fixture.root.read("up.txt") == Data("server".utf8), "\(screen)")
    }

    @Test func theTreeOpensAServerFolderThreeLevelsDown() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("one/two/three/deep-file.txt", Data("deep".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("/one")
        commander.type("t")
        try commander.waitFor("▸ one")
        commander.type("\u{1B}[B\u{1B}[C")
        try commander.waitFor("▸ two")
        commander.type("\u{1B}OB\u{1B}OC")
        try commander.waitFor("▸ three")
        commander.press(.down, .enter)
        let screen = try commander.waitFor("deep-file.txt")
        #expect(screen.contains("/one/two/three"))
    }

    @Test func markedFilesCopyOverTwoConnectionsAtOnce() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let files = ["a.bin": sampleBytes(1_500_000, seed: 1), "b.bin": sampleBytes(1_500_000, seed: 2), "c.bin": sampleBytes(1_000, seed: 3)]
        for (name, contents) in files { try fixture.root.write(name, contents) }
        fixture.server.faults.throttle(bytesPerSecond: 500_000)
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("c.bin")
        commander.type("\u{1B}[2~\u{1B}[2~\u{1B}[2~")
        try commander.waitFor("3 marked")
        commander.press(.function(5))
        try commander.waitFor("Copy 3 entries")
        commander.press(.enter)
        try commander.waitFor("two running at once") { $0.contains("Transfers: 2 running, 1 queued") }
        try commander.waitFor("all done", timeout: 40) { _ in files.allSatisfy { local.read($0.key) == $0.value } }
    }

    @Test func theConnectDialogAsksForThePasswordWithoutEcho() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("plans.txt", Data("x".utf8))
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let commander = try CommanderHarness(local: local)
        try commander.waitFor("9Connect")
        commander.type(":")
        try commander.waitFor("Connect")
        commander.press(.backspace, .backspace, .backspace, .backspace, .backspace, .backspace)
        commander.type("ftp://127.0.0.1:\(fixture.port)/\r")
        try commander.waitFor("User for")
        commander.type(ServerFixture.user + "\r")
        try commander.waitFor("Password for ftp://alice@127.0.0.1")
        commander.type(ServerFixture.password)
        let typed = try commander.waitFor("******")
        #expect(!typed.contains(ServerFixture.password))
        commander.press(.enter)
        let listed = try commander.waitFor("plans.txt")
        #expect(!listed.contains(ServerFixture.password))
    }

    /// F8 on a listing that names an entry leading outside its folder deletes the rest and
    /// names the one refused; nothing outside is touched.
    @Test func f8DeletesTheSafeRestAndNamesTheRefusedEntry() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("tree/top.txt", Data("in".utf8))
        for name in ["top.txt", "keep.txt", "other/file.txt"] { try fixture.root.write(name, Data("out".utf8)) }
        fixture.server.faults.serveListing(Array("""
            -rw-r--r-- 1 u g 1 Jan 1 2024 top.txt\r
            drwxr-xr-x 1 u g 0 Jan 1 2024 x/../..\r

            """.utf8))
        let commander = try CommanderHarness(local: local, server: fixture, at: "tree/")
        try commander.waitFor("x/../..")
        // From the parent row: the folder, then the file, each marked with Space.
        commander.type("\u{1B}[B  ")
        try commander.waitFor("2 marked")
        commander.press(.function(8))
        try commander.waitFor("Delete 2 entries")
        commander.press(.enter)
        let screen = try commander.waitFor("refusing to delete")
        #expect(screen.contains("x/../.."), "\(screen)")
        #expect(!fixture.root.exists("tree/top.txt"))
        #expect(fixture.root.exists("tree"))
        for name in ["top.txt", "keep.txt", "other/file.txt"] { #expect(fixture.root.read(name) == Data("out".utf8), "\(name)") }
    }

    /// F6 of several marked entries into a folder of the same server (a path ending in `/`):
    /// each moves there keeping its name; one whose name is taken there stays, named, and
    /// marked still, while the mark of the one that went goes with it.
    @Test func markedEntriesMoveIntoAFolderOnTheSameSide() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for name in ["a.txt", "b.txt"] { try fixture.root.write(name, Data(name.utf8)) }
        try fixture.root.write("sub/b.txt", Data("theirs".utf8))
        let commander = try CommanderHarness(local: local, server: fixture)
        try commander.waitFor("b.txt")
        // Past the folder (the root has no parent row): a.txt and b.txt, each marked with Space.
        commander.type("\u{1B}[B  ")
        try commander.waitFor("2 marked")
        commander.press(.function(6))
        try commander.waitFor("Rename or move")
        commander.type("\u{15}sub/")
        commander.press(.enter)
        try commander.waitFor("moved 1 of 2")
        #expect(fixture.root.read("sub/a.txt") == Data("a.txt".utf8))
        #expect(!fixture.root.exists("a.txt"))
        #expect(fixture.root.read("b.txt") == Data("b.txt".utf8))
        #expect(fixture.root.read("sub/b.txt") == Data("theirs".utf8))
        try commander.waitFor("1 marked")
    }
}

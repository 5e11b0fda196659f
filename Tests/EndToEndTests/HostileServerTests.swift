import Foundation
import Testing
import TestSupport

/// What a hostile server sends must never make ferry act outside what it was asked to touch.
@Suite("Hostile servers")
struct HostileServerTests {
    /// A folder whose listing names entries that lead outside it, beside plain ones.
    static let escapingListing = Array("""
        -rw-r--r-- 1 u g 1 Jan 1 2024 top.txt\r
        drwxr-xr-x 1 u g 0 Jan 1 2024 ../\r
        -rw-r--r-- 1 u g 1 Jan 1 2024 ../outside.txt\r
        drwxr-xr-x 1 u g 0 Jan 1 2024 x/../..\r
        -rw-r--r-- 1 u g 1 Jan 1 2024 .\r
        -rw-r--r-- 1 u g 1 Jan 1 2024 evil\u{1B}[2J/../victim.txt\r

        """.utf8)

    /// The same in MLSD.
    static let escapingMachineListing = Array("""
        type=file;size=1; top.txt\r
        type=dir; ../\r
        type=file;size=1; ../outside.txt\r
        type=dir; x/../..\r
        type=file;size=1; evil\u{1B}[2J/../victim.txt\r
        type=file;size=1; a\u{0}b\r

        """.utf8)

    @Test(arguments: [false, true])
    func rmRDeletesNothingOutsideTheTree(_ machine: Bool) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("tree/top.txt", Data("in".utf8))
        for name in ["top.txt", "outside.txt", "victim.txt", "keep/file.txt"] { try fixture.root.write(name, Data("out".utf8)) }
        if machine {
            fixture.server.faults.serveMachineListing(Self.escapingMachineListing)
        } else {
            fixture.server.faults.serveListing(Self.escapingListing, of: "tree")
        }
        let result = try FerryProcess.run(["rm", "-r", fixture.url("tree")])
        #expect(result.status != 0)
        #expect(result.standardError.contains("refusing to delete \"../\""), "\(result.standardError)")
        #expect(!result.standardError.contains("\u{1B}"))
        // The safe rest is deleted; the folder holding the refused names stays, and all outside it.
        #expect(!fixture.root.exists("tree/top.txt"))
        #expect(fixture.root.exists("tree"))
        for name in ["top.txt", "outside.txt", "victim.txt", "keep/file.txt"] { #expect(fixture.root.read(name) == Data("out".utf8), "\(name)") }
    }

    @Test func mirrorUploadWithDeleteDeletesNothingOutside() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("site/top.txt", Data("new".utf8))
        try fixture.root.write("www/top.txt", Data("in".utf8))
        for name in ["outside.txt", "victim.txt", "keep/file.txt"] { try fixture.root.write(name, Data("out".utf8)) }
        fixture.server.faults.serveListing(Self.escapingListing)
        let result = try FerryProcess.run(["mirror", "-R", "--delete", "site", fixture.url("www")], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("refusing to delete \"../outside.txt\""), "\(result.standardError)")
        #expect(!result.standardError.contains("\u{1B}"))
        for name in ["outside.txt", "victim.txt", "keep/file.txt"] { #expect(fixture.root.read(name) == Data("out".utf8), "\(name)") }
        #expect(fixture.root.exists("www"))
    }

    /// Downloads (mirror with --delete, get -r) and copies between servers (cp -r) from a
    /// folder that lists names leading outside it: nothing is written or deleted outside the
    /// named trees, and the local file the refused names might stand for is kept.
    @Test(arguments: [false, true])
    func downloadsAndCopiesWriteAndDeleteNothingOutside(_ machine: Bool) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let other = try ServerFixture()
        defer { other.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/top.txt", Data("in".utf8))
        for name in ["copy/stray.txt", "outside.txt", "victim.txt"] { try local.write(name, Data("out".utf8)) }
        try other.root.write("outside.txt", Data("out".utf8))
        try other.root.write("dest/keep.txt", Data("keep".utf8))
        try FileManager.default.createDirectory(atPath: local.file("got"), withIntermediateDirectories: true)
        if machine {
            fixture.server.faults.serveMachineListing(Self.escapingMachineListing)
        } else {
            fixture.server.faults.serveListing(Self.escapingListing)
        }
        let mirror = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(mirror.status == 1, "\(mirror.standardError)")
        #expect(mirror.standardError.contains("refusing to copy a file called \"../outside.txt\""), "\(mirror.standardError)")
        #expect(mirror.standardError.contains("nothing deleted"), "\(mirror.standardError)")
        #expect(local.read("copy/top.txt") == Data("in".utf8))
        let get = try FerryProcess.run(["get", "-r", fixture.url("site/"), "got"], in: local.path)
        #expect(get.status == 1, "\(get.standardError)")
        #expect(local.read("got/site/top.txt") == Data("in".utf8))
        let copy = try FerryProcess.run(["cp", "-r", fixture.url("site/"), other.url("dest/")], in: local.path)
        #expect(copy.status == 1, "\(copy.standardError)")
        #expect(other.root.read("dest/site/top.txt") == Data("in".utf8))
        for result in [mirror, get, copy] { #expect(!result.standardError.contains("\u{1B}")) }
        for name in ["copy/stray.txt", "outside.txt", "victim.txt"] { #expect(local.read(name) == Data("out".utf8), "\(name)") }
        #expect(other.root.read("outside.txt") == Data("out".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).sorted() == ["copy", "got", "outside.txt", "victim.txt"])
    }

    @Test func lsTakesAbsurdNumbersAndTimes() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.serveListing(Array("""
            +m9999999999999999999,s18446744073709551615,\tepoch.txt\r
            0100644  500  101  9999999999999999999  9999999999999999999 numeric.txt\r
            -rw-r--r-- 1 u g 99999999999999999999 Jan 1 2024 huge.txt\r
            12-31-9999  11:59PM  18446744073709551615 last.txt\r

            """.utf8))
        let result = try FerryProcess.run(["ls", "-l", fixture.url()])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("epoch.txt") && result.standardOutput.contains("numeric.txt"))
        let json = try FerryProcess.run(["ls", "--json", fixture.url()])
        #expect(json.status == 0, "\(json.standardError)")
    }

    @Test func lsOfAFileTakesAnMDTMReplyThatIsNoTime() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.txt", Data("x".utf8))
        fixture.server.faults.script("MDTM", reply: .init(code: 213, text: "20260101000000.5e300"))
        let result = try FerryProcess.run(["ls", "-l", fixture.url("f.txt")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("f.txt"))
    }

    @Test(arguments: ["230 Logged in.\r\n", "331 Password please.\r\n230 Logged in.\r\n", "2", "\r\n", "\u{16}\u{03}\u{01}"])
    func bytesSentWithTheAnswerToAuthTLSEndTheCommand(_ injected: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.injectAfterAuthTLS(Array(injected.utf8))
        let result = try FerryProcess.run(["ls", "--tls", "--insecure", fixture.url()], timeout: 30)
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("AUTH TLS"), "\(result.standardError)")
        #expect(result.standardError.contains("refusing to go on"), "\(result.standardError)")
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("USER") || $0.hasPrefix("PASS") })
        let explicit = try FerryProcess.run(["ls", "--insecure", fixture.url().replacingOccurrences(of: "ftp://", with: "ftpes://")], timeout: 30)
        #expect(explicit.status == 3, "\(explicit.standardError)")
    }

    /// A name with a CR in it can be listed but never asked for: that file fails, the others
    /// of the batch are copied, and no job is left that a resume could only fail again.
    @Test func aNameNoCommandCanCarryFailsItsFileAlone() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("tree/one.txt", Data("one".utf8))
        try fixture.root.write("tree/two.txt", Data("two".utf8))
        fixture.server.faults.serveListing(Array("""
            -rw-r--r-- 1 u g 3 Jan 1 2024 one.txt\r
            -rw-r--r-- 1 u g 1 Jan 1 2024 a\rb\r
            -rw-r--r-- 1 u g 3 Jan 1 2024 two.txt\r

            """.utf8))
        let result = try FerryProcess.run(["get", "-r", "-P", "1", fixture.url("tree"), "out"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("CR, LF or NUL"), "\(result.standardError)")
        #expect(local.read("out/one.txt") == Data("one".utf8))
        #expect(local.read("out/two.txt") == Data("two".utf8))
        let left = try FerryProcess.run(["resume", "--list"], in: local.path)
        #expect(left.status == 0, "\(left.standardError)")
        #expect(left.standardOutput.isEmpty, "\(left.standardOutput)")
    }

    @Test(arguments: ["inf", "-inf", "nan", "-1", "0", "-0", "86401", "1e308", "infinity"])
    func absurdTimeoutsAreUsageErrors(_ value: String) throws {
        let result = try FerryProcess.run(["ls", "--timeout", value, "ftp://127.0.0.1:1/"], timeout: 30)
        #expect(result.status == 2, "\(value): \(result.standardError)")
        #expect(result.standardError.contains("--timeout"), "\(result.standardError)")
    }

    @Test func aServerThatTricklesItsGreetingIsGivenUpOn() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        // Each byte well within the 1 s timeout; the whole greeting would take about 12 s.
        fixture.server.faults.trickleGreeting(everySeconds: 0.4)
        let started = Date()
        let result = try FerryProcess.run(["ls", "--timeout", "1", "--retries", "0", fixture.url()], timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("too slowly"), "\(result.standardError)")
        #expect(elapsed < 9, "took \(elapsed) s")
    }

    /// A download that trickles — each read well within the timeout, 400 bytes in the 4 s window
    /// of `--timeout 1` — is given up on; one that is merely slow goes on to its end.
    @Test func aFileThatTricklesIsGivenUpOnAndASlowOneIsNot() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(12_000))
        fixture.server.faults.throttle(bytesPerSecond: 100)
        let started = Date()
        let trickled = try FerryProcess.run(["get", "--timeout", "1", "--retries", "0", fixture.url("f.bin")], in: local.path, timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        #expect(trickled.status == 3, "\(trickled.standardError)")
        #expect(trickled.standardError.contains("moves too slowly"), "\(trickled.standardError)")
        #expect(elapsed < 12, "took \(elapsed) s")
        #expect(!local.exists("f.bin"))

        fixture.server.faults.throttle(bytesPerSecond: 2_500)
        let slow = try FerryProcess.run(["get", "--timeout", "1", "--retries", "0", fixture.url("f.bin")], in: local.path, timeout: 60)
        #expect(slow.status == 0, "\(slow.standardError)")
        #expect(local.read("f.bin") == sampleBytes(12_000))
    }

    @Test func lsSaysHowManyLinesItCouldNotRead() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.serveListing(Array("""
            total 3\r
            drwxr-xr-x 2 u g 4096 Jan 1 2024 .\r
            -rw-r--r-- 1 u g 1 Jan 1 2024 good.txt\r
            -rw-r--r-- 1 u g what is this\r
            %%% ### @@@ !!!\r

            """.utf8))
        let result = try FerryProcess.run(["ls", fixture.url()])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("good.txt"))
        #expect(result.standardError.contains("2 lines of the listing could not be read"), "\(result.standardError)")

        fixture.server.faults.serveListing(nil)
        fixture.server.faults.serveMachineListing(Array("type=file;size=1; good.txt\r\ntype=file;size=abc; bad.txt\r\ntype=cdir; /\r\n".utf8))
        let machine = try FerryProcess.run(["ls", fixture.url()])
        #expect(machine.status == 0, "\(machine.standardError)")
        #expect(machine.standardOutput.contains("good.txt") && !machine.standardOutput.contains("bad.txt"))
        #expect(machine.standardError.contains("1 line of the listing could not be read"), "\(machine.standardError)")

        // A time that is no time is a malformed fact too.
        fixture.server.faults.serveMachineListing(Array("type=file;size=1; good.txt\r\ntype=file;size=1;modify=20261341000000; odd.txt\r\n".utf8))
        let badTime = try FerryProcess.run(["ls", fixture.url()])
        #expect(badTime.status == 0, "\(badTime.standardError)")
        #expect(badTime.standardError.contains("1 line of the listing could not be read"), "\(badTime.standardError)")

        fixture.server.faults.serveMachineListing(Array("type=file;size=1; good.txt\r\ntype=cdir; /\r\n".utf8))
        let clean = try FerryProcess.run(["ls", fixture.url()])
        #expect(clean.status == 0 && clean.standardErrorBesidesPasswordWarning.isEmpty, "\(clean.standardError)")
    }

    @Test(arguments: [false, true])
    func mirrorDeleteDeletesNothingBesideAnUnreadableLine(_ machine: Bool) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try local.write("copy/a.txt", Data("a".utf8))
        try local.write("copy/stray.txt", Data("stray".utf8))
        if machine {
            fixture.server.faults.serveMachineListing(Array("type=file;size=1;modify=20240101000000; a.txt\r\ntype=file;size=; stray.txt\r\n".utf8))
        } else {
            fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 a.txt\r\n-rw-r--r-- 1 u g ??? stray.txt\r\n".utf8))
        }
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("could not be read"), "\(result.standardError)")
        #expect(result.standardError.contains("nothing deleted"), "\(result.standardError)")
        #expect(local.read("copy/stray.txt") == Data("stray".utf8))
    }

    /// A listing whose every line is unreadable is listed again by NLST's names, but stays
    /// incomplete: what its lines stand for need not be among those names.
    @Test func aListingOfUnreadableLinesAloneDeletesNothing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try local.write("copy/a.txt", Data("a".utf8))
        try local.write("copy/stray.txt", Data("stray".utf8))
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g ??? stray.txt\r\n".utf8))
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("1 line of the listing could not be read"), "\(result.standardError)")
        #expect(result.standardError.contains("nothing deleted"), "\(result.standardError)")
        #expect(local.read("copy/stray.txt") == Data("stray".utf8))
        let ls = try FerryProcess.run(["ls", fixture.url("site/")])
        #expect(ls.status == 0, "\(ls.standardError)")
        #expect(ls.standardOutput == "a.txt\n")
        #expect(ls.standardError.contains("1 line of the listing could not be read"), "\(ls.standardError)")
    }

    /// A pattern matched against a listing that could not be read whole may miss a name: the
    /// command does what it found and fails saying so.
    @Test func patternsSayWhenTheListingTheyMatchedIsIncomplete() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for name in ["pub/a.txt", "pub/b.txt"] { try fixture.root.write(name, Data("x".utf8)) }
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 a.txt\r\n-rw-r--r-- 1 u g ??? b.txt\r\n".utf8))
        let get = try FerryProcess.run(["get", fixture.url("pub/*.txt")], in: local.path)
        #expect(get.status == 1, "\(get.standardError)")
        #expect(get.standardError.contains("1 line of the listing could not be read"), "\(get.standardError)")
        #expect(local.read("a.txt") == Data("x".utf8))
        let rm = try FerryProcess.run(["rm", fixture.url("pub/*.txt")])
        #expect(rm.status == 1, "\(rm.standardError)")
        #expect(rm.standardError.contains("1 line of the listing could not be read"), "\(rm.standardError)")
        #expect(!fixture.root.exists("pub/a.txt") && fixture.root.exists("pub/b.txt"))
    }

    /// rm -r deletes what the listing showed, keeps the folder whose listing could not be read
    /// whole, and says why.
    @Test func rmRKeepsAFolderWhoseListingCouldNotBeReadWhole() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        for name in ["tree/a.txt", "tree/b.txt"] { try fixture.root.write(name, Data("x".utf8)) }
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 a.txt\r\n-rw-r--r-- 1 u g ??? b.txt\r\n".utf8), of: "tree")
        let result = try FerryProcess.run(["rm", "-r", fixture.url("tree")])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("1 line of the listing could not be read"), "\(result.standardError)")
        #expect(!fixture.root.exists("tree/a.txt") && fixture.root.exists("tree/b.txt"))
    }

    /// Where SIZE and MDTM say nothing of a file, its folder's listing tells whether it exists:
    /// a listing that could not be read whole cannot tell it does not, so it is not overwritten
    /// as if it were not there.
    @Test func aFileAnIncompleteListingDoesNotShowIsNotTakenForAbsent() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("up.txt", Data("local".utf8))
        try fixture.root.write("pub/up.txt", Data("server".utf8))
        for verb in ["SIZE", "MDTM"] { fixture.server.faults.script(verb, reply: .init(code: 502, text: "Not implemented.")) }
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 other.txt\r\n-rw-r--r-- 1 u g ??? up.txt\r\n".utf8))
        let result = try FerryProcess.run(["put", "--overwrite", "skip", "up.txt", fixture.url("pub/")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("skipped, it may exist"), "\(result.standardError)")
        #expect(fixture.root.read("pub/up.txt") == Data("server".utf8), "\(result.standardError)")
        // Under another name every candidate would be as unknown: it fails at once.
        let renamed = try FerryProcess.run(["put", "--overwrite", "rename", "up.txt", fixture.url("pub/")], in: local.path, timeout: 60)
        #expect(renamed.status == 1, "\(renamed.standardError)")
        #expect(renamed.standardError.contains("listing is incomplete"), "\(renamed.standardError)")
        #expect(!fixture.server.receivedCommands.contains("SIZE pub/up.txt.2"))
    }

    /// Where SIZE says there is no such file (550), a name an incomplete listing does not show is
    /// absent: a new file is uploaded, not skipped as one that may exist.
    @Test func aFileThatSizeSaysIsMissingIsAbsentThoughTheListingIsIncomplete() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("new.txt", Data("local".utf8))
        try FileManager.default.createDirectory(atPath: fixture.root.file("pub"), withIntermediateDirectories: true)
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 other.txt\r\n-rw-r--r-- 1 u g ??? odd.txt\r\n".utf8))
        let result = try FerryProcess.run(["put", "--overwrite", "skip", "new.txt", fixture.url("pub/")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("skipped"), "\(result.standardError)")
        #expect(fixture.root.read("pub/new.txt") == Data("local".utf8))
    }

    @Test func getRFailsWhenAListingCouldNotBeReadWhole() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/ok.txt", Data("ok".utf8))
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 2 Jan 1 2024 ok.txt\r\n-rw-r--r-- 1 u g ??? lost.txt\r\n".utf8))
        let result = try FerryProcess.run(["get", "-r", fixture.url("pub/"), "."], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("1 line of the listing could not be read"), "\(result.standardError)")
        #expect(local.read("pub/ok.txt") == Data("ok".utf8))
    }

    /// The login folder (a URL that names no path) is named as such in what is said of it, not
    /// left as an empty name.
    @Test func theLoginFolderIsNamedInWhatIsSaidOfIt() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("copy/stray.txt", Data("stray".utf8))
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 ../up.txt\r\n-rw-r--r-- 1 u g ??? lost.txt\r\n".utf8))
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url(), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("in the login folder: it is not a plain file name"), "\(result.standardError)")
        #expect(result.standardError.contains("ferry: the login folder: 1 line of the listing could not be read"), "\(result.standardError)")
        #expect(!result.standardError.contains("ferry: : ") && !result.standardError.contains(" in : "), "\(result.standardError)")
        #expect(local.read("copy/stray.txt") == Data("stray".utf8))
    }
}

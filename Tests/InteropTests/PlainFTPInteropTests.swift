import Foundation
import FTP
import FTPWire
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// The `ferry` binary against real servers over plain FTP. The servers run when
/// `scripts/interop-servers start` has been run (as `.ci/run` does); elsewhere these tests skip.
@Suite("Interop: plain FTP", .enabled(if: InteropServer.shouldTest("VSFTPD", "PYFTPDLIB"), InteropServer.skipReason))
struct PlainFTPInteropTests {
    static let servers = ["VSFTPD", "PYFTPDLIB"]

    /// A unique name, so that tests running at the same time never share a file.
    func unique(_ name: String) -> String { "\(UUID().uuidString.prefix(8))-\(name)" }

    @Test(arguments: servers)
    func putAndGetAreByteIdentical(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for size in [0, 1, 5_000_000] {
            let remoteName = unique("\(size).bin")
            let contents = sampleBytes(size, seed: UInt64(size) + 3)
            try local.write(remoteName, contents)
            let put = try FerryProcess.run(["put", local.file(remoteName), server.url("")], in: local.path)
            #expect(put.status == 0, "\(put.standardError)")
            #expect(FileManager.default.contents(atPath: server.file(remoteName)) == contents)
            let get = try FerryProcess.run(["get", server.url(remoteName), local.file("back")], in: local.path)
            #expect(get.status == 0, "\(get.standardError)")
            #expect(local.read("back") == contents)
            try? FileManager.default.removeItem(atPath: server.file(remoteName))
        }
    }

    @Test(arguments: servers)
    func pythonFtplibReadsBackWhatFerryWrote(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("ftplib.bin")
        let contents = sampleBytes(1_234_567)
        try local.write("source.bin", contents)
        let put = try FerryProcess.run(["put", local.file("source.bin"), server.url(remoteName)])
        #expect(put.status == 0, "\(put.standardError)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/ftplib-get.py").standardized.path
        let python = try Program.run("/usr/bin/env", ["python3", script, server.url(""), remoteName, local.file("ftplib.bin")], timeout: 60)
        #expect(python.status == 0, "\(python.standardError)")
        #expect(local.read("ftplib.bin") == contents)
        try? FileManager.default.removeItem(atPath: server.file(remoteName))
    }

    /// Dot names too: where the server's LIST hides them (vsftpd), the second run asks for
    /// them with `LIST -a`, where it sent them all again and made their folder again.
    @Test(arguments: servers)
    func mirrorsBothWaysAndASecondRunCopiesNothing(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("tree/a.txt", Data("a".utf8))
        try local.write("tree/sub/b.bin", sampleBytes(300_000))
        try local.write("tree/.hidden", Data("h".utf8))
        try local.write("tree/.cfg/c.txt", Data("c".utf8))
        let folder = unique("mirror")
        defer { try? FileManager.default.removeItem(atPath: server.file(folder)) }

        let sent = try FerryProcess.run(["mirror", "-R", "tree", server.url(folder + "/")], in: local.path)
        #expect(sent.status == 0, "\(sent.standardError)")
        #expect(FileManager.default.contents(atPath: server.file(folder + "/sub/b.bin")) == sampleBytes(300_000))
        #expect(FileManager.default.contents(atPath: server.file(folder + "/.cfg/c.txt")) == Data("c".utf8))
        let again = try FerryProcess.run(["mirror", "-R", "tree", server.url(folder + "/")], in: local.path)
        #expect(again.standardOutput.contains("0 copied, 0 deleted, 0 folders made, 4 up to date"), "\(again.standardOutput)")

        let fetched = try FerryProcess.run(["mirror", server.url(folder + "/"), "back"], in: local.path)
        #expect(fetched.status == 0, "\(fetched.standardError)")
        #expect(local.read("back/sub/b.bin") == sampleBytes(300_000))
        let fetchedAgain = try FerryProcess.run(["mirror", server.url(folder + "/"), "back"], in: local.path)
        #expect(fetchedAgain.standardOutput.contains("0 copied"), "\(fetchedAgain.standardOutput)")
    }

    @Test(arguments: servers)
    func listingReportsNamesTypesAndExactSizes(_ name: String) throws {
        let server = try InteropServer.require(name)
        let folder = unique("list")
        try FileManager.default.createDirectory(atPath: server.file("\(folder)/sub dir"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: server.file(folder)) }
        try sampleBytes(4_321).write(to: URL(fileURLWithPath: server.file("\(folder)/a file.bin")))
        try Data().write(to: URL(fileURLWithPath: server.file("\(folder)/empty")))
        try sampleBytes(5_000_001).write(to: URL(fileURLWithPath: server.file("\(folder)/big.bin")))
        try FileManager.default.createSymbolicLink(atPath: server.file("\(folder)/link"), withDestinationPath: "a file.bin")
        let result = try FerryProcess.run(["ls", "--json", server.url("\(folder)/")])
        #expect(result.status == 0, "\(result.standardError)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: entries.compactMap { entry in (entry["name"] as? String).map { ($0, entry) } })
        #expect(Set(byName.keys) == ["a file.bin", "empty", "big.bin", "sub dir", "link"])
        #expect(byName["a file.bin"]?["type"] as? String == "file")
        #expect(byName["a file.bin"]?["size"] as? Int == 4_321)
        #expect(byName["empty"]?["size"] as? Int == 0)
        #expect(byName["big.bin"]?["size"] as? Int == 5_000_001)
        #expect(byName["sub dir"]?["type"] as? String == "dir")
        #expect(["link", "file"].contains(byName["link"]?["type"] as? String ?? ""))
    }

    @Test(arguments: servers)
    func interruptedDownloadContinuesWithRest(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("resume.bin")
        let contents = sampleBytes(3_000_000)
        try contents.write(to: URL(fileURLWithPath: server.file(remoteName)))
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        // A .part that no Ferry job is known to have written is fetched again from byte 0...
        try local.write("resume.bin.part", contents.prefix(1_000_003))
        let fresh = try FerryProcess.run(["get", "-c", "-v", server.url(remoteName), local.file("resume.bin")], in: local.path)
        #expect(fresh.status == 0, "\(fresh.standardError)")
        #expect(!fresh.standardError.contains("> REST"))
        #expect(local.read("resume.bin") == contents)
        // ...while one that a stopped job was writing from the same file is continued.
        try FileManager.default.removeItem(atPath: local.file("resume.bin"))
        try local.write("resume.bin.part", contents.prefix(1_000_003))
        let modified = try FileManager.default.attributesOfItem(atPath: server.file(remoteName))[.modificationDate] as? Date
        try JournalFixture.stoppedDownload(
            of: server.url(remoteName), to: local.file("resume.bin"), size: 3_000_000, modified: modified, in: local.journalFolder)
        let result = try FerryProcess.run(["get", "-c", "-v", server.url(remoteName), local.file("resume.bin")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("> REST 1000003"))
        #expect(local.read("resume.bin") == contents)
        #expect(!local.exists("resume.bin.part"))
        #expect(try FerryProcess.run(["resume", "--list"], in: local.path).standardOutput.isEmpty)
    }

    @Test(arguments: servers)
    func interruptedUploadContinues(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("upload.bin")
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let contents = sampleBytes(2_000_000)
        try local.write(remoteName, contents.prefix(777_777))
        let put = try FerryProcess.run(["put", local.file(remoteName), server.url("")], in: local.path)
        #expect(put.status == 0, "\(put.standardError)")
        // The server's file is another version's: -c sends the new one whole, never a new tail.
        try local.write(remoteName, contents)
        let whole = try FerryProcess.run(["put", "-c", "-v", local.file(remoteName), server.url("")], in: local.path)
        #expect(whole.status == 0, "\(whole.standardError)")
        #expect(!whole.standardError.contains("> REST"))
        #expect(FileManager.default.contents(atPath: server.file(remoteName)) == contents)
        // What a stopped job was sending from this very file is continued.
        try contents.prefix(777_777).write(to: URL(fileURLWithPath: server.file(remoteName)))
        try JournalFixture.stoppedUpload(of: local.file(remoteName), to: server.url(remoteName), in: local.journalFolder)
        let result = try FerryProcess.run(["put", "-c", "-v", local.file(remoteName), server.url("")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("> REST 777777"))
        #expect(FileManager.default.contents(atPath: server.file(remoteName)) == contents)
    }

    @Test(arguments: servers)
    func activeModeWorks(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("active.bin")
        try sampleBytes(300_000).write(to: URL(fileURLWithPath: server.file(remoteName)))
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let result = try FerryProcess.run(["get", "--active", "-v", server.url(remoteName), local.file("a.bin")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("> PORT "))
        #expect(local.read("a.bin") == sampleBytes(300_000))
        let listing = try FerryProcess.run(["ls", "--active", server.url("")])
        #expect(listing.status == 0, "\(listing.standardError)")
        #expect(listing.standardOutput.contains(remoteName))
    }

    @Test(arguments: servers)
    func failuresExitWithTheDocumentedCodes(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let wrong = try FerryProcess.run(["ls", server.url("", password: "not-the-password")])
        #expect(wrong.status == 4, "\(wrong.standardError)")
        #expect(!wrong.standardError.contains("not-the-password"))
        let missing = try FerryProcess.run(["get", server.url(unique("missing.bin"))], in: local.path)
        #expect(missing.status == 5, "\(missing.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).isEmpty)
        let verbose = try FerryProcess.run(["ls", "-v", server.url("")])
        #expect(verbose.status == 0, "\(verbose.standardError)")
        #expect(verbose.standardError.contains("PASS ****"))
        #expect(!verbose.standardError.contains(server.password))
    }

    /// pyftpdlib follows links: its MLSD calls `l1 -> .` a folder. A walk into it would go round
    /// in circles until its limits (100,000 folders, every file copied at each turn); a folder
    /// the walk is already in (by its `unique` fact) is left alone, and the rest copied, such as
    /// a folder that only looks like the one it is in (`proj/proj`, made the same second).
    @Test func aLinkBackUpTheTreeIsNotWalked() throws {
        let server = try InteropServer.require("PYFTPDLIB")
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let tree = unique("loop")
        defer { try? FileManager.default.removeItem(atPath: server.file(tree)) }
        try FileManager.default.createDirectory(atPath: server.file(tree + "/sub"), withIntermediateDirectories: true)
        try Data("top".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/f.txt")))
        try Data("deep".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/sub/g.txt")))
        try FileManager.default.createSymbolicLink(atPath: server.file(tree + "/l1"), withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: server.file(tree + "/sub/up"), withDestinationPath: "..")
        try FileManager.default.createDirectory(atPath: server.file(tree + "/proj/proj"), withIntermediateDirectories: true)
        try Data("nested".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/proj/proj/n.txt")))

        for command in ["get", "mirror"] {
            let arguments = command == "get" ? ["get", "-r", server.url(tree), "copy-get"] : ["mirror", server.url(tree + "/"), "copy-mirror"]
            let result = try FerryProcess.run(arguments, in: local.path, timeout: 60)
            #expect(result.status == 1, "\(command): \(result.standardError)")
            #expect(result.standardError.contains("/l1 is a folder the walk is already in"), "\(command): \(result.standardError)")
            #expect(result.standardError.contains("/sub/up is a folder the walk is already in"), "\(command): \(result.standardError)")
            #expect(local.read("copy-\(command)/f.txt") == Data("top".utf8))
            #expect(local.read("copy-\(command)/sub/g.txt") == Data("deep".utf8))
            #expect(!local.exists("copy-\(command)/l1"))
            #expect(!local.exists("copy-\(command)/sub/up"))
            #expect(local.read("copy-\(command)/proj/proj/n.txt") == Data("nested".utf8))
        }
    }

    /// pyftpdlib lists a link to a folder as a folder: `rm -r` takes the link away and deletes
    /// nothing in the folder it points to.
    @Test func rmRDeletesALinkToAFolderNotItsFiles() throws {
        let server = try InteropServer.require("PYFTPDLIB")
        let (tree, target) = (unique("rmtree"), unique("rmtarget"))
        defer { for name in [tree, target] { try? FileManager.default.removeItem(atPath: server.file(name)) } }
        try FileManager.default.createDirectory(atPath: server.file(tree + "/sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: server.file(target), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/sub/x.txt")))
        try Data("important".utf8).write(to: URL(fileURLWithPath: server.file(target + "/important.txt")))
        try FileManager.default.createSymbolicLink(atPath: server.file(tree + "/link"), withDestinationPath: "../" + target)

        let result = try FerryProcess.run(["rm", "-r", server.url(tree)])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: server.file(tree)))
        #expect(FileManager.default.contents(atPath: server.file(target + "/important.txt")) == Data("important".utf8))
    }

    /// Whether this machine lets a folder be made immutable (`chattr +i`: root on ext4), which
    /// makes a server's DELE of what is in it fail whoever runs the server.
    static let foldersCanBeMadeImmutable: Bool = {
        guard let folder = try? TemporaryDirectory() else { return false }
        defer {
            _ = try? Program.run("/usr/bin/chattr", ["-i", folder.path])
            folder.remove()
        }
        return (try? Program.run("/usr/bin/chattr", ["+i", folder.path]).status) == 0
    }()

    /// A link to a folder whose DELE the server refuses (it sits in a folder made immutable) is
    /// never walked: `rm -r` of its folder, `rm -r` of the link itself (with a trailing `/`
    /// too, which makes vsftpd's DELE follow it; named with a dot, which LIST hides; named with
    /// ` -> `, which LIST's line cannot give back; in a folder named as a pattern, `r[o]`, beside
    /// a folder `ro`, which ProFTPD's LIST would list instead; in a folder that cannot be listed)
    /// and `mirror -R --delete` fail naming it, and the files it leads to stay.
    @Test(.enabled(if: foldersCanBeMadeImmutable, "needs chattr +i (root, ext4)"), arguments: servers + ["PROFTPD"])
    func aLinkWhoseDeleteIsRefusedIsNeverWalked(_ name: String) throws {
        let server = try InteropServer.require(name)
        let (tree, other, target) = (unique("keptlinks"), unique("patterned"), unique("linktarget"))
        let locked = [tree, other + "/r[o]", other + "/noread"]
        defer {
            for folder in locked { _ = try? Program.run("/usr/bin/chattr", ["-i", server.file(folder)]) }
            chmod(server.file(other + "/noread"), 0o755)
            for name in [tree, other, target] { try? FileManager.default.removeItem(atPath: server.file(name)) }
        }
        for folder in [tree, other + "/r[o]", other + "/ro", other + "/noread", target + "/inner"] {
            try FileManager.default.createDirectory(atPath: server.file(folder), withIntermediateDirectories: true)
        }
        try Data("important".utf8).write(to: URL(fileURLWithPath: server.file(target + "/important.txt")))
        try Data("deep".utf8).write(to: URL(fileURLWithPath: server.file(target + "/inner/deep.txt")))
        let links = [tree + "/link", tree + "/.dotlink", tree + "/arrow -> x", other + "/r[o]/vislink", other + "/noread/lnk"]
        for link in links { try FileManager.default.createSymbolicLink(atPath: server.file(link), withDestinationPath: "../" + (link.hasPrefix(other) ? "../" : "") + target) }
        #expect(chmod(server.file(other + "/noread"), 0o111) == 0)
        for folder in locked { #expect(try Program.run("/usr/bin/chattr", ["+i", server.file(folder)]).status == 0) }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try FileManager.default.createDirectory(atPath: local.file("empty"), withIntermediateDirectories: true)

        let runs = [
            ["rm", "-r", server.url(tree)], ["rm", "-r", server.url(tree + "/link")], ["rm", "-r", server.url(tree + "/link/")],
            ["rm", "-r", server.url(tree + "/.dotlink")], ["rm", "-r", server.url(tree + "/.dotlink/")],
            ["rm", "-r", server.url(other + "/r%5Bo%5D/vislink")], ["rm", "-r", server.url(other + "/noread/lnk")],
            ["rm", "-r", server.url(tree + "/.//")], ["mirror", "-R", "--delete", "empty/", server.url(tree + "/")],
        ]
        for arguments in runs {
            let result = try FerryProcess.run(arguments, in: local.path, timeout: 60)
            #expect(result.status != 0, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains("link") || result.standardError.contains("lnk"), "\(arguments): \(result.standardError)")
            #expect(FileManager.default.contents(atPath: server.file(target + "/important.txt")) == Data("important".utf8), "\(arguments)")
            #expect(FileManager.default.contents(atPath: server.file(target + "/inner/deep.txt")) == Data("deep".utf8), "\(arguments)")
            for link in links { #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: server.file(link))) != nil, "\(arguments)") }
        }
    }

    /// `cp` onto its own source through a link (`lnk/a.txt`, `lnk` leading to the folder of
    /// `a.txt`) would truncate the file it reads: MLST's `unique` fact names one file (where
    /// there is no MLST, vsftpd's PWD names both folders alike from inside), and the copy is
    /// refused before a byte moves.
    @Test(arguments: ["PYFTPDLIB", "PROFTPD", "VSFTPD"])
    func aCopyOntoItsSourceThroughALinkIsRefused(_ name: String) throws {
        let server = try InteropServer.require(name)
        let tree = unique("alias")
        defer { try? FileManager.default.removeItem(atPath: server.file(tree)) }
        let contents = sampleBytes(600_000, seed: 9)
        try FileManager.default.createDirectory(atPath: server.file(tree), withIntermediateDirectories: true)
        try contents.write(to: URL(fileURLWithPath: server.file(tree + "/a.txt")))
        try FileManager.default.createSymbolicLink(atPath: server.file(tree + "/lnk"), withDestinationPath: ".")
        let result = try FerryProcess.run(["cp", server.url(tree + "/a.txt"), server.url(tree + "/lnk/a.txt")])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("same file"), "\(result.standardError)")
        #expect(FileManager.default.contents(atPath: server.file(tree + "/a.txt")) == contents)

        // A folder copied into itself through the link: refused before anything is made.
        try FileManager.default.createDirectory(atPath: server.file(tree + "/pub"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/pub/x.txt")))
        try FileManager.default.createSymbolicLink(atPath: server.file(tree + "/plnk"), withDestinationPath: "pub")
        let into = try FerryProcess.run(["cp", "-r", server.url(tree + "/pub/"), server.url(tree + "/plnk/sub/")])
        #expect(into.status == 2, "\(into.standardError)")
        #expect(into.standardError.contains("into itself"), "\(into.standardError)")
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/pub/sub")))
    }

    /// `mirror -R --delete` into ProFTPD, whose LIST hides dot names, finds a dot folder it made
    /// a folder indeed the next time (`LIST -a`), and goes into it.
    @Test func aDotFolderMirroredIntoProFTPDIsKnownTheNextTime() throws {
        let server = try InteropServer.require("PROFTPD")
        let tree = unique("dotmirror")
        defer { try? FileManager.default.removeItem(atPath: server.file(tree)) }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("src/.he/x.txt", Data("x".utf8))
        for round in 1...2 {
            if round == 2 { try local.write("src/.he/y.txt", Data("y".utf8)) }
            let result = try FerryProcess.run(["mirror", "-R", "--delete", "src/", server.url(tree + "/")], in: local.path)
            #expect(result.status == 0, "round \(round): \(result.standardError)")
        }
        #expect(FileManager.default.contents(atPath: server.file(tree + "/.he/y.txt")) == Data("y".utf8))
    }

    /// A file that is not there is "no such file" (exit 5) at once, never retried: ProFTPD
    /// answers the RETR sent with EPSV with 550 and closes the passive port, and the refused
    /// data connection was taken for a broken one, retried for half a minute.
    @Test(arguments: ["VSFTPD", "PYFTPDLIB", "PROFTPD"])
    func aMissingFileIsNoSuchFileAtOnce(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let result = try FerryProcess.run(["get", server.url(unique("missing.txt")), local.file("out.txt")], timeout: 60)
        #expect(result.status == 5, "\(result.standardError)")
        #expect(result.standardError.contains("no such file"), "\(result.standardError)")
        #expect(!result.standardError.contains("retrying"), "\(result.standardError)")
        #expect(!local.exists("out.txt") && !local.exists("out.txt.part"))
    }

    /// `mirror -R --delete` into vsftpd, whose LIST hides dot names: a dot folder the source has
    /// is found (`LIST -a`) and made like the source's, what the source lacks in it deleted; a
    /// dot name the source lacks stays, since a LIST that hides them does not say it is there.
    @Test func mirrorRDeleteIntoVsftpdMakesTheSourcesDotFoldersAlikeAndLeavesOtherDotNames() throws {
        let server = try InteropServer.require("VSFTPD")
        let tree = unique("dotdelete")
        defer { try? FileManager.default.removeItem(atPath: server.file(tree)) }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("src/.cfg/keep.txt", Data("k".utf8))
        for file in [".cfg/keep.txt", ".cfg/stale.txt", ".theirs/t.txt", ".theirs-file"] {
            try FileManager.default.createDirectory(atPath: server.file(tree + "/" + (file as NSString).deletingLastPathComponent), withIntermediateDirectories: true)
            try Data("old".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/" + file)))
        }
        #expect(try Program.run("/bin/chown", ["-R", "--reference=" + server.file(""), server.file(tree)]).status == 0)
        let result = try FerryProcess.run(["mirror", "-R", "--delete", "src/", server.url(tree + "/")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("1 copied, 1 deleted, 0 folders made"), "\(result.standardOutput)")
        #expect(FileManager.default.contents(atPath: server.file(tree + "/.cfg/keep.txt")) == Data("k".utf8))
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/.cfg/stale.txt")))
        #expect(FileManager.default.fileExists(atPath: server.file(tree + "/.theirs/t.txt")))
        #expect(FileManager.default.fileExists(atPath: server.file(tree + "/.theirs-file")))
    }

    /// `rm -r` deletes what LIST leaves out (vsftpd and ProFTPD hide dot names), a folder that
    /// cannot be entered when it is empty, a path spelled with a trailing `//`, and a folder
    /// whose name begins with `-` (which LIST would take for options).
    @Test(arguments: ["VSFTPD", "PYFTPDLIB", "PROFTPD"])
    func rmRDeletesDotFoldersUnenterableEmptyFoldersAndDashNames(_ name: String) throws {
        let server = try InteropServer.require(name)
        let (tree, dashed) = (unique("rmall"), "-" + unique("dash"))
        defer {
            for name in [tree, dashed] {
                chmod(server.file(name + "/emptyro"), 0o755)
                try? FileManager.default.removeItem(atPath: server.file(name))
            }
        }
        for file in [tree + "/.dotdir/x.txt", tree + "/sub/.hidden/y.txt", tree + "/sub/z.txt", dashed + "/in/w.txt"] {
            try FileManager.default.createDirectory(atPath: server.file((file as NSString).deletingLastPathComponent), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(file)))
        }
        try FileManager.default.createDirectory(atPath: server.file(tree + "/emptyro"), withIntermediateDirectories: true)
        // The server's user (the owner of its root folder) owns them, as what it made itself would be.
        for name in [tree, dashed] {
            #expect(try Program.run("/bin/chown", ["-R", "--reference=" + server.file(""), server.file(name)]).status == 0)
        }
        #expect(chmod(server.file(tree + "/emptyro"), 0o644) == 0)

        let result = try FerryProcess.run(["rm", "-r", server.url(tree + "//")], timeout: 60)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: server.file(tree)))
        let dashedResult = try FerryProcess.run(["rm", "-r", server.url(dashed)], timeout: 60)
        #expect(dashedResult.status == 0, "\(dashedResult.standardError)")
        #expect(!FileManager.default.fileExists(atPath: server.file(dashed)))
        // What is not there is not found (exit 5), as plain rm says.
        let missing = try FerryProcess.run(["rm", "-r", server.url(tree)], timeout: 60)
        #expect(missing.status == 5, "\(missing.standardError)")
    }

    /// What a move copied is deleted by walking the folder again, as `removeTree` walks: a link
    /// pyftpdlib lists as a folder is taken away, and nothing is deleted through it. So is a
    /// filtered `mirror -R --delete`'s.
    @Test func deletingWhatWasCopiedDeletesNothingThroughALink() throws {
        let server = try InteropServer.require("PYFTPDLIB")
        let (tree, outside, mirrored) = (unique("moved"), unique("outside"), unique("mirrored"))
        defer { for name in [tree, outside, mirrored] { try? FileManager.default.removeItem(atPath: server.file(name)) } }
        try FileManager.default.createDirectory(atPath: server.file(tree + "/sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: server.file(outside), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: server.file(mirrored), withIntermediateDirectories: true)
        for file in [tree + "/a.txt", tree + "/sub/kept.txt", outside + "/e.txt"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(file)))
        }
        try FileManager.default.createSymbolicLink(atPath: server.file(tree + "/lnk"), withDestinationPath: "../" + outside)
        try FileManager.default.createSymbolicLink(atPath: server.file(mirrored + "/lnk"), withDestinationPath: "../" + outside)

        let url = try FTPURL(server.url(""))
        let client = try FTPClient(host: url.host, port: url.port, options: .init(timeout: 10))
        defer { client.close() }
        try client.login(user: url.user ?? "", password: url.password ?? "")
        let copied: Set<RemotePath> = [RemotePath(tree + "/a.txt"), RemotePath(tree + "/lnk/e.txt")]
        try client.removeFiles(copied, under: RemotePath(tree))
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/a.txt")))
        #expect(FileManager.default.fileExists(atPath: server.file(tree + "/sub/kept.txt")))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: server.file(tree + "/lnk"))) == nil)
        #expect(FileManager.default.fileExists(atPath: server.file(outside + "/e.txt")))

        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("src/a.txt", Data("a".utf8))
        let mirror = try FerryProcess.run(["mirror", "-R", "--delete", "--exclude", "*.log", "src/", server.url(mirrored + "/")], in: local.path)
        #expect(mirror.status == 0, "\(mirror.standardError)")
        #expect(FileManager.default.fileExists(atPath: server.file(outside + "/e.txt")))
        #expect(FileManager.default.fileExists(atPath: server.file(mirrored + "/a.txt")))
    }

    /// vsftpd and ProFTPD list a folder their user may read but not enter (744) as empty, the
    /// entries they could not look at left out: `mirror --delete` deletes nothing of its copy,
    /// and says why; `rm -r` of the tree keeps it, and one that cannot be listed (311), says
    /// why, and deletes the rest.
    @Test(arguments: ["VSFTPD", "PROFTPD"])
    func aFolderThatCannotBeEnteredIsNoEmptyFolder(_ name: String) throws {
        let server = try InteropServer.require(name)
        let tree = unique("readonlytree")
        defer {
            chmod(server.file(tree + "/locked"), 0o755)
            chmod(server.file(tree + "/noread"), 0o755)
            try? FileManager.default.removeItem(atPath: server.file(tree))
        }
        try FileManager.default.createDirectory(atPath: server.file(tree + "/locked/sub"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/locked/a.txt")))
        #expect(chmod(server.file(tree + "/locked"), 0o744) == 0)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("copy/locked/keep.txt", Data("mine".utf8))
        try local.write("copy/locked/sub/deep.txt", Data("mine too".utf8))

        let result = try FerryProcess.run(["mirror", "--delete", server.url(tree + "/"), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("cannot be entered"), "\(result.standardError)")
        #expect(local.read("copy/locked/keep.txt") == Data("mine".utf8))
        #expect(local.read("copy/locked/sub/deep.txt") == Data("mine too".utf8))

        try FileManager.default.createDirectory(atPath: server.file(tree + "/ok"), withIntermediateDirectories: true)
        try Data("y".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/ok/y.txt")))
        try FileManager.default.createDirectory(atPath: server.file(tree + "/noread"), withIntermediateDirectories: true)
        try Data("z".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/noread/z.txt")))
        #expect(chmod(server.file(tree + "/noread"), 0o311) == 0)
        for folder in [tree, tree + "/ok", tree + "/ok/y.txt"] {
            #expect(try Program.run("/bin/chown", ["--reference=" + server.file(""), server.file(folder)]).status == 0)
        }
        let rm = try FerryProcess.run(["rm", "-r", server.url(tree)], in: local.path)
        #expect(rm.status == 1, "\(rm.standardError)")
        // The first failure is named and the other counted: which is first is the order of the
        // server's listing (a folder on tmpfs lists its newest entry first).
        #expect(rm.standardError.contains("cannot be entered") || rm.standardError.contains("cannot be listed"), "\(rm.standardError)")
        #expect(rm.standardError.contains("(and 1 more)"), "\(rm.standardError)")
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/ok")))
        #expect(FileManager.default.fileExists(atPath: server.file(tree + "/locked/a.txt")))
        #expect(FileManager.default.fileExists(atPath: server.file(tree + "/noread/z.txt")))
    }

    /// `mirror -R --delete` with a filter deletes, inside a folder gone from the source, what the
    /// filter lets through: names LIST hides (vsftpd, a dot), and a folder that cannot be
    /// entered when it is empty; what the filter keeps stays, and so does its folder.
    @Test(arguments: ["VSFTPD", "PROFTPD"])
    func aFilteredDeleteTakesDotNamesAndEmptyFoldersThatCannotBeEntered(_ name: String) throws {
        let server = try InteropServer.require(name)
        let tree = unique("pruned")
        defer {
            chmod(server.file(tree + "/gone-e"), 0o755)
            try? FileManager.default.removeItem(atPath: server.file(tree))
        }
        for file in [tree + "/gone/a.txt", tree + "/gone/.hidden", tree + "/kept/keep.log", tree + "/kept/b.txt", tree + "/kept/.dot"] {
            try FileManager.default.createDirectory(atPath: server.file((file as NSString).deletingLastPathComponent), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(file)))
        }
        #expect(try Program.run("/bin/chown", ["-R", "--reference=" + server.file(""), server.file(tree)]).status == 0)
        try FileManager.default.createDirectory(atPath: server.file(tree + "/gone-e"), withIntermediateDirectories: true)
        #expect(chmod(server.file(tree + "/gone-e"), 0o744) == 0)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try FileManager.default.createDirectory(atPath: local.file("empty"), withIntermediateDirectories: true)

        let result = try FerryProcess.run(["mirror", "-R", "--delete", "--exclude", "*.log", "empty/", server.url(tree + "/")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/gone")))
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/gone-e")))
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/kept/b.txt")))
        #expect(!FileManager.default.fileExists(atPath: server.file(tree + "/kept/.dot")))
        #expect(FileManager.default.fileExists(atPath: server.file(tree + "/kept/keep.log")))
    }

    /// vsftpd lists a folder it cannot open as the folder itself (`LIST dir/locked` gives one
    /// entry, `locked`), and says so only when asked from inside: `mirror --delete` then deletes
    /// nothing of the copy of that folder, whether the folder can be entered (711) or not (000).
    /// When it cannot open the folder, vsftpd takes the last part of the name for a pattern:
    /// `{x,y}` lists nothing, `g*` lists its siblings `gx` and `g*`, each ended as done.
    @Test(arguments: [0o711, 0o000], ["locked", "{x,y}", "g*"])
    func aFolderVsftpdCannotOpenIsNoEmptyFolder(_ mode: Int, _ name: String) throws {
        let server = try InteropServer.require("VSFTPD")
        let tree = unique("locktree")
        defer {
            chmod(server.file(tree + "/" + name), 0o755)
            try? FileManager.default.removeItem(atPath: server.file(tree))
        }
        try FileManager.default.createDirectory(atPath: server.file(tree + "/" + name), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: server.file(tree + "/gx"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: server.file(tree + "/" + name + "/a.txt")))
        #expect(chmod(server.file(tree + "/" + name), mode_t(mode)) == 0)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("copy/" + name + "/keep.txt", Data("mine".utf8))

        let result = try FerryProcess.run(["mirror", "--delete", server.url(tree + "/"), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("cannot read the folder"), "\(result.standardError)")
        #expect(local.read("copy/" + name + "/keep.txt") == Data("mine".utf8))
    }

    /// `mirror -R --delete` into a server folder where a link stands that pyftpdlib's MLSD lists
    /// as a folder: nothing is copied through it nor deleted in the folder it points to.
    @Test func reverseMirrorWithDeleteLeavesAServerLinkAlone() throws {
        let server = try InteropServer.require("PYFTPDLIB")
        let (site, data) = (unique("site"), unique("data"))
        defer { for name in [site, data] { try? FileManager.default.removeItem(atPath: server.file(name)) } }
        try FileManager.default.createDirectory(atPath: server.file(site), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: server.file(data), withIntermediateDirectories: true)
        try Data("important".utf8).write(to: URL(fileURLWithPath: server.file(data + "/important.txt")))
        try FileManager.default.createSymbolicLink(atPath: server.file(site + "/shared"), withDestinationPath: "../" + data)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("src/shared/keep.txt", Data("mine".utf8))
        try local.write("src/a.txt", Data("a".utf8))

        let result = try FerryProcess.run(["mirror", "-R", "--delete", "src/", server.url(site + "/")], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("not known to be a folder rather than a link"), "\(result.standardError)")
        #expect(FileManager.default.contents(atPath: server.file(data + "/important.txt")) == Data("important".utf8))
        #expect(!FileManager.default.fileExists(atPath: server.file(data + "/keep.txt")))
        #expect(FileManager.default.contents(atPath: server.file(site + "/a.txt")) == Data("a".utf8))
    }
}

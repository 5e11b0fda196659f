import Foundation
import TestSupport
import Testing

/// `ferry mirror` both ways against the loopback server.
@Suite("Mirror")
struct MirrorTests {
    @Test func mirrorFetchesWhatChangedAndDeletesWhatWentAway() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/index.html", Data("v1".utf8))
        try fixture.root.write("site/img/logo.bin", sampleBytes(200_000))
        try fixture.root.write("site/old.txt", Data("old".utf8))
        try FileManager.default.createDirectory(atPath: fixture.root.file("site/empty"), withIntermediateDirectories: true)

        let first = try FerryProcess.run(["mirror", fixture.url("site/"), "copy"], in: local.path)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("3 copied"))
        #expect(local.read("copy/img/logo.bin") == sampleBytes(200_000))
        #expect(local.exists("copy/empty"))
        // The server's MLST gives no `unique` fact: a folder's is not asked (a round trip saved).
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("MLST") })

        let second = try FerryProcess.run(["mirror", fixture.url("site/"), "copy"], in: local.path)
        #expect(second.standardOutput.contains("0 copied, 0 deleted, 0 folders made, 3 up to date"), "\(second.standardOutput)")

        try fixture.root.write("site/index.html", Data("version 2".utf8))
        try fixture.root.write("site/new.txt", Data("new".utf8))
        try FileManager.default.removeItem(atPath: fixture.root.file("site/old.txt"))
        try local.write("copy/keep.local", Data("mine".utf8))
        try local.write("copy/stray.txt", Data("stray".utf8))

        let preview = try FerryProcess.run(["mirror", "--delete", "--dry-run", "--exclude", "*.local", fixture.url("site/"), "copy"], in: local.path)
        #expect(preview.status == 0)
        #expect(preview.standardOutput.contains("fetch \(local.path)/copy/index.html") || preview.standardOutput.contains("fetch copy/index.html"))
        #expect(preview.standardOutput.contains("delete copy/old.txt"))
        #expect(local.read("copy/index.html") == Data("v1".utf8))

        let third = try FerryProcess.run(["mirror", "--delete", "--exclude", "*.local", fixture.url("site/"), "copy"], in: local.path)
        #expect(third.status == 0, "\(third.standardError)")
        #expect(third.standardOutput.contains("2 copied, 2 deleted"), "\(third.standardOutput)")
        #expect(local.read("copy/index.html") == Data("version 2".utf8))
        #expect(local.read("copy/new.txt") == Data("new".utf8))
        #expect(!local.exists("copy/old.txt"))
        #expect(!local.exists("copy/stray.txt"))
        #expect(local.read("copy/keep.local") == Data("mine".utf8))
    }

    /// A source folder the server could not open (vsftpd lists it as done, with no entries) is
    /// no empty folder: `--delete` deletes nothing of the copy, and the mirror fails.
    /// Where PWD names no folder (its reply holds no quoted path), an empty folder cannot be
    /// checked with CWD and a way back: its listing stands, and the mirror makes it.
    @Test func anEmptyFolderIsCopiedWherePWDNamesNoFolder() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try FileManager.default.createDirectory(atPath: fixture.root.file("site/empty"), withIntermediateDirectories: true)
        fixture.server.faults.script("PWD", reply: .init(code: 257, text: "/ is the current directory."))
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(local.exists("copy/empty") && local.read("copy/a.txt") == Data("a".utf8))
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("CWD") })
    }

    @Test func aFolderTheServerCouldNotOpenDeletesNothing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/locked/a.txt", Data("a".utf8))
        try local.write("copy/locked/a.txt", Data("a".utf8))
        try local.write("copy/locked/only-here.txt", Data("mine".utf8))
        fixture.server.faults.endListings(with: "Transfer done (but failed to open directory).")
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status != 0, "\(result.standardOutput)")
        #expect(result.standardError.contains("could not open the folder"), "\(result.standardError)")
        #expect(local.read("copy/locked/a.txt") == Data("a".utf8))
        #expect(local.read("copy/locked/only-here.txt") == Data("mine".utf8))
    }

    /// A server's LIST may leave dot files out (vsftpd and ProFTPD do, unless told otherwise):
    /// `--delete` then leaves the copy's dot files alone, and deletes the rest that went away.
    /// A dot file is told by its first byte, as servers hide it: a dot with a combining mark
    /// after it is one Character that is no ".".
    @Test func dotFilesAListMayHideAreNotDeleted() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try fixture.root.write("site/.htaccess", Data("deny".utf8))
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 a.txt\r\n".utf8))
        try local.write("copy/a.txt", Data("a".utf8))
        try local.write("copy/.htaccess", Data("deny".utf8))
        try local.write("copy/stale.txt", Data("old".utf8))
        try local.write("copy/.\u{301}marked", Data("kept".utf8))
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!local.exists("copy/stale.txt"))
        #expect(local.read("copy/.htaccess") == Data("deny".utf8))
        #expect(local.read("copy/.\u{301}marked") == Data("kept".utf8))
    }

    /// `Readme.txt` copied onto a target that folds case is the target's `readme.txt`: that one
    /// is not deleted after it (the file would be gone), but named and left alone.
    @Test func aTargetNameThatDiffersOnlyInCaseIsNotDeleted() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/Readme.txt", Data("new".utf8))
        try local.write("copy/readme.txt", Data("old".utf8))
        let result = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("differs only in case or form"), "\(result.standardError)")
        #expect(local.read("copy/Readme.txt") == Data("new".utf8))
        #expect(local.read("copy/readme.txt") == Data("old".utf8))

        // Now the target lists both names: it does not fold them, and the stale one goes.
        let again = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(local.read("copy/Readme.txt") == Data("new".utf8))
        #expect(!local.exists("copy/readme.txt"))
    }

    /// A filter with a slash would match no name, and `--delete` would take what it was meant
    /// to keep: a usage error before anything is done.
    @Test func aFilterWithASlashIsRefused() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try local.write("copy/logs/local.log", Data("mine".utf8))
        for option in ["--exclude", "--include"] {
            let result = try FerryProcess.run(["mirror", "--delete", option, "logs/*", fixture.url("site/"), "copy"], in: local.path)
            #expect(result.status == 2, "\(result.standardError)")
            #expect(result.standardError.contains("match names, not paths"), "\(result.standardError)")
        }
        #expect(local.read("copy/logs/local.log") == Data("mine".utf8))
        #expect(!local.exists("copy/a.txt"))
    }

    /// The summary counts the files copied, not those planned.
    @Test func aFailedCopyIsNotCountedAsCopied() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try fixture.root.write("site/b.txt", Data("b".utf8))
        fixture.server.faults.script("RETR", reply: .init(code: 550, text: "Permission denied."))
        let mirror = try FerryProcess.run(["mirror", "--retries", "0", fixture.url("site/"), "copy"], in: local.path)
        #expect(mirror.status == 1, "\(mirror.standardError)")
        #expect(mirror.standardOutput.contains("mirror: 0 copied"), "\(mirror.standardOutput)")
    }

    @Test func reverseMirrorSendsAndDeletesOnTheServer() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("site/a.txt", Data("a".utf8))
        try local.write("site/deep/b.bin", sampleBytes(100_000))
        try fixture.root.write("www/gone.txt", Data("gone".utf8))
        try fixture.root.write("www/olddir/x.txt", Data("x".utf8))

        let first = try FerryProcess.run(["mirror", "-R", "--delete", "site", fixture.url("www/")], in: local.path)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(fixture.root.read("www/a.txt") == Data("a".utf8))
        #expect(fixture.root.read("www/deep/b.bin") == sampleBytes(100_000))
        #expect(!fixture.root.exists("www/gone.txt"))
        #expect(!fixture.root.exists("www/olddir"))

        let second = try FerryProcess.run(["mirror", "-R", "site", fixture.url("www/")], in: local.path)
        #expect(second.standardOutput.contains("0 copied"), "\(second.standardOutput)")

        #expect(try FerryProcess.run(["mirror", fixture.url("www/a.txt"), "x"], in: local.path).status == 5)
        #expect(try FerryProcess.run(["mirror", fixture.url("www/")], in: local.path).status == 2)
    }

    /// A local link to a folder is not followed, and the server's entry of the same name is not
    /// deleted for it: the source has that name.
    @Test func reverseMirrorKeepsWhatALocalLinkIsNamedLike() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("site/index.html", Data("home".utf8))
        try local.write("elsewhere/inside.txt", Data("not for the server".utf8))
        try FileManager.default.createSymbolicLink(atPath: local.file("site/shared"), withDestinationPath: local.file("elsewhere"))
        try fixture.root.write("remote/shared/data.bin", sampleBytes(5_000))
        try fixture.root.write("remote/gone.txt", Data("gone".utf8))

        let result = try FerryProcess.run(["mirror", "-R", "--delete", "site", fixture.url("remote/")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(fixture.root.read("remote/index.html") == Data("home".utf8))
        #expect(fixture.root.read("remote/gone.txt") == nil)
        #expect(fixture.root.read("remote/shared/data.bin") == sampleBytes(5_000))
        #expect(fixture.root.read("remote/shared/inside.txt") == nil)
    }

    @Test func deleteNeverTouchesWhatTheFiltersLeaveOut() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/a.txt", Data("a".utf8))
        try local.write("copy/old/notes.keep", Data("keep".utf8))
        try local.write("copy/old/junk.txt", Data("junk".utf8))
        try local.write("copy/gone/junk.txt", Data("junk".utf8))
        let result = try FerryProcess.run(["mirror", "--delete", "--exclude", "*.keep", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(local.read("copy/old/notes.keep") == Data("keep".utf8))
        #expect(!local.exists("copy/old/junk.txt"))
        #expect(!local.exists("copy/gone"))
        #expect(local.read("copy/a.txt") == Data("a".utf8))

        // A listing with a name that cannot be written here: that folder is not cleaned.
        try local.write("copy/stray.txt", Data("stray".utf8))
        fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 a.txt\r\n-rw-r--r-- 1 u g 1 Jan 1 2024 x/../../y\r\n".utf8))
        let refused = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("nothing deleted"))
        #expect(local.read("copy/stray.txt") == Data("stray".utf8))
    }

    /// A server's `x.part` beside its `x` is where the copy of `x` is written until it is
    /// complete: it is not copied (which would have it written over, or renamed onto `x`), and
    /// a local `x.part`, a copy in progress, is not deleted for want of a source.
    @Test func aFileNamedLikeAnotherFilesPartFileIsLeftAlone() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/x", sampleBytes(300_000))
        try fixture.root.write("site/x.part", Data("another file".utf8))
        try fixture.root.write("site/y", Data("why".utf8))
        try local.write("copy/y.part", Data("a copy of y that stopped".utf8))

        let mirror = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(mirror.status == 1, "\(mirror.standardError)")
        #expect(mirror.standardError.contains("x.part: copy/x is written under this name until its copy is complete"), "\(mirror.standardError)")
        #expect(mirror.standardOutput.contains("mirror: 2 copied, 0 deleted"), "\(mirror.standardOutput)")
        #expect(local.read("copy/x") == sampleBytes(300_000))
        #expect(local.read("copy/y") == Data("why".utf8))
        #expect(!local.exists("copy/x.part"))
        // Not planned for deletion: the copy of y was written there and renamed into place.
        #expect(!mirror.standardOutput.contains("y.part") && !mirror.standardError.contains("y.part"), "\(mirror.standardOutput)")
        #expect(!local.exists("copy/y.part"))

        try FileManager.default.createDirectory(atPath: local.file("fetched"), withIntermediateDirectories: true)
        let get = try FerryProcess.run(["get", "-P", "2", fixture.url("site/x.part"), fixture.url("site/x"), "fetched/"], in: local.path)
        #expect(get.status == 1, "\(get.standardError)")
        #expect(get.standardError.contains("fetched/x.part: fetched/x is written under this name until its copy is complete; left alone"), "\(get.standardError)")
        #expect(local.read("fetched/x") == sampleBytes(300_000))
        #expect(!local.exists("fetched/x.part"))

        let walk = try FerryProcess.run(["get", "-r", fixture.url("site/"), "walked"], in: local.path)
        #expect(walk.status == 1, "\(walk.standardError)")
        #expect(local.read("walked/x") == sampleBytes(300_000))
        #expect(!local.exists("walked/x.part"))

        // Up to date, x keeps its part file's name all the same: x.part copied now would be
        // written over by x's next copy. Filtered out, x leaves the name free.
        let again = try FerryProcess.run(["mirror", fixture.url("site/"), "copy"], in: local.path)
        #expect(again.status == 1, "\(again.standardError)")
        #expect(again.standardOutput.contains("mirror: 0 copied"), "\(again.standardOutput)")
        #expect(!local.exists("copy/x.part"))
        let filtered = try FerryProcess.run(["get", "-r", "--exclude", "x", fixture.url("site/"), "filtered"], in: local.path)
        #expect(filtered.status == 0, "\(filtered.standardError)")
        #expect(local.read("filtered/x.part") == Data("another file".utf8))
        #expect(!local.exists("filtered/x"))
    }
}

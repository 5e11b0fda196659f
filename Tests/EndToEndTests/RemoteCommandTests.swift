import Foundation
import Testing
import TestSupport

@Suite("ferry rm, mkdir, mv")
struct RemoteCommandTests {
    @Test func mkdirMakesParentsWithP() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        #expect(try FerryProcess.run(["mkdir", fixture.url("one")]).status == 0)
        #expect(try FerryProcess.run(["mkdir", fixture.url("one")]).status == 5)
        #expect(try FerryProcess.run(["mkdir", fixture.url("a/b")]).status == 5)
        let parents = try FerryProcess.run(["mkdir", "-p", fixture.url("a/b/c")])
        #expect(parents.status == 0, "\(parents.standardError)")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: fixture.root.file("a/b/c"), isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try FerryProcess.run(["mkdir", "-p", fixture.url("a/b/c")]).status == 0)
    }

    @Test func rmDeletesFilesAndTreesOnlyWithR() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.txt", Data("x".utf8))
        try fixture.root.write("tree/sub/deep.txt", Data("x".utf8))
        try fixture.root.write("tree/top.txt", Data("x".utf8))
        #expect(try FerryProcess.run(["rm", fixture.url("f.txt")]).status == 0)
        #expect(!fixture.root.exists("f.txt"))
        #expect(try FerryProcess.run(["rm", fixture.url("f.txt")]).status == 5)
        let refused = try FerryProcess.run(["rm", fixture.url("tree")])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("rm -r"))
        #expect(fixture.root.exists("tree/top.txt"))
        let recursive = try FerryProcess.run(["rm", "-r", fixture.url("tree")])
        #expect(recursive.status == 0, "\(recursive.standardError)")
        #expect(!fixture.root.exists("tree"))
        #expect(try FerryProcess.run(["rm", fixture.url("")]).status == 2)
    }

    /// As rm refuses `rm -r .`: the login folder however spelled, a parent of it, the root.
    @Test(arguments: [".", "tree/..", "tree/../..", "/", "%2E", "tree/..//", ".//"])
    func rmRRefusesTheLoginFolderItsParentsAndTheRoot(_ path: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("tree/top.txt", Data("x".utf8))
        try fixture.root.write("keep.txt", Data("x".utf8))
        let result = try FerryProcess.run(["rm", "-r", fixture.url(path)])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("refusing to delete"), "\(result.standardError)")
        #expect(fixture.root.exists("tree/top.txt") && fixture.root.exists("keep.txt"))
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("DELE") || $0.hasPrefix("RMD") })
    }

    /// `rm -r` of a link to a folder whose DELE the server refuses fails with that refusal and
    /// deletes nothing in the folder it points to: the folder's LIST shows it as a link.
    @Test func rmROfALinkWhoseDeleteIsRefusedDeletesNothingThroughIt() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("target/important.txt", Data("x".utf8))
        try FileManager.default.createSymbolicLink(atPath: fixture.root.file("link"), withDestinationPath: "target")
        fixture.server.faults.script("DELE", reply: .init(code: 550, text: "Permission denied.", times: 2))
        let result = try FerryProcess.run(["rm", "-r", fixture.url("link")])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("is a link by its folder's LIST"), "\(result.standardError)")
        #expect(result.standardError.contains("Permission denied"), "\(result.standardError)")
        #expect(fixture.root.exists("target/important.txt"))
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("MLSD") || $0.hasPrefix("RMD") })
    }

    @Test func mvRenamesByPathOrURL() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("old.txt", Data("x".utf8))
        try fixture.root.write("dir/.keep", Data())
        #expect(try FerryProcess.run(["mv", fixture.url("old.txt"), "new.txt"]).status == 0)
        #expect(fixture.root.exists("new.txt"))
        #expect(try FerryProcess.run(["mv", fixture.url("new.txt"), fixture.url("dir/moved.txt")]).status == 0)
        #expect(fixture.root.read("dir/moved.txt") == Data("x".utf8))
        #expect(try FerryProcess.run(["mv", fixture.url("missing"), "x"]).status == 5)
    }
}

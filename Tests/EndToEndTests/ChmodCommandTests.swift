import Foundation
import FTPServer
import Testing
import TestSupport

/// `ferry chmod` against the loopback server's SITE CHMOD: the mode really changes on disk.
@Suite("ferry chmod")
struct ChmodCommandTests {
    func permissions(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func changesTheModeOfFilesAndFolders() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("www/index.html", Data("x".utf8))
        try fixture.root.write("www/about.html", Data("y".utf8))
        let files = try FerryProcess.run(["chmod", "600", fixture.url("www/index.html"), fixture.url("www/about.html")])
        #expect(files.status == 0, "\(files.standardError)")
        #expect(try permissions(fixture.root.file("www/index.html")) == 0o600)
        #expect(try permissions(fixture.root.file("www/about.html")) == 0o600)
        let folder = try FerryProcess.run(["chmod", "0750", fixture.url("www")])
        #expect(folder.status == 0, "\(folder.standardError)")
        #expect(try permissions(fixture.root.file("www")) == 0o750)
        #expect(fixture.server.receivedCommands.contains("SITE CHMOD 750 www"))
    }

    @Test(arguments: ["64", "12345", "678", "u+x", "7 5 5", ""])
    func aModeThatIsNotThreeOrFourOctalDigitsIsAUsageError(_ mode: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.txt", Data("x".utf8))
        let result = try FerryProcess.run(["chmod", mode, fixture.url("f.txt")])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("octal"))
        #expect(fixture.server.receivedCommands.isEmpty)
    }

    @Test func aMissingFileFailsAndTheOthersAreStillChanged() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("here.txt", Data("x".utf8))
        let result = try FerryProcess.run(["chmod", "640", fixture.url("missing.txt"), fixture.url("here.txt")])
        #expect(result.status == 5)
        #expect(result.standardError.contains("missing.txt"))
        #expect(try permissions(fixture.root.file("here.txt")) == 0o640)
    }

    @Test(arguments: [500, 502, 504])
    func aServerWithoutSiteChmodIsNamedAsSuch(_ code: Int) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.txt", Data("x".utf8))
        let before = try permissions(fixture.root.file("f.txt"))
        fixture.server.faults.script("SITE", reply: .init(code: code, text: "Command not implemented."))
        let result = try FerryProcess.run(["chmod", "600", fixture.url("f.txt")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("the server does not support SITE CHMOD"))
        #expect(try permissions(fixture.root.file("f.txt")) == before)
    }
}

import Foundation
import Testing
import TestSupport

/// Windows servers (IIS) take `\` for a separator and `C:` for a drive: a listed name such as
/// `..\..\x` sent back in DELE, RMD or RETR would reach outside the folder there. Such names are
/// refused like names with `/`; other backslashes (`a\b.txt`) stay plain names.
@Suite("Backslash names from servers")
struct BackslashNameTests {
    static let listing = Array("""
        -rw-r--r-- 1 u g 2 Jan 1 2024 ok.txt\r
        -rw-r--r-- 1 u g 2 Jan 1 2024 ..\\..\\outside.txt\r
        -rw-r--r-- 1 u g 2 Jan 1 2024 \\rooted.txt\r
        -rw-r--r-- 1 u g 2 Jan 1 2024 C:\\Windows\\win.ini\r
        drwxr-xr-x 1 u g 0 Jan 1 2024 sub\\..\\..\r

        """.utf8)

    /// Whether the server was sent any path that leaves the folder on Windows.
    static func sentAnEscape(_ commands: [String]) -> Bool {
        commands.contains { command in
            ["DELE", "RMD", "RETR", "CWD", "LIST", "MLSD", "SIZE", "MDTM"].contains { command.hasPrefix($0) }
                && (command.contains("..\\") || command.contains("\\..") || command.contains("\\rooted") || command.contains("C:"))
        }
    }

    @Test func rmRDeletesNoNameThatLeavesTheFolderOnWindows() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("tree/ok.txt", Data("in".utf8))
        fixture.server.faults.serveListing(Self.listing, of: "tree")
        let result = try FerryProcess.run(["rm", "-r", fixture.url("tree")])
        #expect(result.status != 0)
        #expect(result.standardError.contains("refusing to delete"), "\(result.standardError)")
        #expect(!Self.sentAnEscape(fixture.server.receivedCommands), "\(fixture.server.receivedCommands)")
        #expect(!fixture.root.exists("tree/ok.txt"))
    }

    @Test func getRFetchesNoNameThatLeavesTheFolderOnWindows() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/ok.txt", Data("ok".utf8))
        fixture.server.faults.serveListing(Self.listing)
        let result = try FerryProcess.run(["get", "-r", fixture.url("pub/"), "."], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("refusing"), "\(result.standardError)")
        #expect(!Self.sentAnEscape(fixture.server.receivedCommands), "\(fixture.server.receivedCommands)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.file("pub")) == ["ok.txt"])
    }

    @Test func mirrorFetchesNoNameThatLeavesTheFolderOnWindows() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/ok.txt", Data("ok".utf8))
        fixture.server.faults.serveListing(Self.listing)
        let result = try FerryProcess.run(["mirror", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(!Self.sentAnEscape(fixture.server.receivedCommands), "\(fixture.server.receivedCommands)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.file("copy")) == ["ok.txt"])
    }
}

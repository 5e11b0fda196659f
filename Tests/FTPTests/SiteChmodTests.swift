import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport

/// `FTPClient.chmod` (SITE CHMOD) against the loopback server.
@Suite("FTPClient SITE CHMOD")
struct SiteChmodTests {
    func permissions(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func theModeIsSentInOctalAndChangesOnDisk() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("dir/f.txt", Data("x".utf8))
        let client = try fixture.client()
        defer { client.close() }
        try client.chmod("dir/f.txt", mode: 0o640)
        try client.chmod("dir", mode: 0o1750)
        try client.chmod("dir/f.txt", mode: 0o7)
        #expect(try permissions(fixture.root.file("dir")) == 0o1750)
        #expect(try permissions(fixture.root.file("dir/f.txt")) == 0o007)
        #expect(fixture.server.receivedCommands.suffix(3) == ["SITE CHMOD 640 dir/f.txt", "SITE CHMOD 1750 dir", "SITE CHMOD 007 dir/f.txt"])
    }

    @Test func aModeBeyondSevenThousandSevenHundredSeventySevenIsRefusedBeforeSending() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        let sent = fixture.server.receivedCommands.count
        for mode in [0o10000, -1] {
            #expect(throws: FTPError.self) { try client.chmod("f.txt", mode: mode) }
        }
        #expect(fixture.server.receivedCommands.count == sent)
    }

    @Test func serverErrorsSayWhetherTheCommandIsUnsupported() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        do {
            try client.chmod("missing.txt", mode: 0o644)
            Issue.record("chmod of a missing file should fail")
        } catch let error as FTPError {
            #expect(error.reply?.code == .fileUnavailable)
            #expect(!error.isUnsupportedCommand)
        }
        fixture.server.faults.script("SITE", reply: .init(code: 502, text: "SITE not implemented."))
        do {
            try client.chmod("missing.txt", mode: 0o644)
            Issue.record("chmod should fail")
        } catch let error as FTPError {
            #expect(error.isUnsupportedCommand)
        }
    }
}

import Foundation
import Testing
import TestSupport

/// The viewer in a real terminal (tmux) pages through a server's whole file, range by range.
@Suite("Commander viewer in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderViewerTerminalTests {
    @Test func endReachesTheLastLineOfAThreeMebibyteServerFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let marker = "THE-LAST-LINE-OF-FERRY-VIEWER-FILE"
        let lines = (1...285_000).map { String(format: "row %06d\n", $0) }.joined()
        try fixture.root.write("long.txt", Data((lines + marker + "\n").utf8))
        let session = try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
        try session.waitFor("long.txt")
        try session.send("F3")
        let start = try session.waitFor("row 000001")
        #expect(start.contains("long.txt  text  0% of 3.0M"), "\(start)")
        #expect(!start.contains(marker))
        try session.send("End")
        let end = try session.waitFor(marker)
        #expect(end.contains("100% of 3.0M"), "\(end)")
        #expect(end.contains("row 285000"))
        let rests = fixture.server.receivedCommands.filter { $0.hasPrefix("REST ") }
        #expect(rests.contains { UInt64($0.dropFirst(5)).map { $0 > 0 } == true }, "\(fixture.server.receivedCommands)")
        try session.send("q")
        try session.waitFor("9Connect")
        try session.send("Escape", "0")
        try session.waitFor("FERRY-EXITED-0")
    }
}

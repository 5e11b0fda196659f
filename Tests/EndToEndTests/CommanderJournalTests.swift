import Foundation
import Testing
import TestSupport

/// The commander started after a batch was stopped offers its unfinished transfers.
@Suite("Commander and the journal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderJournalTests {
    @Test func aStoppedDownloadIsOfferedAndResumedToAByteIdenticalEnd() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(800_000)
        try fixture.root.write("big.bin", contents)
        try local.write("big.bin.part", contents.prefix(300_000))
        let modified = try FileManager.default.attributesOfItem(atPath: fixture.root.file("big.bin"))[.modificationDate] as? Date
        try JournalFixture.stoppedDownload(
            of: fixture.url("big.bin"), to: local.file("big.bin"), size: 800_000, modified: modified, in: local.journalFolder)
        fixture.server.clearReceivedCommands()

        let session = try TmuxSession(
            "\(FerryProcess.executable) ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/", in: local.path,
            environment: [
                "FERRY_PASSWORD": ServerFixture.password, "HOME": local.path,
                "XDG_STATE_HOME": TemporaryDirectory.stateFolder(of: local.path),
            ])
        try session.waitFor("1 unfinished transfer")
        try session.send("r")
        try session.waitFor("the file in place", timeout: 30) { _ in local.read("big.bin") == contents }
        try session.waitFor("Resumed 1 of 1")
        #expect(fixture.server.receivedCommands.contains("REST 300000"))
        #expect(!local.exists("big.bin.part"))
        try session.send("F10")
        let listed = try FerryProcess.run(["resume", "--list"], in: local.path)
        #expect(listed.standardOutput.isEmpty, "\(listed.standardOutput)")
    }
}

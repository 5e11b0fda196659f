import Foundation
import FTPWire
import Testing
import TestSupport
@testable import Transfers

/// A download is written under `NAME.part` until it is complete; a name too long to take the
/// suffix (file systems take 255 bytes) is staged under a shortened one instead, the same each
/// time, so that a cut download still continues.
@Suite("Staging names of long names")
struct LongNameStagingTests {
    private let disk = LocalFileSystem()

    /// A name of 255 bytes in three-byte characters: the longest a file system takes.
    private static let longName = String(repeating: "字", count: 85)

    @Test func aNameWithRoomTakesTheSuffix() {
        #expect(disk.stagingPath(for: "/tmp/a.bin") == "/tmp/a.bin.part")
        let roomy = String(repeating: "n", count: 250)
        #expect(disk.stagingPath(for: "/tmp/" + roomy) == "/tmp/" + roomy + ".part")
    }

    @Test func aLongNameIsShortenedWholeCharactersFirst() throws {
        let staging = disk.stagingPath(for: "/tmp/dir/" + Self.longName)
        #expect(staging.hasPrefix("/tmp/dir/"))
        let name = String(staging.dropFirst("/tmp/dir/".count))
        #expect(name.utf8.count <= 255)
        #expect(name.hasSuffix(".part"))
        // Cut between characters: the bytes decode as they are.
        #expect(String(decoding: Array(name.utf8), as: UTF8.self) == name && !name.contains("\u{FFFD}"))
        #expect(name.hasPrefix(String(repeating: "字", count: 77)))
        #expect(disk.stagingPath(for: "/tmp/dir/" + Self.longName) == staging)
    }

    @Test func twoLongNamesThatBeginAlikeStageApart() {
        let stem = String(repeating: "x", count: 250)
        let (first, second) = (disk.stagingPath(for: "/d/" + stem + "-one"), disk.stagingPath(for: "/d/" + stem + "-two"))
        #expect(first != second)
        #expect(first.utf8.count - 3 <= 255 && second.utf8.count - 3 <= 255)
    }

    /// A file with a 255-byte name, cut half way: the second attempt continues the bytes the
    /// first staged, and the file ends whole under its own name.
    @Test func aCutDownloadOfALongNameContinues() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_000_000)
        try fixture.root.write(Self.longName, contents)
        fixture.server.faults.cutTransfers(after: 300_000, times: 1)
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileCopy<RemoteFileSystem, LocalFileSystem>(from: RemotePath(Self.longName), to: local.file(Self.longName))
            .run(from: .server(session), to: .local, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(local.read(Self.longName) == contents)
        #expect(outcome.resumedFrom > 0, "the second attempt continues what the first wrote")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path) == [Self.longName])
    }
}

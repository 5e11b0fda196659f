import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
@testable import Transfers

/// The file systems' stat and positioned reads and writes, and the one per-file copy over them
/// between any two: disk to server, server to disk, server to server.
@Suite("One copy between any two file systems")
struct FileCopyTests {
    /// Everything a reader gives from where it was opened.
    static func readAll(_ reader: any ByteReader) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 7)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        if let failure = reader.finish() { throw failure }
        return data
    }

    /// Writes `text` at `offset` of `path` through `system`.
    static func write<System: FileSystem>(_ text: String, at offset: UInt64, of path: System.Path, on system: System) throws {
        try system.write(path, from: offset, totalSize: nil, blockSize: 4, type: .binary, digestAfter: nil, from: reader(for: Data(text.utf8)))
    }

    /// Stat, reads from an offset, and writes from an offset that cut off the rest, the same on
    /// the disk and on a server.
    static func exercise<System: FileSystem>(_ system: System, file: System.Path, missing: System.Path, contents: () -> Data?) throws {
        try write("hello, world", at: 0, of: file, on: system)
        let facts = try #require(try system.stat(file))
        #expect(facts.size == 12 && facts.kind == .file && facts.modified != nil)
        #expect(try system.size(of: file) == 12)
        #expect(try system.stat(missing) == nil)
        #expect(try readAll(system.openReader(file, from: 7, type: .binary)) == Data("world".utf8))
        try write("there", at: 7, of: file, on: system)
        #expect(contents() == Data("hello, there".utf8))
        try write("!", at: 5, of: file, on: system)
        #expect(contents() == Data("hello!".utf8))
    }

    @Test func theDiskStatsReadsAndWritesAtAnOffset() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try Self.exercise(LocalFileSystem(), file: local.file("a.txt"), missing: local.file("none")) { local.read("a.txt") }
    }

    @Test func aServerStatsReadsAndWritesAtAnOffset() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { try? client.quit() }
        try Self.exercise(RemoteFileSystem(client: client), file: "a.txt", missing: "none") { fixture.root.read("a.txt") }
    }

    @Test func aReaderStoppedEarlyLeavesTheConnectionInStep() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("big.bin", sampleBytes(2_000_000))
        let client = try fixture.client()
        defer { try? client.quit() }
        let server = RemoteFileSystem(client: client)
        let reader = try server.openReader("big.bin", from: 1000, type: .binary)
        var buffer = [UInt8](repeating: 0, count: 10)
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } > 0)
        #expect(reader.finish() == nil)
        #expect(try server.size(of: "big.bin") == 2_000_000)
    }

    /// A server's reader sends RETR when it opens: a refusal comes then, before anything is
    /// read or written, and the connection stays in step.
    @Test func aServersRefusalComesWhenItsReaderOpens() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("small.bin", sampleBytes(3000))
        let client = try fixture.client()
        defer { try? client.quit() }
        let server = RemoteFileSystem(client: client)
        let refusal = #expect(throws: FTPError.self) { try server.openReader("missing.bin", from: 0, type: .binary) }
        #expect(refusal?.reply?.code == .fileUnavailable)
        #expect(try Self.readAll(server.openReader("small.bin", from: 1000, type: .binary)) == sampleBytes(3000).suffix(2000))
    }

    /// What a listing gives a transfer to go by: size and time from MLSD; from a LIST, the size
    /// of a plain file's Unix line alone (its time is rounded) where the line writes it in
    /// digits, nothing for a size rounded to a unit (`33.5k`), for a link (its size is the
    /// link's) nor for a line of another format (sizes in blocks or records).
    @Test func aListingGivesTheFactsItHoldsExactly() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.bin", sampleBytes(1234))
        let machine = try fixture.client()
        defer { try? machine.quit() }
        let listed = try #require(try machine.listing().entries.first { $0.name == "a.bin" })
        let machineFacts = RemoteFileSystem(client: machine).exactFacts(of: listed)
        #expect(machineFacts?.size == 1234)
        #expect(machineFacts?.modified != nil)

        fixture.server.faults.serveListing(Array("""
            -rw-r--r--   1 u  g    1234 Jan  1  2024 plain.bin\r
            lrwxrwxrwx   1 u  g       5 Jan  1  2024 link -> a.bin\r
            -rw-r--r--   1 u  g   33.5k Jan  1  2024 rounded.bin\r
            01-01-24  10:00AM                 1234 dos.bin\r

            """.utf8))
        let plain = try fixture.client()
        defer { try? plain.quit() }
        let entries = try plain.listing().entries
        let server = RemoteFileSystem(client: plain)
        let facts = entries.map { ($0.name, server.exactFacts(of: $0)) }
        #expect(facts.count == 4)
        for (name, fact) in facts {
            #expect(fact == (name == "plain.bin" ? FileFacts(size: 1234, modified: nil) : nil), "\(name)")
        }
    }

    /// A copy each way, cut once on the way: continued from what arrived, verified by the
    /// server's digest, byte-identical.
    @Test(arguments: ["upload", "download", "server to server"])
    func oneCopyGoesEveryWayResumedAndVerified(_ way: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_000_000)
        try fixture.root.write("from.bin", contents)
        try local.write("from.bin", contents)
        fixture.server.faults.cutTransfers(after: 300_000, times: 1)
        let (session, other) = (try fixture.session(), try fixture.session())
        defer { session.close(); other.close() }
        let retry = RetryPolicy(retries: 2, initialDelay: 0.05)
        var progress: [UInt64] = []
        let outcome: TransferOutcome
        switch way {
        case "upload":
            outcome = try FileCopy<LocalFileSystem, RemoteFileSystem>(from: local.file("from.bin"), to: "to.bin")
                .run(from: .local, to: .server(session), retry: retry, onProgress: { progress.append($0.completedBytes) })
            #expect(fixture.root.read("to.bin") == contents)
        case "download":
            outcome = try FileCopy<RemoteFileSystem, LocalFileSystem>(from: "from.bin", to: local.file("to.bin"))
                .run(from: .server(session), to: .local, retry: retry, onProgress: { progress.append($0.completedBytes) })
            #expect(local.read("to.bin") == contents)
            #expect(!local.exists("to.bin.part"))
        default:
            outcome = try FileCopy<RemoteFileSystem, RemoteFileSystem>(from: "from.bin", to: "to.bin")
                .run(from: .server(session), to: .server(other), retry: retry, onProgress: { progress.append($0.completedBytes) })
            #expect(fixture.root.read("to.bin") == contents)
        }
        #expect(outcome.verified == .sha256 && outcome.bytes == 1_000_000)
        #expect(outcome.resumedFrom > 0, "the second attempt continues what the first wrote")
        #expect(fixture.server.receivedCommands.contains("REST \(outcome.resumedFrom)"))
        #expect(progress.last == 1_000_000)
    }

    /// A source that fails before its first byte leaves a `NAME.part` it did not write as it
    /// was, and not its own: the retry reads the file from byte 0, not on from that file's end.
    @Test func aSourceThatFailsAtOnceDoesNotTakeAStrangersPartForItsOwn() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(100_000, seed: 1)
        try fixture.root.write("from.bin", contents)
        try local.write("to.bin.part", sampleBytes(40_000, seed: 2))
        fixture.server.faults.cutTransfers(after: 0, times: 1)
        let session = try fixture.session()
        defer { session.close() }
        // Unverified: only the resume's offset and the bytes tell.
        let outcome = try FileCopy<RemoteFileSystem, LocalFileSystem>(from: "from.bin", to: local.file("to.bin"), settings: TransferSettings(verifies: false))
            .run(from: .server(session), to: .local, retry: RetryPolicy(retries: 2, initialDelay: 0.05))
        #expect(fixture.server.receivedCommands.filter { $0 == "RETR from.bin" }.count == 2, "cut once, then read whole")
        #expect(outcome.resumedFrom == 0)
        #expect(local.read("to.bin") == contents)
    }

    /// A download that leaves its last step (`finishing`): verified, then nothing under the
    /// name but the complete `NAME.part`, until the step makes it durable and renames it. An
    /// upload, written in place on the server, leaves nothing.
    @Test func aCopyThatLeavesItsCommitPutsNothingInPlaceBeforeIt() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(4096)
        try fixture.root.write("from.bin", contents)
        let session = try fixture.session()
        defer { session.close() }
        var download = FileDownload(remotePath: "from.bin", localPath: local.file("to.bin"))
        let finishing = FinishingSteps()
        download.finishing = finishing
        let outcome = try download.run(on: session, retry: .never)
        #expect(outcome.verified == .sha256 && outcome.bytes == 4096)
        #expect(!local.exists("to.bin"))
        #expect(local.read("to.bin.part") == contents)
        try finishing.run()
        #expect(local.read("to.bin") == contents)
        #expect(!local.exists("to.bin.part"))

        try local.write("up.bin", contents)
        var upload = FileUpload(localPath: local.file("up.bin"), remotePath: "up.bin")
        let none = FinishingSteps()
        upload.finishing = none
        #expect(try upload.run(on: session, retry: .never).verified == .sha256)
        #expect(fixture.root.read("up.bin") == contents)
        #expect(none.isEmpty)
    }

    @Test func aDigestReplyWithNothingUsableSaysWhy() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(10_000))
        fixture.server.faults.script("HASH", reply: .init(code: 213, text: "SHA-256 0-10000 not-hex f.bin"))
        let session = try fixture.session()
        defer { session.close() }
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session, retry: .never)
        #expect(outcome.verified == nil)
        #expect(outcome.unverifiedBecause?.contains("HASH SHA-256") == true)
        #expect(outcome.unverifiedBecause?.contains("no SHA-256 digest") == true)
    }

    /// A large file's digest takes the server a while: the wait for its reply grows with the
    /// file's size, so a slow reply verifies the file rather than time out and fetch it again.
    @Test func aSlowDigestReplyWithinTheScaledWaitVerifiesWithoutARetry() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(2_000_000)
        try fixture.root.write("big.bin", contents)
        fixture.server.faults.delayReplies(by: 2, only: ["HASH"])
        // Taken to hash at 0.5 MB/s: 2 MB may keep the server silent 1 + 4 seconds.
        var options = FTPClient.Options(timeout: 1)
        options.digestBytesPerSecond = 500_000
        let endpoint = RemoteEndpoint(url: try FTPURL(fixture.url()), user: ServerFixture.user, password: ServerFixture.password, options: options)
        let session = RemoteSession(endpoint: endpoint)
        defer { session.close() }
        var retries: [String] = []
        let outcome = try FileDownload(remotePath: "big.bin", localPath: local.file("big.bin"))
            .run(on: session, retry: RetryPolicy(retries: 2, initialDelay: 0.05), onRetry: { error, _ in retries.append("\(error)") })
        #expect(outcome.verified == .sha256)
        #expect(retries.isEmpty)
        #expect(fixture.server.receivedCommands.filter { $0.hasPrefix("RETR") }.count == 1)
        #expect(local.read("big.bin") == contents)

        // Without the scaling, the same reply comes too late.
        options.digestBytesPerSecond = .infinity
        let impatient = try fixture.client(options: options)
        defer { impatient.close() }
        #expect(throws: FTPError.self) {
            try impatient.digest(of: "big.bin", using: DigestCommand(verb: "HASH", algorithm: .sha256), size: 2_000_000)
        }
    }

    @Test func aSkipOrAFreeNameIsDecidedByTheDestinationsStat() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("n.txt", Data("new".utf8))
        try fixture.root.write("n.txt", Data("old".utf8))
        let session = try fixture.session()
        defer { session.close() }
        let upload = FileUpload(localPath: local.file("n.txt"), remotePath: "n.txt")
        #expect(throws: TransferSkipped.self) { try FileJob(upload, policy: .skip).run(from: .local, to: .server(session)) }
        try FileJob(upload, policy: .rename).run(from: .local, to: .server(session))
        #expect(fixture.root.read("n.txt") == Data("old".utf8))
        #expect(fixture.root.read("n.txt.1") == Data("new".utf8))
    }
}

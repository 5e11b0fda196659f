import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport

@Suite("FTPClient transfers")
struct ClientTransferTests {
    @Test(arguments: [0, 1, 4096, 3_000_000])
    func storeAndRetrieveAreByteIdentical(size: Int) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        let contents = sampleBytes(size)
        var reported = 0
        try client.store("up.bin", blockSize: 8192, from: reader(for: contents), onProgress: { reported += $0 })
        #expect(reported == size)
        #expect(fixture.root.read("up.bin") == contents)
        var received = Data()
        var largestChunk = 0
        try client.retrieve("up.bin", blockSize: 1000) { chunk in
            largestChunk = max(largestChunk, chunk.count)
            received.append(contentsOf: chunk)
        }
        #expect(received == contents)
        #expect(largestChunk <= 1000)
    }

    @Test func commandSequenceOfADownload() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.txt", Data("abc".utf8))
        let client = try fixture.client()
        fixture.server.clearReceivedCommands()
        try client.retrieve("a.txt", offset: 1) { _ in }
        try client.retrieve("a.txt") { _ in }
        try client.quit()
        // Pipelined: OPTS UTF8 ON (left from login) with the first transfer's commands, REST right before RETR.
        #expect(fixture.server.receivedCommands == ["OPTS UTF8 ON", "TYPE I", "EPSV", "REST 1", "RETR a.txt", "EPSV", "RETR a.txt", "QUIT"])
    }

    /// A file that is not there (550 to RETR, every reply before it positive) fails at once:
    /// asked once, not again one command at a time, and the connection goes on pipelining.
    @Test func aMissingFileIsAskedForOnce() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.txt", Data("abc".utf8))
        let client = try fixture.client()
        defer { client.close() }
        #expect { try client.retrieve("missing.bin") { _ in } } throws: { ($0 as? FTPError)?.reply?.code == .fileUnavailable }
        #expect(fixture.server.receivedCommands.filter { $0 == "RETR missing.bin" }.count == 1)
        fixture.server.clearReceivedCommands()
        try client.retrieve("a.txt") { _ in }
        #expect(fixture.server.commandsReadTogether.contains { $0.contains("RETR a.txt") && $0.count > 1 })
    }

    @Test func resumingAfterACutTransfer() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let contents = sampleBytes(500_000)
        try fixture.root.write("big.bin", contents)
        fixture.server.faults.cutTransfers(after: 123_457, times: 1)
        let client = try fixture.client()
        defer { client.close() }
        var received = Data()
        do {
            try client.retrieve("big.bin") { received.append(contentsOf: $0) }
            Issue.record("the cut transfer should fail")
        } catch let error as FTPError {
            #expect(error.kind == .temporary)
            #expect(error.reply?.code == .transferAborted)
        }
        #expect(received.count == 123_457)
        try client.retrieve("big.bin", offset: UInt64(received.count)) { received.append(contentsOf: $0) }
        #expect(received == contents)
    }

    @Test func uploadResumesWithRestAndStor() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let contents = sampleBytes(100_000)
        try fixture.root.write("part.bin", contents.prefix(40_000))
        let client = try fixture.client()
        defer { client.close() }
        try client.store("part.bin", offset: 40_000, from: reader(for: contents, from: 40_000))
        #expect(fixture.root.read("part.bin") == contents)
        #expect(fixture.server.receivedCommands.contains("REST 40000"))
    }

    @Test func abortingATransferThatAlreadyEndedReadsABORsReplyToo() throws {
        struct Enough: Error {}
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("small.bin", sampleBytes(10_000))
        let client = try fixture.client()
        defer { client.close() }
        for _ in 0..<3 {
            #expect(throws: Enough.self) {
                try client.retrieve("small.bin", offset: 100) { _ in throw Enough() }
            }
            try client.noop()
            #expect(try client.pwd() == RemotePath("/"))
        }
    }

    @Test func throwingFromTheCallbackAbortsAndKeepsTheConnectionUsable() throws {
        struct Enough: Error {}
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("big.bin", sampleBytes(5_000_000))
        let client = try fixture.client()
        defer { client.close() }
        #expect(throws: Enough.self) {
            try client.retrieve("big.bin", blockSize: 4096) { _ in throw Enough() }
        }
        #expect(fixture.server.receivedCommands.contains("ABOR"))
        try client.noop()
        #expect(try client.pwd() == RemotePath("/"))
        var count = 0
        try client.retrieve("big.bin") { count += $0.count }
        #expect(count == 5_000_000)
    }

    /// Memory lent in pieces of at most `pieceSize` bytes, keeping what was read into it; it
    /// throws once it holds `limit` bytes or more.
    private final class LentMemory: ReceivingBuffer {
        struct Enough: Error {}
        private let memory: UnsafeMutableRawBufferPointer
        private let limit: Int
        private(set) var bytes = Data()

        init(pieceSize: Int, limit: Int = .max) {
            memory = .allocate(byteCount: pieceSize, alignment: 16)
            self.limit = limit
        }

        deinit { memory.deallocate() }

        func space() throws -> UnsafeMutableRawBufferPointer {
            guard bytes.count < limit else { throw Enough() }
            return memory
        }

        func received(_ count: Int) {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: memory[0..<count]))
        }
    }

    /// A download into memory the caller lends: the bytes whole, in binary mode and with line
    /// endings converted in ASCII mode (copied in then), in pieces no larger than the room lent;
    /// throwing for room aborts and keeps the connection usable.
    @Test func retrievingIntoLentMemory() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let contents = sampleBytes(3_000_000, seed: 5)
        try fixture.root.write("big.bin", contents)
        try fixture.root.write("text.txt", Data("line one\r\nline two\n".utf8))
        let client = try fixture.client()
        defer { client.close() }
        let lent = LentMemory(pieceSize: 10_000)
        try client.retrieve("big.bin", into: lent)
        #expect(lent.bytes == contents)
        client.transferType = .ascii
        let text = LentMemory(pieceSize: 5)
        try client.retrieve("text.txt", into: text)
        #expect(text.bytes == Data("line one\nline two\n".utf8))
        client.transferType = .binary
        let stopping = LentMemory(pieceSize: 4096, limit: 100_000)
        #expect(throws: LentMemory.Enough.self) { try client.retrieve("big.bin", into: stopping) }
        #expect(fixture.server.receivedCommands.contains("ABOR"))
        #expect(try client.pwd() == RemotePath("/"))
    }

    @Test func appendAddsToTheEnd() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("log.txt", Data("one\n".utf8))
        let client = try fixture.client()
        defer { client.close() }
        try client.append("log.txt", from: reader(for: Data("two\n".utf8)))
        #expect(fixture.root.read("log.txt") == Data("one\ntwo\n".utf8))
    }

    @Test func asciiModeConvertsLineEndings() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("text.txt", Data("line one\nline two\n".utf8))
        let client = try fixture.client()
        defer { client.close() }
        client.transferType = .ascii
        var received = Data()
        try client.retrieve("text.txt") { received.append(contentsOf: $0) }
        #expect(received == Data("line one\nline two\n".utf8))
        #expect(fixture.server.receivedCommands.contains("TYPE A"))
        try client.store("back.txt", from: reader(for: Data("a\nb\n".utf8)))
        #expect(fixture.root.read("back.txt") == Data("a\nb\n".utf8))
    }

    @Test func activeModeUsesPortAndWorks() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.bin", sampleBytes(200_000))
        let client = try fixture.client(options: .init(timeout: 10, dataConnectionMode: .active))
        defer { client.close() }
        var received = Data()
        try client.retrieve("a.bin") { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(200_000))
        #expect(fixture.server.receivedCommands.contains { $0.hasPrefix("PORT 127,0,0,1,") })
        #expect(try client.nlst() == ["a.bin"])
    }

    @Test func epsvRefusalFallsBackToPasvForTheSession() throws {
        let fixture = try ServerFixture(passiveAddress: "10.255.255.1")
        defer { fixture.stop() }
        try fixture.root.write("a.txt", Data("abc".utf8))
        fixture.server.faults.script("EPSV", reply: .init(code: 500, text: "EPSV not understood"))
        let client = try fixture.client()
        defer { client.close() }
        // The 227 reply names 10.255.255.1; the client must ignore it and use the server's address.
        for _ in 0..<2 {
            var received = Data()
            try client.retrieve("a.txt") { received.append(contentsOf: $0) }
            #expect(received == Data("abc".utf8))
        }
        let commands = fixture.server.receivedCommands.filter { $0 == "EPSV" || $0 == "PASV" }
        #expect(commands == ["EPSV", "PASV", "PASV"])
    }

    @Test func listingsInEveryFlavour() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("dir/file one.txt", Data("12345".utf8))
        try fixture.root.write("dir/sub/x", Data())
        try FileManager.default.createSymbolicLink(atPath: fixture.root.file("dir/link"), withDestinationPath: "file one.txt")
        let client = try fixture.client()
        defer { client.close() }
        #expect(try client.nlst("dir").sorted() == ["file one.txt", "link", "sub"])
        let machine = try client.mlsd("dir")
        #expect(machine.map(\.name) == ["file one.txt", "link", "sub"])
        #expect(machine.map(\.kind) == [.file, .link, .directory])
        #expect(machine[0].size == 5)
        #expect(machine[1].target == "file one.txt")
        let lines = try client.listLines("dir")
        #expect(lines.count == 3)
        let parsed = lines.compactMap { ListParser().entry(Substring($0)) }
        #expect(parsed.map(\.name) == ["file one.txt", "link", "sub"])
        #expect(parsed.map(\.kind) == [.file, .link, .directory])
        #expect(parsed[1].target == "file one.txt")
        let facts = try client.mlst("dir/file one.txt")
        #expect(facts?.facts["size"] == "5")
        #expect(facts?.name == "/dir/file one.txt")
        try client.cwd("dir")
        #expect(try client.listDirectory().map(\.name) == ["file one.txt", "link", "sub"])
    }
}

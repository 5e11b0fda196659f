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

    /// Everything a retrieval gives, read in pieces of at most `pieceSize` bytes, and how many
    /// bytes each read gave.
    private static func readAll(_ retrieval: Retrieval, pieceSize: Int) throws -> (bytes: Data, reads: [Int]) {
        var buffer = [UInt8](repeating: 0, count: pieceSize)
        var bytes = Data()
        var reads: [Int] = []
        while true {
            let count = try buffer.withUnsafeMutableBytes { try retrieval.read(into: $0) }
            if count == 0 { break }
            reads.append(count)
            bytes.append(contentsOf: buffer[0..<count])
        }
        return (bytes, reads)
    }

    /// A download its caller reads: the bytes whole, in binary mode and with line endings
    /// converted in ASCII mode, however small the pieces (a CR at the end of one waits for the
    /// next byte; one at the end of the file is kept); abandoned midway, it aborts and keeps the
    /// connection usable; a refusal comes when it begins.
    @Test func aRetrievalIsReadByItsCaller() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let contents = sampleBytes(3_000_000, seed: 5)
        try fixture.root.write("big.bin", contents)
        try fixture.root.write("text.txt", Data("line one\r\nline two\n\r\rthree\r".utf8))
        let client = try fixture.client()
        defer { client.close() }
        #expect(try Self.readAll(client.beginRetrieval("big.bin"), pieceSize: 10_000).bytes == contents)
        #expect(try Self.readAll(client.beginRetrieval("big.bin", offset: 2_999_000), pieceSize: 300).bytes == contents.suffix(1_000))
        client.transferType = .ascii
        for pieceSize in [1, 5, 4096] {
            #expect(try Self.readAll(client.beginRetrieval("text.txt"), pieceSize: pieceSize).bytes == Data("line one\nline two\n\r\rthree\r".utf8))
        }
        client.transferType = .binary
        let abandoned = try client.beginRetrieval("big.bin")
        var piece = [UInt8](repeating: 0, count: 4096)
        #expect(try piece.withUnsafeMutableBytes { try abandoned.read(into: $0) } > 0)
        abandoned.abandon()
        #expect(fixture.server.receivedCommands.contains("ABOR"))
        #expect(throws: FTPError.self) { try piece.withUnsafeMutableBytes { try abandoned.read(into: $0) } }
        #expect(try client.pwd() == RemotePath("/"))
        // Dropped midway without a word: it abandons itself, and the connection stays usable.
        let aborts = fixture.server.receivedCommands.filter { $0 == "ABOR" }.count
        do {
            let dropped = try client.beginRetrieval("big.bin")
            #expect(try piece.withUnsafeMutableBytes { try dropped.read(into: $0) } > 0)
        }
        #expect(fixture.server.receivedCommands.filter { $0 == "ABOR" }.count == aborts + 1)
        #expect(try client.pwd() == RemotePath("/"))
        // Cut by the server: the bytes that came first, then its 426.
        fixture.server.faults.cutTransfers(after: 100_000, times: 1)
        let cut = try client.beginRetrieval("big.bin")
        var received = 0
        var large = [UInt8](repeating: 0, count: 40_000)
        let verdict = #expect(throws: FTPError.self) {
            while true {
                let count = try large.withUnsafeMutableBytes { try cut.read(into: $0) }
                if count == 0 { break }
                received += count
            }
        }
        #expect(received == 100_000)
        #expect(verdict?.reply?.code.rawValue == 426 && cut.failure != nil)
        let refusal = #expect(throws: FTPError.self) { try client.beginRetrieval("missing.bin") }
        #expect(refusal?.reply?.code == .fileUnavailable)
        #expect(try client.size("big.bin") == 3_000_000)
    }

    /// A read waits for the bytes that come within its gathering time, so that a connection
    /// giving them in pieces still fills it, and no longer: a read with no time to gather gives
    /// the piece that came.
    @Test func aRetrievalReadGathersWhatComesWithinItsTime() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let contents = sampleBytes(100_000, seed: 6)
        try fixture.root.write("slow.bin", contents)
        // Pieces of 10,000 bytes, 50 ms apart.
        fixture.server.faults.throttle(bytesPerSecond: 200_000)
        let client = try fixture.client()
        defer { client.close() }
        let patient = try Self.readAll(client.beginRetrieval("slow.bin", gathering: 10), pieceSize: 40_000)
        #expect(patient.bytes == contents)
        #expect(patient.reads == [40_000, 40_000, 20_000])
        let hasty = try Self.readAll(client.beginRetrieval("slow.bin", gathering: 0.001), pieceSize: 40_000)
        #expect(hasty.bytes == contents)
        #expect(hasty.reads.dropLast().contains { $0 < 40_000 })
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

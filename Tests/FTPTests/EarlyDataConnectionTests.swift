import Foundation
@testable import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport

/// The data connection of a retrieval sent ahead is made as soon as its passive reply is in,
/// before the retrieval's turn: the server sends the file while the one before is finished.
@Suite("Data connections made early")
struct EarlyDataConnectionTests {
    /// A client that has fetched `a.bin` with `b.bin` sent ahead, and asked for the digest of
    /// `a.bin` once every reply was in. The digest comes late (the server is slow to hash), so
    /// the transfer's closing reply is read alone, and the replies to HASH and EPSV arrive
    /// together while the caller is busy.
    static func clientWithRetrievalSentAhead(_ fixture: ServerFixture) throws -> FTPClient {
        try fixture.root.write("a.bin", sampleBytes(3_000, seed: 1))
        try fixture.root.write("b.bin", sampleBytes(300_000, seed: 2))
        let client = try fixture.client()
        client.upcomingRetrieval = "b.bin"
        let command = try #require(client.digestCommand)
        fixture.server.faults.delayReplies(by: 0.2, inTransit: true, only: ["HASH"])
        try client.retrieve("a.bin", digest: command) { _ in }
        #expect(client.earlyDataConnection == nil)
        // Both replies in transit (0.2 s late) arrive meanwhile, with time to spare.
        Thread.sleep(forTimeInterval: 1)
        let expected = ContentDigest(.sha256)
        expected.update(Array(sampleBytes(3_000, seed: 1)))
        #expect(try client.digest(of: "a.bin", using: command) == expected.finish())
        return client
    }

    @Test func aRetrievalSentAheadConnectsAsSoonAsItsAddressIsIn() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try Self.clientWithRetrievalSentAhead(fixture)
        defer { client.close() }
        #expect(client.earlyDataConnection?.command == (try FTPCommand("RETR", path: "b.bin")))
        #expect(client.connectsEarly)
        var received = Data()
        try client.retrieve("b.bin") { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(300_000, seed: 2))
        #expect(client.earlyDataConnection == nil)
        #expect(fixture.server.receivedCommands.suffix(3) == ["HASH a.bin", "EPSV", "RETR b.bin"])
        try client.noop()
    }

    /// Connected early and then not wanted: opened and aborted in step, like any retrieval sent
    /// ahead and not taken up.
    @Test func aRetrievalConnectedEarlyAndNotTakenUpIsAbandonedInStep() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try Self.clientWithRetrievalSentAhead(fixture)
        defer { client.close() }
        #expect(client.earlyDataConnection != nil)
        #expect(try client.pwd() == RemotePath("/"))
        #expect(client.earlyDataConnection == nil)
        #expect(fixture.server.receivedCommands.suffix(5) == ["HASH a.bin", "EPSV", "RETR b.bin", "ABOR", "PWD"])
        var received = Data()
        try client.retrieve("a.bin") { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(3_000, seed: 1))
    }
}

/// Hostile or failing answers to a retrieval asked with a file's facts: a clear error, nothing
/// left in wait.
@Suite("Retrievals asked with the facts, answered badly")
struct RetrievalWithFactsFailureTests {
    /// A client that has asked the facts of `f.bin` (5,000 bytes) once, in binary: the server
    /// is known to take pipelined questions.
    private static func clientThatAskedFacts(of fixture: ServerFixture) throws -> FTPClient {
        try fixture.root.write("f.bin", sampleBytes(5_000))
        let client = try fixture.client()
        client.transferType = .binary
        _ = try client.sizeAndModificationTime("f.bin")
        return client
    }

    /// A passive reply that offers a port nobody listens on: the early connection fails (and is
    /// not tried again), and the retrieval's own turn fails as a connection error.
    @Test func aPassiveReplyToAClosedPortFailsAsAConnectionError() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try Self.clientThatAskedFacts(of: fixture)
        defer { client.close() }
        fixture.server.faults.script("EPSV", reply: .init(code: 229, text: "Entering Extended Passive Mode (|||1|)", times: 1))
        let facts = try client.sizeAndModificationTime("f.bin", thenRetrieving: true)
        #expect(facts.size == 5_000)
        #expect(client.earlyDataConnection == nil)
        #expect { try client.retrieve("f.bin") { _ in } } throws: { ($0 as? FTPError)?.kind == .connection }
    }

    /// A reply to SIZE that is no reply at all: the MDTM, EPSV and RETR sent with it would meet
    /// whatever is asked next, so the connection is closed and the error says what was wrong;
    /// the next command on it fails as a lost connection, never as an answer to another.
    @Test func anUnreadableReplyToTheFactsClosesTheConnection() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try Self.clientThatAskedFacts(of: fixture)
        defer { client.close() }
        fixture.server.faults.script("SIZE", reply: .init(code: 42, text: "not a reply", times: 1))
        #expect { try client.sizeAndModificationTime("f.bin", thenRetrieving: true) } throws: {
            ($0 as? FTPError)?.kind == .protocolViolation
        }
        #expect(client.earlyDataConnection == nil)
        #expect { try client.noop() } throws: { ($0 as? FTPError)?.kind == .connection }
        #expect(fixture.server.commandsReadTogether.contains(["SIZE f.bin", "MDTM f.bin", "EPSV", "RETR f.bin"]))
    }

    /// A file that is not there: SIZE, MDTM and the RETR sent with them all say so (the RETR,
    /// refused, is asked once more alone, in case pipelining was the reason), and the download
    /// fails as not found, the connection still in step and still pipelining.
    @Test func aMissingFileAskedWithItsBytesIsNotFound() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let client = try fixture.client()
        defer { client.close() }
        client.transferType = .binary
        let facts = try client.sizeAndModificationTime("none.bin", thenRetrieving: true)
        #expect(facts.size == nil && facts.modified == nil)
        #expect { try client.retrieve("none.bin") { _ in } } throws: { ($0 as? FTPError)?.reply?.code.rawValue == 550 }
        try client.noop()
        #expect(fixture.server.commandsReadTogether.contains(["SIZE none.bin", "MDTM none.bin", "EPSV", "RETR none.bin"]))
        #expect(fixture.server.receivedCommands.last == "NOOP")
        #expect(client.pipelinesCommands)
    }
}

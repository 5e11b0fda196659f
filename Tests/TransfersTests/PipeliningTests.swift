import Foundation
import FTP
import FTPServer
import FTPWire
import Net
import Testing
import TestSupport
import Transfers

/// Commands sent several in one write against the loopback server: fewer round trips per file,
/// the same bytes, the same checks, and a clean way back for servers that do not cope.
@Suite("Pipelined commands")
struct PipeliningTests {
    /// Each file's outcome, noted from the worker's thread.
    final class Outcomes: Sendable {
        private let values = Locked<[String: TransferOutcome]>([:])
        func note(_ name: String, _ outcome: TransferOutcome) { values.withLock { $0[name] = outcome } }
        subscript(name: String) -> TransferOutcome? { values.withLock { $0[name] } }
    }

    /// What a listing gave of each file.
    enum ListedFacts {
        /// Its size and time (an MLSD server's).
        case sizeAndTime
        /// Its size alone (a Unix LIST line's).
        case size
        /// A size 100 bytes off (a LIST line of a file that changed since), and no time.
        case staleSize
        /// Nothing.
        case nothing
    }

    /// Downloads of `names` as a mirror queues them, verified, each asking first what `listed`
    /// leaves open: with size and time from the listing, each begins with its RETR; with the
    /// size alone, with MDTM; with nothing, with SIZE and MDTM.
    private func downloads(
        _ names: [String], from fixture: ServerFixture, into local: TemporaryDirectory, outcomes: Outcomes,
        pipelining: Bool = true, listed: ListedFacts = .sizeAndTime, retry: RetryPolicy = .never
    ) throws -> [QueuedTransfer] {
        var options = FTPClient.Options(timeout: 10)
        options.pipelining = pipelining
        let endpoint = RemoteEndpoint(url: try FTPURL(fixture.url()), user: ServerFixture.user, password: ServerFixture.password, options: options)
        return names.map { name in
            let size = UInt64(fixture.root.read(name)?.count ?? 0)
            let job = JobRecord(kind: .download, source: name, destination: local.file(name))
            let known: FileFacts? = switch listed {
            case .sizeAndTime: FileFacts(size: size, modified: Date(timeIntervalSince1970: 1_700_000_000))
            case .size: FileFacts(size: size, modified: nil)
            case .staleSize: FileFacts(size: size + 100, modified: nil)
            case .nothing: nil
            }
            let first = UpcomingRetrieval(RemotePath(name), askedFirst: FileDownload.questions(knowing: known))
            return QueuedTransfer(name: name, job: job, endpoint: endpoint, firstRetrieval: first) { context in
                var download = FileDownload(remotePath: RemotePath(name), localPath: local.file(name))
                download.knownSource = known
                let outcome = try download.run(on: context.session, retry: retry, journal: context.journal)
                outcomes.note(name, outcome)
                return outcome
            }
        }
    }

    /// Uploads of `names` from `local` into `up/`, as `put` and `mirror -R` queue them, verified.
    private func uploads(_ names: [String], from local: TemporaryDirectory, to fixture: ServerFixture, outcomes: Outcomes) throws -> [QueuedTransfer] {
        let endpoint = RemoteEndpoint(url: try FTPURL(fixture.url()), user: ServerFixture.user, password: ServerFixture.password, options: FTPClient.Options(timeout: 10))
        return names.map { name in
            let job = JobRecord(kind: .upload, source: local.file(name), destination: "up/" + name)
            return QueuedTransfer(name: name, job: job, endpoint: endpoint) { context in
                let outcome = try FileUpload(localPath: local.file(name), remotePath: RemotePath("up/" + name)).run(on: context.session, retry: .never)
                outcomes.note(name, outcome)
                return outcome
            }
        }
    }

    /// Runs `transfers` on one connection; the seconds it took.
    @discardableResult
    private func run(_ transfers: [QueuedTransfer], connections: Int = 1) -> Double {
        let queue = TransferQueue(connections: connections, journal: nil, adoptedFrom: nil, stops: { _ in false }, onEvent: { _ in })
        queue.enqueue(transfers)
        queue.close()
        let sessions = SessionPool()
        let start = ContinuousClock.now
        queue.run(on: sessions)
        sessions.close()
        let elapsed = ContinuousClock.now - start
        return elapsed.inSeconds
    }

    private func files(_ count: Int, in fixture: ServerFixture) throws -> [String] {
        let names = (0..<count).map { "f\($0).bin" }
        for (index, name) in names.enumerated() { try fixture.root.write(name, sampleBytes(5_000 + index * 777, seed: UInt64(index))) }
        return names
    }

    /// Each of `names` (made by `files`) is in `local` whole, and was verified by its SHA-256.
    private func expectVerifiedCopies(
        of names: [String], in local: TemporaryDirectory, outcomes: Outcomes, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (index, name) in names.enumerated() {
            #expect(local.read(name) == sampleBytes(5_000 + index * 777, seed: UInt64(index)), sourceLocation: sourceLocation)
            #expect(outcomes[name]?.verified == .sha256, sourceLocation: sourceLocation)
        }
    }

    @Test func eachFileAfterTheFirstCostsOneWriteWithNothingTheListingSaid() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = try files(3, in: fixture)
        let outcomes = Outcomes()
        run(try downloads(names, from: fixture, into: local, outcomes: outcomes))

        let commands = fixture.server.receivedCommands
        let afterLogin = Array(commands.drop { $0 != "OPTS UTF8 ON" }.dropFirst())
        #expect(afterLogin == [
            "OPTS HASH SHA-256", "TYPE I", "EPSV", "RETR f0.bin",
            "HASH f0.bin", "EPSV", "RETR f1.bin",
            "HASH f1.bin", "EPSV", "RETR f2.bin",
            "HASH f2.bin", "QUIT",
        ])
        expectVerifiedCopies(of: names, in: local, outcomes: outcomes)
    }

    /// What the listing did not give goes ahead with the next file's passive request and RETR,
    /// written with this file's digest request as soon as this file's data has arrived: SIZE
    /// and MDTM without facts from the listing (a LIST server), MDTM alone with the size from
    /// a Unix LIST line. One write a file, nothing asked twice, nothing abandoned.
    @Test(arguments: [ListedFacts.nothing, .size])
    func theNextFilesQuestionsGoAheadWithItsRetrieval(_ listed: ListedFacts) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = try files(3, in: fixture)
        let outcomes = Outcomes()
        run(try downloads(names, from: fixture, into: local, outcomes: outcomes, listed: listed))

        let questions = listed == .size ? ["MDTM"] : ["SIZE", "MDTM"]
        let together = fixture.server.commandsReadTogether
        #expect(together.contains(questions.map { "\($0) f0.bin" } + ["EPSV", "RETR f0.bin"]), "\(together)")
        for (name, next) in zip(names, names.dropFirst()) {
            #expect(together.contains(["HASH \(name)"] + questions.map { "\($0) \(next)" } + ["EPSV", "RETR \(next)"]), "\(together)")
        }
        let commands = fixture.server.receivedCommands
        for name in names {
            for verb in ["SIZE", "MDTM", "RETR"] {
                let expected = verb == "RETR" || questions.contains(verb) ? 1 : 0
                #expect(commands.filter { $0 == "\(verb) \(name)" }.count == expected, "\(commands)")
            }
        }
        #expect(!commands.contains("ABOR"))
        expectVerifiedCopies(of: names, in: local, outcomes: outcomes)
    }

    /// A listed size that is no longer the file's (it changed since the listing) fails the
    /// first attempt's check, never its copy: the retry asks SIZE and MDTM, and the file comes
    /// whole and verified.
    @Test func aStaleListedSizeIsAskedAgainOnTheRetry() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = try files(2, in: fixture)
        let outcomes = Outcomes()
        run(try downloads(names, from: fixture, into: local, outcomes: outcomes, listed: .staleSize, retry: RetryPolicy(retries: 1, initialDelay: 0.01)))

        let commands = fixture.server.receivedCommands
        for name in names {
            #expect(commands.contains("SIZE \(name)"), "\(commands)")
        }
        expectVerifiedCopies(of: names, in: local, outcomes: outcomes)
    }

    /// SIZE and MDTM replies sent ahead that hold no value (or an absurd one, or control bytes)
    /// give no facts, as when asked in their turn: the folder's listing is asked, the retrieval
    /// sent ahead is settled in step, and every file comes whole and verified.
    @Test func sizeAndTimeSentAheadWithoutAValueFallBackToTheListing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = try files(3, in: fixture)
        fixture.server.faults.script("SIZE", reply: .init(code: 213, text: "18446744073709551616"))
        fixture.server.faults.script("MDTM", reply: .init(code: 213, text: "\u{1B}[2J 2026"))
        let outcomes = Outcomes()
        run(try downloads(names, from: fixture, into: local, outcomes: outcomes, listed: .nothing))
        #expect(fixture.server.commandsReadTogether.contains(["HASH f0.bin", "SIZE f1.bin", "MDTM f1.bin", "EPSV", "RETR f1.bin"]))
        #expect(fixture.server.receivedCommands.contains("MLSD"))
        expectVerifiedCopies(of: names, in: local, outcomes: outcomes)
    }

    /// A reply that comes before the closing reply while requests were sent ahead (a server
    /// that answered the next file's SIZE early, with 550) may be theirs: the connection is
    /// closed, not the reply taken for the download's verdict, and the download is tried again
    /// and done, as is the next file.
    @Test func aReplyBeforeTheClosingOneWithRequestsAheadIsNotTheDownloadsVerdict() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = try files(2, in: fixture)
        fixture.server.faults.answerBeforeClosingReply(.init(code: 550, text: "No such file.", times: 1))
        let outcomes = Outcomes()
        run(try downloads(names, from: fixture, into: local, outcomes: outcomes, listed: .nothing, retry: RetryPolicy(retries: 1, initialDelay: 0.01)))
        expectVerifiedCopies(of: names, in: local, outcomes: outcomes)
    }

    /// After an upload's closing reply its SIZE and digest request go out in one write; the
    /// next file's STOR never goes ahead (abandoned, it would empty that file on the server): a
    /// file that cannot be read leaves the server's copy of it as it was.
    @Test func anUploadsQuestionsGoOutTogetherAndNoStoreAhead() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("up/u1.bin", Data("the server's own".utf8))
        let names = (0..<3).map { "u\($0).bin" }
        for (index, name) in names.enumerated() where index != 1 { try local.write(name, sampleBytes(4_000 + index * 999, seed: UInt64(index))) }

        let outcomes = Outcomes()
        run(try uploads(names, from: local, to: fixture, outcomes: outcomes))
        #expect(fixture.server.commandsReadTogether.filter { $0.contains { $0.hasPrefix("SIZE") } } == [
            ["SIZE up/u0.bin", "HASH up/u0.bin"], ["SIZE up/u2.bin", "HASH up/u2.bin"],
        ])
        #expect(fixture.server.receivedCommands.filter { $0.hasPrefix("STOR") } == ["STOR up/u0.bin", "STOR up/u2.bin"])
        #expect(fixture.root.read("up/u1.bin") == Data("the server's own".utf8))
        for index in [0, 2] {
            #expect(fixture.root.read("up/u\(index).bin") == sampleBytes(4_000 + index * 999, seed: UInt64(index)))
            #expect(outcomes["u\(index).bin"]?.verified == .sha256)
        }
    }

    @Test func repliesInTransitOverlapInsteadOfAddingUp() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let names = try files(6, in: fixture)
        fixture.server.faults.delayReplies(by: 0.1, inTransit: true)
        var seconds: [Bool: Double] = [:]
        for pipelining in [false, true] {
            let local = try TemporaryDirectory()
            defer { local.remove() }
            let outcomes = Outcomes()
            seconds[pipelining] = run(try downloads(names, from: fixture, into: local, outcomes: outcomes, pipelining: pipelining))
            for (index, name) in names.enumerated() {
                #expect(local.read(name) == sampleBytes(5_000 + index * 777, seed: UInt64(index)))
                #expect(outcomes[name]?.verified == .sha256)
            }
        }
        // One at a time each file waits for four replies (EPSV, 150, 226, HASH); pipelined for
        // about one. The bound is loose because the machine is shared.
        let (alone, pipelined) = (seconds[false] ?? 0, seconds[true] ?? 0)
        #expect(pipelined < 0.7 * alone, "pipelined \(pipelined) s, one at a time \(alone) s")
    }

    /// A file's size and time cost one round trip: with every reply a second late, SIZE and MDTM
    /// together take about one delay, not two. A server that refuses the MDTM sent with SIZE is
    /// asked again one command at a time.
    @Test func sizeAndTimeAreAskedInOneRoundTrip() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.bin", sampleBytes(1234))
        let client = try fixture.client()
        defer { client.close() }
        let server = RemoteFileSystem(client: client)
        _ = try server.stat(RemotePath("f.bin"))
        fixture.server.faults.delayReplies(by: 1, inTransit: true)
        let start = ContinuousClock.now
        let facts = try server.stat(RemotePath("f.bin"))
        let elapsed = ContinuousClock.now - start
        #expect(facts?.size == 1234)
        #expect(facts?.modified != nil)
        #expect(elapsed < .milliseconds(1800), "\(elapsed) for SIZE and MDTM")

        fixture.server.faults.reset()
        fixture.server.faults.refusePipelinedCommands(true)
        fixture.server.clearReceivedCommands()
        let refused = try server.stat(RemotePath("f.bin"))
        #expect(refused?.size == 1234)
        #expect(refused?.modified != nil)
        #expect(fixture.server.receivedCommands == ["SIZE f.bin", "MDTM f.bin", "SIZE f.bin", "MDTM f.bin"])
        #expect(try server.stat(RemotePath("none.bin")) == nil)
    }

    /// A download with nothing known of its file (no listing facts: a LIST server's, or a file
    /// named alone) asks its size and time and its bytes in one write: one round trip a file,
    /// not two. Resumed (`continues`), the facts come first, since the offset depends on them.
    @Test func aDownloadAsksItsFactsAndItsBytesInOneWrite() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("f.bin", sampleBytes(40_000, seed: 7))
        let session = try fixture.session()
        defer { session.close() }
        _ = try session.connection()
        fixture.server.clearReceivedCommands()
        let outcome = try FileDownload(remotePath: "f.bin", localPath: local.file("f.bin")).run(on: session, retry: .never)
        #expect(local.read("f.bin") == sampleBytes(40_000, seed: 7))
        #expect(outcome.verified == .sha256)
        #expect(fixture.server.commandsReadTogether.contains(["SIZE f.bin", "MDTM f.bin", "EPSV", "RETR f.bin"]))
        // The RETR sent with the facts is the one taken up: none after it, none abandoned.
        #expect(fixture.server.receivedCommands.filter { $0 == "RETR f.bin" }.count == 1)
        #expect(!fixture.server.receivedCommands.contains("ABOR"))

        // A file of several blocks, the same.
        try fixture.root.write("h.bin", sampleBytes(700_000, seed: 9))
        _ = try FileDownload(remotePath: "h.bin", localPath: local.file("h.bin")).run(on: session, retry: .never)
        #expect(local.read("h.bin") == sampleBytes(700_000, seed: 9))
        #expect(fixture.server.commandsReadTogether.contains(["SIZE h.bin", "MDTM h.bin", "EPSV", "RETR h.bin"]))
        #expect(fixture.server.receivedCommands.filter { $0 == "RETR h.bin" }.count == 1)
        #expect(!fixture.server.receivedCommands.contains("ABOR"))

        fixture.server.faults.reset()
        fixture.server.clearReceivedCommands()
        try fixture.root.write("g.bin", sampleBytes(40_000, seed: 8))
        var resumed = FileDownload(remotePath: "g.bin", localPath: local.file("g.bin"))
        resumed.settings.continues = true
        _ = try resumed.run(on: session, retry: .never)
        #expect(local.read("g.bin") == sampleBytes(40_000, seed: 8))
        #expect(fixture.server.commandsReadTogether.contains(["SIZE g.bin", "MDTM g.bin"]))
        #expect(!fixture.server.commandsReadTogether.contains { $0.contains("SIZE g.bin") && $0.contains("RETR g.bin") })
    }

    /// Facts asked with the bytes and then not read (the caller asks something else first): the
    /// retrieval is opened and aborted in step, and the connection goes on.
    @Test func aRetrievalAskedWithTheFactsAndNotTakenUpIsAbandonedInStep() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.bin", sampleBytes(300_000, seed: 3))
        let client = try fixture.client()
        defer { client.close() }
        client.transferType = .binary
        let facts = try client.sizeAndModificationTime("f.bin", thenRetrieving: true)
        #expect(facts.size == 300_000)
        #expect(try client.pwd() == RemotePath("/"))
        #expect(fixture.server.receivedCommands.suffix(6) == ["SIZE f.bin", "MDTM f.bin", "EPSV", "RETR f.bin", "ABOR", "PWD"])
        var received = Data()
        try client.retrieve("f.bin") { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(300_000, seed: 3))
    }

    /// SIZE and MDTM replies that hold no value (or an absurd one) give no facts, never a
    /// made-up size or time: the folder's listing is asked instead.
    @Test func sizeAndTimeRepliesWithoutAValueFallBackToTheListing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.bin", sampleBytes(1234))
        let client = try fixture.client()
        defer { client.close() }
        for (size, time) in [("abc", "20261301999999"), ("18446744073709551616", "\u{1B}[2J"), ("-5", "")] {
            fixture.server.faults.script("SIZE", reply: .init(code: 213, text: size, times: 1))
            fixture.server.faults.script("MDTM", reply: .init(code: 213, text: time, times: 1))
            fixture.server.clearReceivedCommands()
            let facts = try RemoteFileSystem(client: client).stat(RemotePath("f.bin"))
            #expect(facts?.size == 1234, "SIZE \(size), MDTM \(time)")
            #expect(fixture.server.receivedCommands.contains("MLSD"))
        }
    }

    @Test func aServerThatRefusesPipelinedCommandsIsSentOneAtATime() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = try files(3, in: fixture)
        fixture.server.faults.refusePipelinedCommands(true)
        let outcomes = Outcomes()
        run(try downloads(names, from: fixture, into: local, outcomes: outcomes))

        expectVerifiedCopies(of: names, in: local, outcomes: outcomes)
        // USER, sent with FEAT, was refused and sent again alone; nothing went pipelined after that.
        let commands = fixture.server.receivedCommands
        #expect(commands.prefix(4) == ["FEAT", "USER alice", "USER alice", "PASS ****"])
        #expect(commands.filter { $0.hasPrefix("RETR") } == names.map { "RETR " + $0 })
        #expect(commands.filter { $0.hasPrefix("HASH") } == names.map { "HASH " + $0 })
    }

    @Test func aClientFallsBackWhenAPipelinedTransferIsRefused() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.bin", sampleBytes(3_000))
        let client = try fixture.client()
        defer { client.close() }
        // Login was one command at a time; from here on the server refuses what comes together.
        fixture.server.faults.refusePipelinedCommands(true)
        var received = Data()
        try client.retrieve("a.bin") { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(3_000))
        #expect(!client.pipelinesCommands)
        received = Data()
        try client.retrieve("a.bin", offset: 1000) { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(3_000)[1000...])
    }

    @Test func aRetrievalSentAheadAndNotTakenUpIsAbandonedInStep() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.bin", sampleBytes(3_000, seed: 1))
        try fixture.root.write("b.bin", sampleBytes(300_000, seed: 2))
        let client = try fixture.client()
        defer { client.close() }
        client.upcomingRetrieval = "b.bin"
        try client.retrieve("a.bin", digest: client.digestCommand) { _ in }
        // The unwanted RETR is opened and aborted before PWD goes out, every reply in its place.
        #expect(try client.pwd() == RemotePath("/"))
        #expect(fixture.server.receivedCommands.suffix(5) == ["HASH a.bin", "EPSV", "RETR b.bin", "ABOR", "PWD"])
        var received = Data()
        try client.retrieve("b.bin") { received.append(contentsOf: $0) }
        #expect(received == sampleBytes(300_000, seed: 2))
        let expected = ContentDigest(.sha256)
        expected.update(Array(sampleBytes(3_000, seed: 1)))
        #expect(try client.digest(of: "a.bin", using: #require(client.digestCommand)) == expected.finish())
        #expect(client.pipelinesCommands)
    }

    /// A retrieval sent ahead for a file gone meanwhile, and not taken up: its 550 is read in
    /// step and dropped, never the error of the command that came next.
    @Test func aRetrievalSentAheadForAFileGoneIsDroppedInStep() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("a.bin", sampleBytes(3_000, seed: 1))
        let client = try fixture.client()
        defer { client.close() }
        client.upcomingRetrieval = "gone.bin"
        try client.retrieve("a.bin", digest: client.digestCommand) { _ in }
        #expect(try client.pwd() == RemotePath("/"))
        #expect(fixture.server.receivedCommands.suffix(4) == ["HASH a.bin", "EPSV", "RETR gone.bin", "PWD"])
        #expect(client.pipelinesCommands)
    }

    @Test func aMissingFileIsStillNotFoundAndPipeliningStaysOn() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        #expect { try client.retrieve("missing.bin") { _ in } } throws: { ($0 as? FTPError)?.reply?.code.rawValue == 550 }
        #expect(client.pipelinesCommands)
        try client.noop()
    }
}

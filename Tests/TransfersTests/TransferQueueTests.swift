import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport
import Transfers

@Suite("Transfer queue")
struct TransferQueueTests {
    /// Events as they came, from any worker thread.
    final class Recorder: Sendable {
        private let events = Locked<[String]>([])
        func note(_ event: TransferEvent) {
            let text: String? = switch event {
            case .done(let id, _): "done \(id)"
            case .failed(let id, _): "failed \(id)"
            case .skipped(let id, _): "skipped \(id)"
            case .cancelled(let id): "cancelled \(id)"
            case .workerLeft: "worker left"
            case .connectionDeclined: "declined"
            default: nil
            }
            if let text { events.withLock { $0.append(text) } }
        }
        var all: [String] { events.withLock { $0 } }
    }

    private func downloads(_ fixture: ServerFixture, password: String = ServerFixture.password, into local: TemporaryDirectory, count: Int) throws -> [QueuedTransfer] {
        let endpoint = RemoteEndpoint(url: try FTPURL(fixture.url()), user: ServerFixture.user, password: password)
        return (0..<count).map { index in
            let job = JobRecord(kind: .download, source: "f\(index)", destination: local.file("f\(index)"))
            return QueuedTransfer(name: "f\(index).bin", job: job, endpoint: endpoint) { context in
                try FileDownload(remotePath: RemotePath("f\(index).bin"), localPath: local.file("f\(index)"))
                    .run(on: context.session, retry: .never, journal: context.journal, onProgress: context.onProgress)
            }
        }
    }

    @Test func workersThatCannotConnectHandTheirFilesBack() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<6 { try fixture.root.write("f\(index).bin", sampleBytes(50_000, seed: UInt64(index))) }
        fixture.server.faults.limitSessions(to: 2)
        let recorder = Recorder()
        let queue = TransferQueue(connections: 4, journal: nil, adoptedFrom: nil, stops: { _ in false }, onEvent: recorder.note)
        queue.enqueue(try downloads(fixture, into: local, count: 6))
        queue.close()
        let sessions = SessionPool()
        queue.run(on: sessions)
        sessions.close()
        #expect(recorder.all.filter { $0.hasPrefix("done") }.count == 6)
        #expect(recorder.all.contains("worker left"))
        for index in 0..<6 { #expect(local.read("f\(index)") == sampleBytes(50_000, seed: UInt64(index))) }
    }

    @Test func aRefusedLoginStopsTheQueueAndLeavesTheRestInTheJournal() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let journal = Journal(directory: local.file("journal"))
        let file = try journal.begin()
        let recorder = Recorder()
        let queue = TransferQueue(
            connections: 2, journal: file, adoptedFrom: nil, stops: { ($0 as? FTPError)?.kind == .loginRefused }, onEvent: recorder.note)
        queue.enqueue(try downloads(fixture, password: "wrong", into: local, count: 5))
        queue.close()
        queue.run(on: SessionPool())
        file.close()
        #expect((queue.stoppedBy as? FTPError)?.kind == .loginRefused)
        #expect(recorder.all.filter { $0.hasPrefix("failed") }.count <= 2)
        #expect(!recorder.all.contains { $0.hasPrefix("done") })
        #expect(journal.unfinishedJobs().count == 5)
    }

    @Test func aCancelledTransferNeverStartsAndLeavesTheJournal() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<3 { try fixture.root.write("f\(index).bin", sampleBytes(10_000)) }
        let journal = Journal(directory: local.file("journal"))
        let file = try journal.begin()
        let recorder = Recorder()
        let queue = TransferQueue(connections: 1, journal: file, adoptedFrom: nil, stops: { _ in false }, onEvent: recorder.note)
        let ids = queue.enqueue(try downloads(fixture, into: local, count: 3))
        queue.cancel(ids[1])
        queue.close()
        queue.run(on: SessionPool())
        file.close()
        // Cancelled while it waits, it ends at once, before the one running.
        #expect(recorder.all == ["cancelled 1", "done 0", "done 2"])
        #expect(!local.exists("f1"))
        #expect(journal.unfinishedJobs().isEmpty)
    }

    /// A queue allowed to grow adds workers while many transfers wait, one at a time; the first
    /// one a server turns away (here the second server of each transfer, which limits sessions)
    /// ends the growth without failing anything.
    @Test func aGrowingQueueStopsAtTheFirstConnectionTurnedAway() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let second = try ServerFixture()
        defer { second.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let count = 40
        for index in 0..<count { try fixture.root.write("f\(index).bin", sampleBytes(4096, seed: UInt64(index))) }
        fixture.server.faults.delayReplies(by: 0.005, inTransit: true)
        second.server.faults.limitSessions(to: 3)
        let companion = RemoteEndpoint(url: try FTPURL(second.url()), user: ServerFixture.user, password: ServerFixture.password)
        let transfers = try downloads(fixture, into: local, count: count).map { transfer in
            QueuedTransfer(name: transfer.name, job: transfer.job, endpoint: transfer.endpoint, companion: (companion, "second")) { context in
                try context.sessions.session(for: companion, role: "second").connection().noop()
                return try transfer.run(context)
            }
        }
        let recorder = Recorder()
        let queue = TransferQueue(connections: 2, mostConnections: 6, journal: nil, adoptedFrom: nil, stops: { _ in false }, onEvent: recorder.note)
        queue.enqueue(transfers)
        queue.close()
        let sessions = SessionPool()
        queue.run(on: sessions)
        sessions.close()
        #expect(recorder.all.filter { $0.hasPrefix("done") }.count == count, "\(recorder.all)")
        #expect(recorder.all.filter { $0 == "declined" }.count == 1)
        #expect(second.server.mostSessionsAtOnce == 3)
        #expect(fixture.server.mostSessionsAtOnce <= 4)
        for index in 0..<count { #expect(local.read("f\(index)") == sampleBytes(4096, seed: UInt64(index))) }
    }

    @Test func aStartedQueueTakesTransfersAsTheyCome() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<4 { try fixture.root.write("f\(index).bin", sampleBytes(20_000)) }
        let recorder = Recorder()
        let queue = TransferQueue(connections: 2, journal: nil, adoptedFrom: nil, stops: { _ in false }, onEvent: recorder.note)
        queue.start()
        let all = try downloads(fixture, into: local, count: 4)
        queue.enqueue(Array(all.prefix(2)))
        queue.enqueue(Array(all.suffix(2)))
        for _ in 0..<200 where recorder.all.count < 4 { usleep(20_000) }
        queue.close()
        #expect(Set(recorder.all) == ["done 0", "done 1", "done 2", "done 3"])
    }

    /// Downloads that leave their fsync and rename to the queue (as `mirror` does): each is done
    /// only once it is whole under its name — checked the moment the queue says so — verified
    /// by the server's digest, and gone from the journal.
    @Test func downloadsThatLeaveTheirCommitAreDoneOnlyOnceInPlace() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let count = 24
        for index in 0..<count { try fixture.root.write("f\(index).bin", sampleBytes(4096, seed: UInt64(index))) }
        let journal = Journal(directory: local.file("journal"))
        let file = try journal.begin()
        let checked = Locked<[Int: Bool]>([:])
        let queue = TransferQueue(connections: 4, journal: file, adoptedFrom: nil, stops: { _ in false }) { event in
            guard case .done(let id, let outcome) = event else { return }
            let whole = local.read("f\(id)") == sampleBytes(4096, seed: UInt64(id)) && !local.exists("f\(id).part")
            checked.withLock { $0[id] = whole && outcome.verified != nil }
        }
        queue.enqueue(try finishingLater(downloads(fixture, into: local, count: count)))
        queue.close()
        let sessions = SessionPool()
        queue.run(on: sessions)
        sessions.close()
        file.close()
        #expect(checked.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, true) }))
        #expect(journal.unfinishedJobs().isEmpty)
    }

    /// A file that cannot be put in place after its transfer (a folder holds its name): the
    /// transfer fails and stays in the journal, the name keeps the folder, and the complete
    /// bytes wait in `NAME.part` for a resume.
    @Test func aCommitThatFailsAfterTheTransferFailsItAndLeavesNoFileInPlace() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<2 { try fixture.root.write("f\(index).bin", sampleBytes(4096, seed: UInt64(index))) }
        try local.write("f1/inside", Data("a folder in the way".utf8))
        let journal = Journal(directory: local.file("journal"))
        let file = try journal.begin()
        let recorder = Recorder()
        let queue = TransferQueue(connections: 1, journal: file, adoptedFrom: nil, stops: { _ in false }, onEvent: recorder.note)
        queue.enqueue(try finishingLater(downloads(fixture, into: local, count: 2)))
        queue.close()
        queue.run(on: SessionPool())
        file.close()
        // Their last steps run side by side: either may be told first.
        #expect(Set(recorder.all) == ["done 0", "failed 1"])
        #expect(local.read("f0") == sampleBytes(4096, seed: 0))
        #expect(local.read("f1/inside") == Data("a folder in the way".utf8))
        #expect(local.read("f1.part") == sampleBytes(4096, seed: 1))
        // A child another test spawns meanwhile holds a copy of the journal's descriptor, and so
        // its lock, until it execs: the stopped batch's file is asked for again for a moment.
        var unfinished = journal.unfinishedJobs()
        for _ in 0..<50 where unfinished.isEmpty {
            usleep(20_000)
            unfinished = journal.unfinishedJobs()
        }
        #expect(unfinished.map(\.record.destination) == [local.file("f1")])
    }

    /// The downloads of `downloads(…)`, each leaving its fsync and rename to the queue.
    private func finishingLater(_ transfers: [QueuedTransfer]) -> [QueuedTransfer] {
        transfers.enumerated().map { index, transfer in
            QueuedTransfer(name: transfer.name, job: transfer.job, endpoint: transfer.endpoint) { context in
                var download = FileDownload(remotePath: RemotePath("f\(index).bin"), localPath: transfer.job.destination)
                download.finishing = context.finishing
                return try download.run(on: context.session, retry: .never, journal: context.journal, onProgress: context.onProgress)
            }
        }
    }
}

@Suite("Progress meter")
struct ProgressMeterTests {
    @Test func reportsAtMostTenTimesASecondButAlwaysTheEnd() {
        var meter = ProgressMeter()
        func progress(_ bytes: UInt64) -> TransferProgress { TransferProgress(name: "f", completedBytes: bytes, totalBytes: 1000) }
        #expect(meter.update(progress(0), now: 10) != nil)
        #expect(meter.update(progress(50), now: 10.05) == nil)
        let report = meter.update(progress(100), now: 10.1)
        #expect(report?.bytes == 100)
        #expect(abs((report?.bytesPerSecond ?? 0) - 1000) < 1)
        #expect(abs((report?.secondsLeft ?? 0) - 0.9) < 0.01)
        #expect(meter.update(progress(1000), now: 10.12) != nil)
    }

    @Test func theRateIsSmoothedAndAResumeIsNotCountedAsSpeed() {
        var meter = ProgressMeter()
        let resumed = TransferProgress(name: "f", completedBytes: 5_000_000, totalBytes: 10_000_000, resumedFrom: 5_000_000)
        _ = meter.update(resumed, now: 0)
        var progress = resumed
        progress.completedBytes += 100_000
        let first = meter.update(progress, now: 1)
        #expect(abs((first?.bytesPerSecond ?? 0) - 100_000) < 1)
        // A burst moves the smoothed rate only part of the way.
        progress.completedBytes += 1_000_000
        let second = meter.update(progress, now: 2)
        let rate = second?.bytesPerSecond ?? 0
        #expect(rate > 100_000 && rate < 1_000_000)
    }
}

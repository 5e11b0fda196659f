import Foundation
import Testing
import TestSupport
import Transfers

@Suite("Journal")
struct JournalTests {
    private let record = JobRecord(kind: .download, source: "ftp://alice@127.0.0.1:2121/f.bin", destination: "/tmp/f.bin")

    @Test func aBatchThatEndsEveryJobLeavesNoFile() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let journal = Journal(directory: folder.file("journal"))
        let file = try journal.begin()
        let entry = file.add(record)
        entry.began(SourceStamp(size: 10, modified: 5 as Int64))
        entry.ended()
        file.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: journal.directory).isEmpty)
    }

    /// The commander's "continue" within one run: a job that failed is taken over with its
    /// stamp; one still running, or one for another file, is not.
    @Test func aFailedJobOfTheRunningBatchIsTakenOverWithItsStamp() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let journal = Journal(directory: folder.file("journal"))
        let file = try journal.begin()
        defer { file.close() }
        let stamp = SourceStamp(size: 10, modified: 5 as Int64)
        let running = file.add(record)
        running.began(stamp)
        #expect(file.takeOver(record) == nil)
        running.failed("426 cut")
        let other = JobRecord(kind: .download, source: record.source, destination: "/tmp/elsewhere")
        #expect(file.takeOver(other) == nil)
        #expect(file.takeOver(record) == stamp)
        // Taken over, it is over: nobody takes it twice.
        #expect(file.takeOver(record) == nil)
        #expect(file.writeFailure == nil)
    }

    @Test func unfinishedJobsOfAStoppedBatchCanBeListedAndAdopted() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let journal = Journal(directory: folder.file("journal"))
        let file = try journal.begin()
        let stamp = SourceStamp(size: 10, modified: 5 as Int64)
        file.add(record).began(stamp)
        let other = JobRecord(kind: .upload, source: "/tmp/u", destination: "ftp://h/u")
        file.add(other).failed("550 no")
        // While the batch runs, it holds its file: nobody else sees its jobs.
        #expect(journal.unfinishedJobs().isEmpty)
        file.close()
        let jobs = journal.unfinishedJobs()
        #expect(jobs.map(\.record) == [record, other])
        #expect(jobs[0].stamp == stamp && jobs[1].stamp == nil)
        #expect(jobs[1].lastError == "550 no")
        // A new job for the same file takes over the stopped one, and its stamp.
        var again = record
        again.overwrite = "resume"
        #expect(journal.adopt([again]) == [again: stamp])
        #expect(journal.unfinishedJobs().map(\.record) == [other])
        #expect(journal.adopt([other]).isEmpty)
        #expect(journal.unfinishedJobs().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: journal.directory).isEmpty)
    }

    @Test func aTornLastLineAndForeignLinesAreSkipped() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let journal = Journal(directory: folder.file("journal"))
        let file = try journal.begin()
        file.add(record)
        file.close()
        let path = try #require(try FileManager.default.contentsOfDirectory(atPath: journal.directory).first)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal.directory + "/" + path))
        handle.seekToEndOfFile()
        handle.write(Data("not json\n\u{0}\u{FF}\n{\"end\":".utf8))
        try handle.close()
        #expect(journal.unfinishedJobs().map(\.record) == [record])
    }

    /// Names with quotation marks, backslashes, control characters, slashes and letters beyond
    /// ASCII, a policy, a stamp without a time and an error on several lines: read back as
    /// written.
    @Test func everyFieldReadsBackAsWritten() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let journal = Journal(directory: folder.file("journal"))
        let file = try journal.begin()
        let odd = JobRecord(
            kind: .copy, source: "ftp://h/\"quoted\" back\\slash\u{1}\u{1F}\t/ünï€😀", destination: "ftp://h2/a\nb\r/c",
            ascii: true, overwrite: "resume")
        let stamp = SourceStamp(size: UInt64.max, modified: Int64.min)
        file.add(odd).began(stamp)
        let plain = file.add(record)
        plain.began(SourceStamp(size: 3, modified: nil as Int64?))
        plain.failed("550 \"no\"\r\n\u{0}second line")
        let done = file.add(record)
        done.ended()
        file.close()
        let jobs = journal.unfinishedJobs()
        #expect(jobs.map(\.record) == [odd, record])
        #expect(jobs.map(\.stamp) == [stamp, SourceStamp(size: 3, modified: nil as Int64?)])
        #expect(jobs.map(\.lastError) == [nil, "550 \"no\"\r\n\u{0}second line"])
    }

    @Test func theStandardFolderFollowsXDGStateHome() {
        #expect(Journal.standard(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]).directory == "/s/ferry/journal")
        #expect(Journal.standard(environment: ["HOME": "/h"]).directory == "/h/.local/state/ferry/journal")
        #expect(Journal.standard(environment: ["XDG_STATE_HOME": "relative", "HOME": "/h"]).directory == "/h/.local/state/ferry/journal")
    }
}

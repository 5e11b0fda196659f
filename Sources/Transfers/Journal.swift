import Foundation
import Net

/// One transfer as the journal keeps it: what goes where. Never holds a password: URLs are
/// written without one.
public struct JobRecord: Codable, Sendable, Hashable {
    /// Which way the bytes go.
    public enum Kind: String, Codable, Sendable {
        /// From a server to a local file.
        case download
        /// From a local file to a server.
        case upload
        /// From a server to a server.
        case copy
    }

    public var kind: Kind
    /// A URL without password (download, copy) or an absolute local path (upload).
    public var source: String
    /// An absolute local path (download) or a URL without password (upload, copy).
    public var destination: String
    /// Whether the transfer is in ASCII mode.
    public var ascii: Bool

    /// The `--overwrite` policy the job ran with, applied again when it is resumed.
    public var overwrite: String?

    public init(kind: Kind, source: String, destination: String, ascii: Bool = false, overwrite: String? = nil) {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.ascii = ascii
        self.overwrite = overwrite
    }

}

/// A job that no running Ferry finished: its record, the stamp of its source when it began
/// writing (nil if it never did), and its last error.
public struct UnfinishedJob: Sendable, Equatable {
    public var record: JobRecord
    public var stamp: SourceStamp?
    public var lastError: String?
}

/// The transfer journal: a folder of files, one per running batch, each a line of JSON per
/// change (a job added, begun with its source's stamp, ended, failed). A batch holds an
/// exclusive `flock` on its file while it runs, so a file nobody holds belongs to a batch
/// that stopped — by its end, a crash or `kill -9` — and its unfinished jobs can be taken
/// over. Writes are appended whole lines: a torn last line after a kill is skipped on reading.
/// Two Ferry processes never write one file.
public final class Journal: Sendable {
    /// The folder of journal files.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$XDG_STATE_HOME/ferry/journal`, by default `~/.local/state/ferry/journal`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> Journal {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return Journal(directory: state + "/ferry/journal")
    }

    /// Starts a journal file for this process's jobs, held until `close()`.
    public func begin() throws -> JournalFile {
        try makeFolder()
        let name = "\(Int(Date().timeIntervalSince1970 * 1000))-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        let path = directory + "/" + name
        // Made under a name `abandoned()` passes by, and given its own once locked: seen
        // unlocked for a moment, an empty journal would be taken for a stopped batch's, and
        // removed or adopted by another ferry starting at the same time.
        let unlockedPath = path + ".new"
        let descriptor = open(unlockedPath, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw LocalFileError(path: path, action: "cannot create the journal") }
        func failure(_ action: String) -> LocalFileError {
            let error = LocalFileError(path: path, action: action)
            unlink(unlockedPath)
            Glibc.close(descriptor)
            return error
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw failure("cannot lock the journal") }
        guard rename(unlockedPath, path) == 0 else { throw failure("cannot name the journal") }
        return JournalFile(path: path, descriptor: descriptor)
    }

    /// The journal files that no running process holds and that still have unfinished jobs,
    /// each locked for the caller until it is discarded or released. Empty files of stopped
    /// batches are removed on the way.
    public func abandoned() -> [AbandonedJournal] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var result: [AbandonedJournal] = []
        for name in names where name.hasSuffix(".jsonl.new") { Self.removeIfStale(directory + "/" + name) }
        for name in names.sorted() where name.hasSuffix(".jsonl") {
            let path = directory + "/" + name
            // This process's own running batches: held, and not worth a lock's retries.
            if JournalFile.isOpenHere(path) { continue }
            let descriptor = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { continue }
            // Unless a running batch (of another process) holds it.
            guard ExclusiveLock.take(descriptor) == 0 else {
                Glibc.close(descriptor)
                continue
            }
            let journal = AbandonedJournal(path: path, descriptor: descriptor, jobs: JournalReader.unfinishedJobs(descriptor))
            if journal.jobs.isEmpty {
                journal.discard()
            } else {
                result.append(journal)
            }
        }
        return result
    }

    /// Removes a journal file left unnamed (`begin()` stopped between making and naming it: a
    /// crash) once it is a minute old: until it is locked a live one cannot say it is in use.
    private static func removeIfStale(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0, time(nil) - status.st_mtim.tv_sec > 60 else { return }
        unlink(path)
    }

    /// The unfinished jobs of stopped batches, without taking them over.
    public func unfinishedJobs() -> [UnfinishedJob] {
        let journals = abandoned()
        defer { journals.forEach { $0.release() } }
        return journals.flatMap { $0.jobs.map(\.job) }
    }

    /// Takes over the stopped jobs that were writing these records' destinations from their
    /// sources: they leave their journal files, and their stamps are returned so that the
    /// caller may continue what they wrote. Records without such a job are not in the result.
    public func adopt(_ records: [JobRecord]) -> [JobRecord: SourceStamp] {
        let wanted = Dictionary(records.map { (Route($0), $0) }, uniquingKeysWith: { first, _ in first })
        var stamps: [JobRecord: SourceStamp] = [:]
        for journal in abandoned() {
            var taken: [Int] = []
            for (id, job) in journal.jobs.reversed() {
                guard let record = wanted[Route(job.record)] else { continue }
                // The older jobs for the same file are over too: this one replaces them.
                taken.append(id)
                if stamps[record] == nil, let stamp = job.stamp { stamps[record] = stamp }
            }
            journal.end(taken)
            journal.release()
        }
        return stamps
    }

    private func makeFolder() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LocalFileError(path: directory, action: "cannot make the journal folder")
        }
    }
}

/// What makes two records the same file's transfer.
private struct Route: Hashable {
    let kind: JobRecord.Kind
    let source: String
    let destination: String

    init(_ record: JobRecord) {
        kind = record.kind
        source = record.source
        destination = record.destination
    }
}

/// The journal file of a running batch: jobs are added, begun, ended and failed from any
/// thread. When the batch closes it, the file goes if every job ended; otherwise it stays for
/// `ferry resume`.
///
/// A line that cannot be written (a full disk, an I/O error) does not stop the transfer it
/// records: the files still arrive whole and verified, and only a crash could not be resumed,
/// or `ferry resume` might offer a job that is done. So the first such failure is kept
/// (`writeFailure`) for the batch to warn about, and its exit status is left to its transfers.
public final class JournalFile: Sendable {
    /// Where the file is.
    public let path: String
    private let state: Locked<State>

    private struct State {
        var descriptor: Int32
        var nextID = 1
        var open: Set<Int> = []
        /// The open jobs' records, the stamps of those that began, and which of them failed.
        var records: [Int: JobRecord] = [:]
        var stamps: [Int: SourceStamp] = [:]
        var failed: Set<Int> = []
        var writeFailure: LocalFileError?
    }

    /// The paths of the journal files this process has open.
    private static let openHere = Locked<Set<String>>([])

    /// Whether this process has the file at `path` open for a running batch.
    static func isOpenHere(_ path: String) -> Bool {
        openHere.withLock { $0.contains(path) }
    }

    init(path: String, descriptor: Int32) {
        self.path = path
        state = Locked(State(descriptor: descriptor))
        Self.openHere.withLock { _ = $0.insert(path) }
    }

    deinit { close() }

    /// Records a job; `stamp` when it continues bytes an earlier job wrote for that source.
    @discardableResult
    public func add(_ record: JobRecord, stamp: SourceStamp? = nil) -> JournalEntry {
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.open.insert(id)
            state.records[id] = record
            return id
        }
        write(JournalLine(add: JournalLine.Added(id: id, record: record)))
        if let stamp { write(JournalLine(start: JournalLine.Started(id: id, stamp: stamp))) }
        return JournalEntry(file: self, id: id)
    }

    /// Takes over the latest job of this file that failed writing `record`'s destination from
    /// its source: it ends, and its source's stamp is returned (nil if it never began writing),
    /// so that the caller may continue what it wrote. Nil when there is no such job.
    public func takeOver(_ record: JobRecord) -> SourceStamp? {
        let route = Route(record)
        let taken = state.withLock { state -> (id: Int, stamp: SourceStamp?)? in
            guard let id = state.failed.filter({ state.records[$0].map(Route.init) == route }).max() else { return nil }
            return (id, state.stamps[id])
        }
        guard let taken else { return nil }
        write(JournalLine(end: taken.id))
        return taken.stamp
    }

    /// The first line that could not be written, if one could not: the journal is then not to
    /// be trusted for this batch.
    public var writeFailure: LocalFileError? { state.withLock { $0.writeFailure } }

    /// Closes the file, removing it when no job is left unfinished.
    public func close() {
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            if state.open.isEmpty { unlink(path) }
            Glibc.close(state.descriptor)
            state.descriptor = -1
            Self.openHere.withLock { _ = $0.remove(path) }
        }
    }

    fileprivate func write(_ line: JournalLine) {
        var bytes = line.encoded()
        bytes.append(UInt8(ascii: "\n"))
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            if let started = line.start { state.stamps[started.id] = started.stamp }
            if let failed = line.fail { state.failed.insert(failed.id) }
            if let ended = line.end {
                state.open.remove(ended)
                state.records[ended] = nil
                state.stamps[ended] = nil
                state.failed.remove(ended)
            }
            // One write of a whole line to a file opened for appending; a short one (a full
            // disk) leaves a torn line, which reading skips.
            let written = bytes.withUnsafeBytes { Glibc.write(state.descriptor, $0.baseAddress, $0.count) }
            if written != bytes.count, state.writeFailure == nil {
                state.writeFailure = LocalFileError(path: path, action: "cannot write the journal", errno: written < 0 ? errno : ENOSPC)
            }
        }
    }
}

/// One job's place in a journal file.
public struct JournalEntry: Sendable {
    let file: JournalFile
    let id: Int

    /// The job begins writing its destination, from a source with this stamp.
    public func began(_ stamp: SourceStamp) {
        file.write(JournalLine(start: JournalLine.Started(id: id, stamp: stamp)))
    }

    /// The job is over (done, or skipped): it leaves the journal.
    public func ended() {
        file.write(JournalLine(end: id))
    }

    /// The job failed; it stays for `ferry resume`.
    public func failed(_ reason: String) {
        file.write(JournalLine(fail: JournalLine.Failed(id: id, error: reason)))
    }
}

/// A journal file of a batch that stopped, locked by this process until it is discarded or
/// released.
public final class AbandonedJournal: @unchecked Sendable {
    // @unchecked: the descriptor is closed once, by whichever of discard and release comes first.
    /// Where the file is.
    public let path: String
    /// Its unfinished jobs, by their number in the file.
    let jobs: [(id: Int, job: UnfinishedJob)]
    private var descriptor: Int32

    init(path: String, descriptor: Int32, jobs: [(id: Int, job: UnfinishedJob)]) {
        self.path = path
        self.descriptor = descriptor
        self.jobs = jobs
    }

    deinit { release() }

    /// Removes the file: its jobs were taken over (or given up).
    public func discard() {
        guard descriptor >= 0 else { return }
        unlink(path)
        release()
    }

    /// Lets the file go for others to take.
    public func release() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// Marks jobs ended; removes the file once none is left.
    func end(_ ids: [Int]) {
        guard descriptor >= 0, !ids.isEmpty else { return }
        let ended = Set(ids)
        if jobs.allSatisfy({ ended.contains($0.id) }) {
            discard()
            return
        }
        var bytes: [UInt8] = []
        for id in ids {
            bytes += JournalLine(end: id).encoded()
            bytes.append(UInt8(ascii: "\n"))
        }
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// One line of a journal file: exactly one of its fields is set.
struct JournalLine: Codable {
    struct Added: Codable {
        var id: Int
        var record: JobRecord
    }

    struct Started: Codable {
        var id: Int
        var stamp: SourceStamp
    }

    struct Failed: Codable {
        var id: Int
        var error: String
    }

    var add: Added?
    var start: Started?
    var end: Int?
    var fail: Failed?

    /// The line as JSON, without its line feed: what `JSONEncoder` with sorted keys writes,
    /// written directly, since a batch writes three lines a file and the encoder's generic
    /// machinery cost more than a small file's transfer. Read back with `JSONDecoder`.
    func encoded() -> [UInt8] {
        var json = JSONText()
        json.object { json in
            if let add {
                json.key("add")
                json.object { json in
                    json.key("id")
                    json.number(add.id)
                    json.key("record")
                    json.object { json in
                        let record = add.record
                        json.key("ascii")
                        json.bool(record.ascii)
                        json.key("destination")
                        json.string(record.destination)
                        json.key("kind")
                        json.string(record.kind.rawValue)
                        if let overwrite = record.overwrite {
                            json.key("overwrite")
                            json.string(overwrite)
                        }
                        json.key("source")
                        json.string(record.source)
                    }
                }
            }
            if let end {
                json.key("end")
                json.number(end)
            }
            if let fail {
                json.key("fail")
                json.object { json in
                    json.key("error")
                    json.string(fail.error)
                    json.key("id")
                    json.number(fail.id)
                }
            }
            if let start {
                json.key("start")
                json.object { json in
                    json.key("id")
                    json.number(start.id)
                    json.key("stamp")
                    json.object { json in
                        if let modified = start.stamp.modified {
                            json.key("modified")
                            json.number(modified)
                        }
                        if let size = start.stamp.size {
                            json.key("size")
                            json.number(size)
                        }
                    }
                }
            }
        }
        return json.bytes
    }
}

/// JSON written a token at a time, commas placed by itself: objects of keys, strings, integers
/// and booleans, as much as a journal line holds.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    /// Whether the next member of the open object is its first (no comma before it).
    private var first = true

    init() { bytes.reserveCapacity(256) }

    /// An object; `members` adds its keys and values.
    mutating func object(_ members: (inout JSONText) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        first = true
        members(&self)
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    /// The key of the next member.
    mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func number<Number: BinaryInteger>(_ value: Number) {
        bytes += String(value).utf8
        first = false
    }

    mutating func bool(_ value: Bool) {
        bytes += (value ? "true" : "false").utf8
        first = false
    }

    /// A string, with the quotation mark, the backslash and control characters escaped; the
    /// rest as its UTF-8.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += #"\""#.utf8
            case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
            case UInt8(ascii: "\n"): bytes += #"\n"#.utf8
            case UInt8(ascii: "\r"): bytes += #"\r"#.utf8
            case UInt8(ascii: "\t"): bytes += #"\t"#.utf8
            case 0..<0x20: bytes += (#"\u00"# + Hexadecimal.string([byte])).utf8
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        first = false
    }
}

/// Reads a journal file back: bounded, and tolerant of a torn or foreign line.
enum JournalReader {
    /// The most a journal file is read.
    static let maximumBytes = 512 * 1024 * 1024

    /// The jobs added and not ended, in the order they were added.
    static func unfinishedJobs(_ descriptor: Int32) -> [(id: Int, job: UnfinishedJob)] {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { return [] }
        var data = Data()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while data.count < maximumBytes {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        var order: [Int] = []
        var jobs: [Int: UnfinishedJob] = [:]
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let parsed = try? decoder.decode(JournalLine.self, from: line) else { continue }
            if let added = parsed.add, jobs[added.id] == nil {
                order.append(added.id)
                jobs[added.id] = UnfinishedJob(record: added.record, stamp: nil, lastError: nil)
            } else if let started = parsed.start {
                jobs[started.id]?.stamp = started.stamp
            } else if let failed = parsed.fail {
                jobs[failed.id]?.lastError = failed.error
            } else if let ended = parsed.end {
                jobs[ended] = nil
            }
        }
        return order.compactMap { id in jobs[id].map { (id, $0) } }
    }
}

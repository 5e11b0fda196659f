import ArgumentParser
import Foundation
import FTP
import FTPWire
import Synchronization
import Transfers

/// The options `get` and `put` share.
struct TransferOptions: ParsableArguments {
    @Flag(name: .short, help: "Continue partial transfers (get: from LOCAL.part or a shorter LOCAL; put: from the remote size).")
    var `continue` = false

    @Flag(name: [.customShort("a"), .long], help: "Transfer in ASCII mode (text with CRLF on the wire).")
    var ascii = false

    @Flag(name: [.short, .long], help: "Copy folders with all inside.")
    var recursive = false

    @Option(name: .long, help: ArgumentHelp(
        "When the destination exists: overwrite (the default), resume (as -c), skip, rename (to NAME.1, …), newer, different.",
        valueName: "POLICY"))
    var overwrite: String?

    func validate() throws {
        guard let overwrite else { return }
        guard let policy = OverwritePolicy(rawValue: overwrite) else {
            throw ValidationError("--overwrite takes one of: \(OverwritePolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if self.continue, policy != .resume { throw ValidationError("-c continues partial files: it cannot go with --overwrite \(overwrite)") }
    }

    /// What to do with destinations that exist.
    var overwritePolicy: OverwritePolicy {
        overwrite.flatMap(OverwritePolicy.init(rawValue:)) ?? (self.continue ? .resume : .overwrite)
    }

    /// The transfer type these options ask for.
    var transferType: FTPClient.TransferType { ascii ? .ascii : .binary }
}

/// Thrown by a batch file's transfer that decided not to copy (`--overwrite skip`, …): not a failure.
struct TransferSkipped: Error {
    let reason: String
}

extension OverwritePolicy {
    /// Where a copy goes, given the facts of the destination already there: the suffix to add
    /// to its name (empty for the name itself) and whether to continue it. Throws
    /// `TransferSkipped` when the copy is not to be made. `source` is asked only by the policies
    /// that compare, `isFree` (of a suffix) only by `rename`.
    func place(over existing: FileFacts, source: () throws -> FileFacts, isFree: (String) throws -> Bool) throws -> (suffix: String, continues: Bool) {
        let facts = self == .newer || self == .different ? try source() : FileFacts(size: nil, modified: nil)
        switch decision(source: facts, destination: existing) {
        case .skip(let reason):
            throw TransferSkipped(reason: reason)
        case .copy(let continues):
            return ("", continues)
        case .rename:
            guard let suffix = try Self.freeSuffix(isFree: isFree) else {
                throw FTPError(kind: .protocolViolation, detail: "no free name beside the destination (up to .9999)")
            }
            return (suffix, false)
        }
    }
}

/// The options of commands that run batches of transfers: `get`, `put` and `mirror`.
struct BatchOptions: ParsableArguments {
    @Option(name: [.customShort("P"), .long], help: "Connections for transfers (default: 4 for several files, 1 for one).")
    var parallel: Int?

    @Flag(name: .long, help: "Draw no progress line.")
    var noProgress = false

    @Flag(name: .long, help: "Print one JSON object per file on standard output (NDJSON).")
    var json = false

    @Flag(name: .customLong("no-verify"), help: "Do not compare the server's digest of each file (HASH, XSHA256, XMD5, XCRC).")
    var noVerify = false

    func validate() throws {
        if let parallel, !(1...32).contains(parallel) { throw ValidationError("--parallel must be from 1 to 32") }
    }

    /// How many connections transfer `count` files at once.
    func connections(for count: Int) -> Int {
        max(1, min(parallel ?? (count > 1 ? 4 : 1), count))
    }

    /// Whether transfers compare the server's digest.
    var verifies: Bool { !noVerify }
}

/// Which names a walk through folders takes: `get -r`, `put -r` and `mirror`.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Leave out files and folders whose name matches (repeatable).", valueName: "GLOB"))
    var exclude: [String] = []

    @Option(name: .long, help: ArgumentHelp("Copy only files whose name matches (repeatable; folders are always walked).", valueName: "GLOB"))
    var include: [String] = []

    /// Whether any filter was given.
    var isEmpty: Bool { exclude.isEmpty && include.isEmpty }

    /// The filter of a walk through folders.
    var filter: WalkFilter { WalkFilter(excluded: exclude, included: include) }
}

/// The connections of one worker (or of a command's planning), one per site, opened on first
/// use and closed together; used by one thread at a time.
final class SessionPool: @unchecked Sendable {
    // @unchecked: a pool belongs to one worker thread, or to the command's main thread.
    private var sessions: [String: RemoteSession] = [:]

    /// The session for a server, made on first use; a `role` other than the default asks for a
    /// connection apart (the destination of a copy within one server).
    func session(for endpoint: RemoteEndpoint, role: String = "") -> RemoteSession {
        let key = endpoint.site + (role.isEmpty ? "" : " " + role)
        if let session = sessions[key] { return session }
        let session = RemoteSession(endpoint: endpoint)
        sessions[key] = session
        return session
    }

    /// Says goodbye on every connection.
    func close() {
        sessions.values.forEach { $0.close() }
        sessions = [:]
    }
}

/// One file of a copy between a server and the local disk: the server's path and the local path.
struct FileCopy {
    let remote: RemotePath
    let local: String
}

/// One file of a `get` or `put`: its name to show, what to say when it fails, the server, the
/// journal's record of it, and the transfer itself, given what the batch provides.
struct BatchFile: Sendable {
    let name: String
    let failing: String
    let endpoint: RemoteEndpoint
    let job: JobRecord
    let transfer: @Sendable (BatchContext) throws -> TransferOutcome
}

/// What a batch gives one file's transfer: a session, the file's place in the journal, the
/// stamp of a source an earlier job was writing this file from, and the callbacks.
struct BatchContext {
    let session: RemoteSession
    /// The worker's sessions, for a transfer that needs a second server.
    let sessions: SessionPool
    let journal: JournalEntry?
    let ownedStamp: SourceStamp?
    let onRetry: (any Error, Double) -> Void
    let onProgress: (TransferProgress) -> Void
}

extension RemoteEndpoint {
    /// Which connections can serve this endpoint: the same security, user and password on the
    /// same server.
    var site: String {
        var plain = url
        plain.user = user
        plain.path = ""
        return plain.description + (requiresTLS ? " tls" : "") + " \(password.hashValue)"
    }
}

/// Runs the files of one `get` or `put` over one or more connections, each file on one of them,
/// with one progress line, and decides the exit status: a lone file's failure is the command's;
/// among several, the others go on and the command ends with exit 1, unless the failure is one
/// no other file would escape (login refused, connection or TLS failure), which stops the batch.
/// Every file is in the journal from the start until it is done, so that `ferry resume` can
/// finish what a stopped batch left; with `--json` each file's outcome is a line on stdout.
final class TransferBatch: Sendable {
    private let count: Int
    private let noun: String
    private let progress: ProgressLine
    private let report: BatchReport
    private let journal: JournalFile?
    private let state = Mutex(State())

    private struct State {
        var next = 0
        /// Files handed back by a worker that could not connect, to go first.
        var returned: [Int] = []
        var failures = 0
        var fatal: Failure?
        /// Workers still taking files.
        var workers = 0
    }

    init(count: Int, noun: String, options: BatchOptions, connections: Int) {
        self.count = count
        self.noun = noun
        progress = ProgressLine(enabled: !options.noProgress, files: count, workers: connections)
        report = BatchReport(json: options.json)
        do {
            journal = try Journal.standard().begin()
        } catch {
            journal = nil
            progress.say("ferry: \(Sanitizer.visible("\(error)")); this batch is not journalled, and cannot be resumed after a crash")
        }
    }

    /// Runs `files` over `connections` connections: the first on this thread with `sessions`
    /// (where it adds those it opens, for the caller to close), the others on threads of their own.
    func run(_ files: [BatchFile], connections: Int, sessions: SessionPool) {
        // Stopped jobs for the same files are replaced by these; what they wrote for the same
        // source may be continued.
        let stamps = Journal.standard().adopt(files.map(\.job))
        let entries = files.map { journal?.add($0.job, stamp: stamps[$0.job]) }
        state.withLock { $0.workers = max(1, connections) }
        let group = DispatchGroup()
        for worker in 1..<max(1, connections) {
            group.enter()
            let thread = Thread { [self] in
                let own = SessionPool()
                work(files, entries: entries, stamps: stamps, worker: worker, sessions: own)
                own.close()
                group.leave()
            }
            thread.name = "ferry-transfer-\(worker)"
            thread.start()
        }
        work(files, entries: entries, stamps: stamps, worker: 0, sessions: sessions)
        group.wait()
    }

    /// Counts a file that failed before its transfer could start, saying why.
    func fail(_ reason: String) {
        progress.say("ferry: " + reason)
        report.failed(nil, reason)
        state.withLock { $0.failures += 1 }
    }

    /// Fails with the batch's stopping failure, or with exit 1 if any file failed.
    func finish() throws {
        progress.end()
        journal?.close()
        let (fatal, failures) = state.withLock { ($0.fatal, $0.failures) }
        if let fatal { throw fatal }
        if failures > 0 { throw Failure(.someTransfersFailed, "\(failures) of \(count) \(noun) failed") }
    }

    /// Takes files one by one until none is left or the batch stopped. A worker that cannot
    /// connect (servers limit connections per client) hands its file back and stops, unless it
    /// is the last one: then the file fails as any other would.
    private func work(
        _ files: [BatchFile], entries: [JournalEntry?], stamps: [JobRecord: SourceStamp], worker: Int, sessions: SessionPool
    ) {
        while let index = takeNext(of: files.count) {
            let (file, entry) = (files[index], entries[index])
            let session = sessions.session(for: file.endpoint)
            if !session.isConnected {
                do {
                    _ = try session.connection()
                } catch {
                    // A refused login or certificate is the same on every connection: no hand-back.
                    let kind = (error as? FTPError)?.kind
                    if kind != .loginRefused, kind != .tls, handBack(index) {
                        progress.say("ferry: a transfer connection failed (\(error)); going on with fewer")
                        return
                    }
                }
            }
            let context = BatchContext(
                session: session, sessions: sessions, journal: entry, ownedStamp: stamps[file.job],
                onRetry: { [progress] error, wait in
                    progress.say("ferry: \(Sanitizer.visible(file.name)): \(error); retrying in \(Formatting.duration(wait))")
                },
                onProgress: { [progress] in progress.update($0, worker: worker) })
            do {
                let outcome = try file.transfer(context)
                progress.fileEnded(worker: worker)
                entry?.ended()
                report.done(file.job, outcome)
            } catch let skipped as TransferSkipped {
                progress.fileEnded(worker: worker)
                progress.say("ferry: \(Sanitizer.visible(file.name)): skipped, \(skipped.reason)")
                entry?.ended()
                report.skipped(file.job)
            } catch {
                progress.fileEnded(worker: worker)
                let failure = Failure(error, while: file.failing)
                entry?.failed(failure.reason)
                report.failed(file.job, failure.reason)
                record(failure)
            }
        }
    }

    /// Returns a file to the batch for the other workers and stops this one; false (keep it)
    /// when no other worker is left.
    private func handBack(_ index: Int) -> Bool {
        state.withLock { state in
            guard state.workers > 1 else { return false }
            state.workers -= 1
            state.returned.append(index)
            return true
        }
    }

    /// The next file for a worker; nil (and the worker counted out, in the same step, so that
    /// no file is handed back to a batch without workers) when there is none.
    private func takeNext(of total: Int) -> Int? {
        state.withLock { state in
            if state.fatal == nil {
                if !state.returned.isEmpty { return state.returned.removeFirst() }
                if state.next < total {
                    defer { state.next += 1 }
                    return state.next
                }
            }
            state.workers -= 1
            return nil
        }
    }

    private func record(_ failure: Failure) {
        let counted = count > 1 && (failure.status == .someTransfersFailed || failure.status == .notFound)
        if counted { progress.say(failure.message) }
        state.withLock { state in
            if counted {
                state.failures += 1
            } else if state.fatal == nil {
                state.fatal = failure
            }
        }
    }
}

/// The outcome of each file of a batch as one JSON object a line on standard output (`--json`):
/// `{"source", "destination", "bytes", "status", "verified", "error"}`.
final class BatchReport: Sendable {
    private let json: Bool
    private let output = Mutex(())

    init(json: Bool) { self.json = json }

    func done(_ job: JobRecord, _ outcome: TransferOutcome) {
        write(job, bytes: outcome.bytes, status: "done", verified: outcome.verified?.rawValue, error: nil)
    }

    func skipped(_ job: JobRecord) {
        write(job, bytes: 0, status: "skipped", verified: nil, error: nil)
    }

    func failed(_ job: JobRecord?, _ reason: String) {
        write(job, bytes: 0, status: "failed", verified: nil, error: reason)
    }

    private func write(_ job: JobRecord?, bytes: UInt64, status: String, verified: String?, error: String?) {
        guard json else { return }
        let fields: [(String, String)] = [
            ("source", job.map { ListingJSON.string($0.source) } ?? "null"),
            ("destination", job.map { ListingJSON.string($0.destination) } ?? "null"),
            ("bytes", String(bytes)),
            ("status", ListingJSON.string(status)),
            ("verified", verified.map(ListingJSON.string) ?? "null"),
            ("error", error.map(ListingJSON.string) ?? "null"),
        ]
        let line = "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
        output.withLock { _ in FileHandle.standardOutput.write(Data(line.utf8)) }
    }
}

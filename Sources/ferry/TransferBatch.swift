import ArgumentParser
import Foundation
import FTP
import FTPWire
import Transfers

/// The options `get` and `put` share.
struct TransferOptions: ParsableArguments {
    @Flag(name: .short, help: "Continue what a stopped ferry wrote for the same source (get: LOCAL.part; put: the server's file).")
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

/// The options of commands that run batches of transfers: `get`, `put` and `mirror`.
struct BatchOptions: ParsableArguments {
    @Option(name: [.customShort("P"), .long], help: "Connections for transfers (default: 4 for several files, up to 8 while many wait and the server allows; 1 for one).")
    var parallel: Int?

    @Flag(name: .long, help: "Draw no progress line.")
    var noProgress = false

    @Flag(name: .long, help: "Print one JSON object per file on standard output (NDJSON).")
    var json = false

    @Flag(name: .customLong("no-verify"), help: "Do not compare the server's digest of each file (HASH, XSHA256, XMD5, XCRC).")
    var noVerify = false

    @Option(name: .customLong("limit-rate"), help: ArgumentHelp(
        "Move at most RATE bytes a second, all connections together (500K, 2M, 1.5M; K, M and G are 1024-based).", valueName: "RATE"))
    var limitRate: String?

    func validate() throws {
        if let parallel, !(1...32).contains(parallel) { throw ValidationError("--parallel must be from 1 to 32") }
        if let limitRate, RateLimiter.parseRate(limitRate) == nil {
            throw ValidationError("--limit-rate takes a number of bytes a second, with K, M or G after it if you like (500K, 1.5M)")
        }
    }

    /// The one bucket that holds every transfer of the command to `--limit-rate`; nil without it.
    func makeRateLimiter() -> RateLimiter? {
        limitRate.flatMap(RateLimiter.parseRate).map { RateLimiter(bytesPerSecond: $0) }
    }

    /// How many connections transfer `count` files at once, to begin with.
    func connections(for count: Int) -> Int {
        max(1, min(parallel ?? (count > 1 ? 4 : 1), count))
    }

    /// The most connections a batch of `count` files may grow to while many of them wait and
    /// the server takes more (see `TransferQueue`): never more than -P when it is given.
    func mostConnections(for count: Int) -> Int {
        parallel == nil ? max(connections(for: count), min(Self.mostConnectionsUnasked, count)) : connections(for: count)
    }

    /// The most connections without -P: more rarely pay off, and servers often limit them.
    static let mostConnectionsUnasked = 8

    /// Whether transfers compare the server's digest.
    var verifies: Bool { !noVerify }
}

/// A command whose transfers compare the server's digest of each file unless told not to.
protocol VerifyingCommand {
    var batch: BatchOptions { get }
}

extension GetCommand: VerifyingCommand {}
extension PutCommand: VerifyingCommand {}
extension MirrorCommand: VerifyingCommand {}
extension CopyCommand: VerifyingCommand {}
extension ResumeCommand: VerifyingCommand {}

/// Which names a walk through folders takes: `get -r`, `put -r` and `mirror`.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Leave out files and folders whose name matches (repeatable).", valueName: "GLOB"))
    var exclude: [String] = []

    @Option(name: .long, help: ArgumentHelp("Copy only files whose name matches (repeatable; folders are always walked).", valueName: "GLOB"))
    var include: [String] = []

    /// Whether any filter was given.
    var isEmpty: Bool { exclude.isEmpty && include.isEmpty }

    /// Patterns match one name, never a path: `logs/*` would match nothing, and a mirror's
    /// `--delete` would take what the user meant it to keep.
    func validate() throws {
        if let path = (exclude + include).first(where: { $0.contains("/") }) {
            throw ValidationError("\(path): --exclude and --include match names, not paths; give the name alone (logs, *.log)")
        }
    }

    /// The filter of a walk through folders.
    var filter: WalkFilter { WalkFilter(excluded: exclude, included: include) }
}

/// One file of a copy between a server and the local disk: the server's path and the local path.
struct FilePair {
    let remote: RemotePath
    let local: String
    /// The server's size and time of the file as an exact listing (MLSD) gave them, or its size
    /// alone as a Unix LIST line gave it; nil when the transfer must ask.
    var remoteFacts: FileFacts?

    /// The download of the file as a worker may send its requests ahead: after what the
    /// listing did not give (`FileDownload.questions(knowing:)`).
    var upcomingRetrieval: UpcomingRetrieval {
        UpcomingRetrieval(remote, askedFirst: FileDownload.questions(knowing: remoteFacts))
    }
}

/// One file of a `get`, `put`, `mirror`, `cp` or `resume`: its name to show, what to say when
/// it fails, the server, the journal's record of it, and the transfer itself.
struct BatchFile: Sendable {
    let name: String
    let failing: String
    let endpoint: RemoteEndpoint
    let job: JobRecord
    /// A second connection the transfer uses (see `QueuedTransfer`).
    var companion: (endpoint: RemoteEndpoint, role: String)? = nil
    /// The file the transfer begins by downloading whole (see `QueuedTransfer`).
    var firstRetrieval: UpcomingRetrieval? = nil
    let transfer: @Sendable (TransferContext) throws -> TransferOutcome

    /// The file as the queue takes it.
    var queued: QueuedTransfer {
        QueuedTransfer(name: name, job: job, endpoint: endpoint, companion: companion, firstRetrieval: firstRetrieval, run: transfer)
    }
}

/// Runs the files of one command on a `TransferQueue` over one or more connections, with one
/// progress line, and decides the exit status: a lone file's failure is the command's; among
/// several, the others go on and the command ends with exit 1, unless the failure is one no
/// other file would escape (login refused, connection or TLS failure), which stops the batch.
/// Every file is in the journal from the start until it is done, so that `ferry resume` can
/// finish what a stopped batch left; with `--json` each file's outcome is a line on stdout.
///
/// A file the server offered a digest for but could not verify after all (its reply held no
/// usable digest) is done, not failed: `--json` says `"verified": null` as for any unverified
/// file, and with `-v` a line on standard error says why — without it, a batch against such a
/// server would print a warning per file. A journal that could not be written is warned about
/// once at the end, and does not change the exit status: the files arrived whole; only a crash
/// could not have been resumed.
final class TransferBatch: Sendable {
    private let count: Int
    private let verbose: Bool
    private let noun: String
    private let progress: ProgressLine
    private let report: BatchReport
    private let journal: JournalFile?
    private let state = Locked(State())

    private struct State {
        var failures = 0
        var fatal: Failure?
        /// The files whose transfer ended one way or another.
        var ended = Set<Int>()
        /// How many of them were copied.
        var copied = 0
    }

    /// How many files were copied so far.
    var copied: Int { state.withLock { $0.copied } }

    init(count: Int, noun: String, options: BatchOptions, connections: Int, verbose: Bool = false) {
        self.count = count
        self.verbose = verbose
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

    /// Runs `files` over `connections` connections, more up to `mostConnections` while many
    /// wait and the server takes them: the first on this thread with `sessions` (connections the
    /// command opened to plan, for the caller to close), the others on threads of their own,
    /// with the pools of `opened` first (connecting since planning began; all closed by the end).
    func run(_ files: [BatchFile], connections: Int, mostConnections: Int? = nil, sessions: SessionPool, opened: [SessionPool] = []) {
        let count = count
        let queue = TransferQueue(
            connections: connections, mostConnections: mostConnections, journal: journal, adoptedFrom: Journal.standard(),
            stops: { !Self.counts(Failure($0, while: ""), among: count) },
            onEvent: { [self] in handle($0, of: files) })
        queue.enqueue(files.map(\.queued))
        queue.close()
        queue.run(on: sessions, opened: opened)
        // A batch that stopped (a refused login, a lost server) leaves files it never began:
        // each is reported all the same, so that `--json` has a line for every file.
        let (ended, fatal) = state.withLock { ($0.ended, $0.fatal) }
        for (id, file) in files.enumerated() where !ended.contains(id) {
            report.failed(file.job, "not begun: the batch stopped" + (fatal.map { " (\($0.reason))" } ?? ""))
        }
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
        if let failure = journal?.writeFailure {
            printError("ferry: warning: \(Sanitizer.visible("\(failure)")); the transfers went on, but after a crash this batch could not be resumed, and ferry resume may list transfers that are done")
        }
        journal?.close()
        let (fatal, failures) = state.withLock { ($0.fatal, $0.failures) }
        if let fatal { throw fatal }
        if failures > 0 { throw Failure(.someTransfersFailed, "\(failures) of \(count) \(noun) failed") }
    }

    /// Notes that a file's transfer ended, whichever way.
    private func fileEnded(_ id: Int) {
        progress.fileEnded(id: id)
        state.withLock { _ = $0.ended.insert(id) }
    }

    private func handle(_ event: TransferEvent, of files: [BatchFile]) {
        switch event {
        case .progress(let id, let current):
            progress.update(current, id: id)
        case .retrying(let id, let error, let wait):
            progress.say("ferry: \(Sanitizer.visible(files[id].name)): \(error); retrying in \(Formatting.duration(wait))")
        case .done(let id, let outcome):
            fileEnded(id)
            if verbose, let reason = outcome.unverifiedBecause {
                progress.say("ferry: \(Sanitizer.visible(files[id].name)): not verified: \(Sanitizer.visible(reason))")
            }
            state.withLock { $0.copied += 1 }
            report.done(files[id].job, outcome)
        case .skipped(let id, let reason):
            fileEnded(id)
            progress.say("ferry: \(Sanitizer.visible(files[id].name)): skipped, \(reason)")
            report.skipped(files[id].job)
        case .failed(let id, let error):
            fileEnded(id)
            let failure = Failure(error, while: files[id].failing)
            report.failed(files[id].job, failure.reason)
            record(failure)
        case .cancelled(let id):
            fileEnded(id)
        case .workerLeft(let error):
            progress.say("ferry: a transfer connection failed (\(error)); going on with fewer")
        case .connectionDeclined(let error):
            if verbose { progress.say("ferry: the server took no further connection (\(Sanitizer.visible("\(error)"))); going on with those open") }
        }
    }

    /// Whether a failure counts as one file's among `count`, leaving the others to go on.
    private static func counts(_ failure: Failure, among count: Int) -> Bool {
        count > 1 && (failure.status == .someTransfersFailed || failure.status == .notFound)
    }

    private func record(_ failure: Failure) {
        let counted = Self.counts(failure, among: count)
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
    private let output = Locked(())

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
        output.withLock { _ in StandardStream.output.write(line) }
    }
}

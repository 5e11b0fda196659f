import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry resume [--list] [--json]`: finish the transfers a stopped ferry left in the journal.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Finish (or list) the transfers that a stopped ferry left unfinished.",
        discussion: """
            Every transfer is recorded in the journal ($XDG_STATE_HOME/ferry/journal, by default \
            ~/.local/state/ferry/journal) from the moment it is queued until it is done, without \
            passwords. After a crash, kill -9 or a dropped session, ferry resume runs the unfinished \
            ones again, continuing partial files whose source has not changed since. Passwords come \
            from FERRY_PASSWORD, ~/.netrc or a prompt, as for get and put. Exit codes as for get and put.
            """
    )

    @Flag(name: .long, help: "List the unfinished transfers, one a line, and run none.")
    var list = false

    @OptionGroup var batch: BatchOptions

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let jobs = Journal.standard().unfinishedJobs()
        if list {
            for job in jobs { print(batch.json ? Self.json(job) : Self.line(job)) }
            return
        }
        guard !jobs.isEmpty else { return }
        var files: [BatchFile] = []
        let sessions = SessionPool()
        defer { sessions.close(awaitingGoodbye: false) }
        let limiter = batch.makeRateLimiter()
        // A job that cannot be run (its URL no longer parses, say) is reported, and the rest run.
        var unrunnable: [String] = []
        var destinations = Set<String>()
        let claims = DestinationClaims(jobs.map { Self.destinationBytes(of: $0.record) })
        for job in jobs {
            let shown = "\(Sanitizer.visible(job.record.source)) to \(Sanitizer.visible(job.record.destination))"
            // Two jobs that write one file would write it at once: the first runs.
            guard destinations.insert(job.record.destination).inserted else {
                unrunnable.append("cannot resume \(shown): another job writes that file; only the first runs")
                continue
            }
            do {
                files.append(try Self.file(for: job, connection: connection, verifies: batch.verifies, interactive: true, limiter: limiter, claims: claims))
            } catch {
                unrunnable.append("cannot resume \(shown): \((error as? Failure)?.reason ?? "\(error)")")
                // A record whose URL no longer reads can never run: it leaves the journal.
                if (error as? Failure)?.status == .usage { _ = Journal.standard().adopt([job.record]) }
            }
        }
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(
            count: files.count + unrunnable.count, noun: "transfers", options: batch, connections: connections, verbose: connection.verbose)
        unrunnable.forEach(transfers.fail)
        transfers.run(files, connections: connections, mostConnections: batch.mostConnections(for: files.count), sessions: sessions)
        try transfers.finish()
    }

    /// The batch entry that finishes one job: its policy applied again, partial files continued.
    /// Passwords come as for any URL; `interactive` allows asking for one; `limiter` holds the rate.
    static func file(
        for job: UnfinishedJob, connection: ConnectionOptions, verifies: Bool, interactive: Bool, limiter: RateLimiter? = nil,
        claims: DestinationClaims? = nil
    ) throws -> BatchFile {
        let record = job.record
        let stated = record.overwrite.flatMap(OverwritePolicy.init(rawValue:)) ?? .overwrite
        // A download's bytes wait beside its target, which its policy may judge again. An upload
        // or a copy between servers that began wrote its target itself, which skip, newer and
        // different would judge (and keep cut short): it is continued. One that never began
        // is judged as it was; so is rename, whose record names the file asked for, not the
        // free name the job wrote.
        let wroteItsTarget = record.kind != .download && job.stamp != nil && stated != .rename
        let policy = stated == .overwrite || wroteItsTarget ? .resume : stated
        let retry = connection.retryPolicy
        let transferType: FTPClient.TransferType = record.ascii ? .ascii : .binary
        switch record.kind {
        case .download:
            let url = try ConnectionOptions.parseURL(record.source)
            let copy = FilePair(remote: url.path, local: record.destination)
            return BatchFile(
                name: url.path.lastComponent.description, failing: "cannot download \(url)", endpoint: try connection.endpoint(for: url, interactive: interactive), job: record
            ) { context in
                try GetCommand.fetch(copy, policy: policy, transferType: transferType, verifies: verifies, retry: retry, limiter: limiter, claims: claims, context: context)
            }
        case .upload:
            let url = try ConnectionOptions.parseURL(record.destination)
            let copy = FilePair(remote: url.path, local: record.source)
            let name = URL(fileURLWithPath: record.source).lastPathComponent
            return BatchFile(
                name: name, failing: "cannot upload \(Sanitizer.visible(record.source)) to \(url)", endpoint: try connection.endpoint(for: url, interactive: interactive),
                job: record
            ) { context in
                try PutCommand.send(copy, policy: policy, transferType: transferType, verifies: verifies, retry: retry, limiter: limiter, claims: claims, context: context)
            }
        case .copy:
            let (source, destination) = (try ConnectionOptions.parseURL(record.source), try ConnectionOptions.parseURL(record.destination))
            let endpoints = (try connection.endpoint(for: source, interactive: interactive), try connection.endpoint(for: destination, interactive: interactive))
            return CopyCommand.file(
                record, from: source, to: destination, endpoints: endpoints, policy: policy, verifies: verifies, retry: retry, limiter: limiter,
                claims: claims)
        }
    }

    /// The bytes of the path a job writes, as its file system names it: a download's local path,
    /// else the path of its destination URL (empty when that no longer reads).
    private static func destinationBytes(of record: JobRecord) -> [UInt8] {
        guard record.kind != .download else { return Array(record.destination.utf8) }
        return (try? ConnectionOptions.parseURL(record.destination))?.path.bytes ?? []
    }

    /// `download ftp://host/file -> /home/me/file (last error: …)`, with controls made visible.
    private static func line(_ job: UnfinishedJob) -> String {
        let error = job.lastError.map { " (last error: \($0))" } ?? ""
        return Sanitizer.visible("\(job.record.kind.rawValue) \(job.record.source) -> \(job.record.destination)\(error)")
    }

    /// `{"kind", "source", "destination", "started", "error"}`.
    private static func json(_ job: UnfinishedJob) -> String {
        let fields: [(String, String)] = [
            ("kind", ListingJSON.string(job.record.kind.rawValue)),
            ("source", ListingJSON.string(job.record.source)),
            ("destination", ListingJSON.string(job.record.destination)),
            ("started", job.stamp == nil ? "false" : "true"),
            ("error", job.lastError.map(ListingJSON.string) ?? "null"),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}

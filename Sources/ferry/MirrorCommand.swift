import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry mirror [-R] [--delete] [--dry-run] SOURCE TARGET`: make one folder tree like another.
struct MirrorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Make a local folder like a server's folder (with -R, the server's like a local one).",
        usage: "ferry mirror [<options>] SOURCE TARGET",
        discussion: """
            The source comes first, always: mirror URL LOCALDIR fetches, mirror -R LOCALDIR URL sends. \
            A file is copied when the target lacks it, its size differs or the source's is newer; \
            fetched files take the server's modification time, so a second mirror copies nothing. \
            With --delete, what the target has and the source does not is deleted (names that \
            --exclude/--include leave out are never touched). --dry-run prints what would be done. \
            Example: ferry mirror --delete ftp://host/pub/site/ ~/site
            """
    )

    @Flag(name: .customShort("R"), help: "Reverse: make URL like LOCALDIR (upload).")
    var reverse = false

    @Flag(name: .long, help: "Delete what the target has and the source does not.")
    var delete = false

    @Flag(name: .customLong("dry-run"), help: "Print what would be done and change nothing.")
    var dryRun = false

    @OptionGroup var batch: BatchOptions

    @OptionGroup var filters: FilterOptions

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("URL LOCALDIR, or with -R LOCALDIR URL.", valueName: "source-and-target"))
    var arguments: [String]

    func run() throws {
        guard arguments.count == 2 else { throw Failure(.usage, "mirror needs a source and a target: URL LOCALDIR, or -R LOCALDIR URL") }
        let (urlText, local) = reverse ? (arguments[1], arguments[0]) : (arguments[0], arguments[1])
        guard !local.contains("://") else {
            throw Failure(.usage, "\(URLText.maskingPassword(local)) is a URL where a local folder belongs: mirror URL LOCALDIR, or -R LOCALDIR URL")
        }
        let url = try ConnectionOptions.parseURL(urlText)
        if reverse, !LocalFileSystem.isFolder(local) { throw Failure(.usage, "no such folder: \(Sanitizer.visible(local))") }
        let endpoint = try connection.endpoint(for: url)
        let sessions = SessionPool()
        defer { sessions.close(awaitingGoodbye: false) }
        let session = sessions.session(for: endpoint)

        let limiter = batch.makeRateLimiter()
        let work: MirrorWork
        // The transfer connections beyond the first connect once the server has greeted this
        // one (which so keeps its place on a server that limits connections), and log in while
        // the plan is made, once this one's login has shown the credentials good.
        let login = LoginGate()
        var opened: [SessionPool] = []
        defer { opened.forEach { $0.close(awaitingGoodbye: false) } }
        defer { login.shut() }
        do {
            let client = try session.connection(beforeLogin: {
                guard !dryRun, !reverse else { return }
                opened = (1..<max(1, batch.parallel ?? 4)).map { _ in SessionPool.connecting(to: endpoint, loggingInAfter: login) }
            })
            login.open()
            // MLSD of anything but a folder fails (RFC 3659): then it is time to ask why.
            let probes = !reverse && !url.path.isEmpty && !client.features.supports("MLST")
            guard !probes || RemoteFileSystem.isFolder(url.path, client: client) else {
                throw Failure(.notFound, "\(url) is not a folder on the server")
            }
            let server = RemoteFileSystem(client: client)
            if reverse {
                let plan = try MirrorPlanner(from: LocalFileSystem(), to: server, filter: filters.filter, deletes: delete).plan(local, to: url.path)
                work = MirrorWork(plan) { copy in
                    ("send " + Sanitizer.visible(copy.target.description), upload(FilePair(remote: copy.target, local: copy.source), to: url, endpoint: endpoint, limiter: limiter))
                }
            } else {
                let plan = try MirrorPlanner(from: server, to: LocalFileSystem(), filter: filters.filter, deletes: delete).plan(url.path, to: local)
                work = MirrorWork(plan) { copy in
                    let file = FilePair(remote: copy.source, local: copy.target, remoteFacts: server.exactFacts(of: copy.entry))
                    return ("fetch " + Sanitizer.visible(copy.target), download(file, modified: copy.entry.modified, from: url, endpoint: endpoint, limiter: limiter))
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            if !reverse, !url.path.isEmpty, (error as? FTPError)?.kind == .permanent, let client = try? session.connection(),
               !RemoteFileSystem.isFolder(url.path, client: client) {
                throw Failure(.notFound, "\(url) is not a folder on the server")
            }
            throw Failure(error, while: "cannot compare \(url) with \(local)")
        }
        if dryRun {
            show(work)
            return
        }
        for step in work.folders {
            do {
                try step.perform()
            } catch {
                throw Failure(error, while: "cannot \(step.description)")
            }
        }
        let files = work.copies.map(\.file)
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(
            count: files.count + work.refused.count + work.removals.count, noun: "changes", options: batch, connections: connections, verbose: connection.verbose)
        work.refused.forEach(transfers.fail)
        transfers.run(files, connections: connections, mostConnections: batch.mostConnections(for: files.count), sessions: sessions, opened: opened)
        opened = []
        var deleted = 0
        for step in work.removals {
            do {
                try step.perform()
                deleted += 1
            } catch {
                transfers.fail("cannot \(step.description): \(error)")
            }
        }
        if !batch.json { print("mirror: \(transfers.copied) copied, \(deleted) deleted, \(work.folders.count) folders made, \(work.upToDate) up to date") }
        try transfers.finish()
    }

    /// What a dry run prints: one line a change, then the counts.
    private func show(_ work: MirrorWork) {
        for step in work.folders { print(step.description) }
        for copy in work.copies { print(copy.shown) }
        for step in work.removals { print(step.description) }
        for reason in work.refused { printError("ferry: " + reason) }
        print("mirror (dry run): \(work.copies.count) to copy, \(work.removals.count) to delete, \(work.folders.count) folders to make, \(work.upToDate) up to date")
    }

    private func download(_ file: FilePair, modified: Date?, from url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?) -> BatchFile {
        let (retry, verifies) = (connection.retryPolicy, batch.verifies)
        let local = file.local
        return BatchFile(
            name: file.remote.lastComponent.description, failing: "cannot fetch \(Sanitizer.visible(file.remote.description))",
            endpoint: endpoint, job: .download(file, from: url, ascii: false, overwrite: nil),
            firstRetrieval: file.upcomingRetrieval
        ) { context in
            var download = FileDownload(remotePath: file.remote, localPath: local, settings: TransferSettings(verifies: verifies, rateLimiter: limiter))
            download.knownSource = file.remoteFacts
            // The fsync and rename run after the transfer, while the connection fetches the next file.
            download.finishing = context.finishing
            let outcome = try FileJob(download, policy: .overwrite).run(from: .server(context.session), to: .local, retry: retry, context: context)
            // The server's time, so that the next mirror finds the copy up to date.
            if let modified {
                context.finishing.add { try? FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: local) }
            }
            return outcome
        }
    }

    private func upload(_ file: FilePair, to url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?) -> BatchFile {
        let (retry, verifies) = (connection.retryPolicy, batch.verifies)
        return BatchFile(
            name: URL(fileURLWithPath: file.local).lastPathComponent,
            failing: "cannot send \(Sanitizer.visible(file.local)) to \(Sanitizer.visible(file.remote.description))", endpoint: endpoint,
            job: .upload(file, to: url, ascii: false, overwrite: nil)
        ) { context in
            let upload = FileUpload(localPath: file.local, remotePath: file.remote, settings: TransferSettings(verifies: verifies, rateLimiter: limiter))
            return try FileJob(upload, policy: .overwrite).run(from: .local, to: .server(context.session), retry: retry, context: context)
        }
    }
}

/// A mirror's plan made concrete for the command, whichever way it goes: its steps, and each
/// file to copy as a batch entry with the line a dry run prints for it.
private struct MirrorWork {
    var folders: [MirrorStep]
    var removals: [MirrorStep]
    var copies: [(shown: String, file: BatchFile)]
    var upToDate: Int
    var refused: [String]

    init<Source, Target>(_ plan: MirrorPlan<Source, Target>, file: (MirrorCopy<Source, Target>) -> (String, BatchFile)) {
        folders = plan.folders
        removals = plan.removals
        copies = plan.copies.map(file)
        upToDate = plan.upToDate
        refused = plan.refused
    }
}

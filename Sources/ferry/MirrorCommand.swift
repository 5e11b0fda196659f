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

    @Argument(help: "URL LOCALDIR, or with -R LOCALDIR URL.")
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
        defer { sessions.close() }
        let session = sessions.session(for: endpoint)

        let plan: MirrorPlan
        do {
            let client = try session.connection()
            guard reverse || url.path.isEmpty || RemoteFileSystem.isFolder(url.path, client: client) else {
                throw Failure(.notFound, "\(url) is not a folder on the server")
            }
            let planner = MirrorPlanner(client: client, filter: filters.filter, deletes: delete)
            plan = reverse ? try planner.upload(local, to: url.path) : try planner.download(url.path, to: local)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(error, while: "cannot compare \(url) with \(local)")
        }
        if dryRun {
            show(plan)
            return
        }
        for step in plan.folders {
            do {
                try step.perform(session.connection())
            } catch {
                throw Failure(error, while: "cannot \(step.description)")
            }
        }
        let limiter = batch.makeRateLimiter()
        let files = plan.copies.map {
            reverse ? upload($0, to: url, endpoint: endpoint, limiter: limiter) : download($0, from: url, endpoint: endpoint, limiter: limiter)
        }
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(
            count: files.count + plan.refused.count + plan.removals.count, noun: "changes", options: batch, connections: connections)
        plan.refused.forEach(transfers.fail)
        transfers.run(files, connections: connections, sessions: sessions)
        var deleted = 0
        for step in plan.removals {
            do {
                try step.perform(session.connection())
                deleted += 1
            } catch {
                transfers.fail("cannot \(step.description): \(error)")
            }
        }
        if !batch.json { print("mirror: \(plan.copies.count) copied, \(deleted) deleted, \(plan.folders.count) folders made, \(plan.upToDate) up to date") }
        try transfers.finish()
    }

    /// What a dry run prints: one line a change, then the counts.
    private func show(_ plan: MirrorPlan) {
        let verb = reverse ? "send" : "fetch"
        for step in plan.folders { print(step.description) }
        for copy in plan.copies {
            print("\(verb) \(Sanitizer.visible(reverse ? copy.file.remote.description : copy.file.local))")
        }
        for step in plan.removals { print(step.description) }
        for reason in plan.refused { printError("ferry: " + reason) }
        print("mirror (dry run): \(plan.copies.count) to copy, \(plan.removals.count) to delete, \(plan.folders.count) folders to make, \(plan.upToDate) up to date")
    }

    private func download(_ copy: MirrorCopy, from url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?) -> BatchFile {
        let (retry, verifies) = (connection.retryPolicy, batch.verifies)
        let (local, modified) = (copy.file.local, copy.modified)
        return BatchFile(
            name: copy.file.remote.lastComponent.description, failing: "cannot fetch \(Sanitizer.visible(copy.file.remote.description))",
            endpoint: endpoint, job: .download(copy.file, from: url, ascii: false, overwrite: nil)
        ) { context in
            var download = FileDownload(
                remotePath: copy.file.remote, localPath: local, ownedStamp: context.ownedStamp, verifies: verifies, rateLimiter: limiter)
            download.knownSource = copy.file.remoteFacts
            let outcome = try download.run(
                on: context.session, retry: retry, journal: context.journal, onRetry: context.onRetry, onProgress: context.onProgress)
            // The server's time, so that the next mirror finds the copy up to date.
            if let modified { try? FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: local) }
            return outcome
        }
    }

    private func upload(_ copy: MirrorCopy, to url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?) -> BatchFile {
        let (retry, verifies) = (connection.retryPolicy, batch.verifies)
        return BatchFile(
            name: URL(fileURLWithPath: copy.file.local).lastPathComponent,
            failing: "cannot send \(copy.file.local) to \(Sanitizer.visible(copy.file.remote.description))", endpoint: endpoint,
            job: .upload(copy.file, to: url, ascii: false, overwrite: nil)
        ) { context in
            let upload = FileUpload(
                localPath: copy.file.local, remotePath: copy.file.remote, ownedStamp: context.ownedStamp, verifies: verifies, rateLimiter: limiter)
            return try upload.run(on: context.session, retry: retry, journal: context.journal, onRetry: context.onRetry, onProgress: context.onProgress)
        }
    }
}

import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry put [-r] [-c] LOCAL... URL`: upload files, and folders with `-r`.
struct PutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Upload files (and folders with -r).",
        usage: "ferry put [<options>] LOCAL... URL",
        discussion: """
            A URL ending in / (or naming an existing directory, or following several files) is a \
            directory: the files keep their names there. With -r a folder is copied as cp -r does: \
            put -r src ftp://host/d/ makes /d/src. LOCAL - stores standard input as the file the URL \
            names. Examples: ferry put -c big.iso ftp://host/incoming/; \
            ferry put -r --exclude '.git' site/ ftp://host/www/
            """
    )

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var batch: BatchOptions

    @OptionGroup var filters: FilterOptions

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("Local files, then the remote file or directory as a URL.", valueName: "local-or-url"))
    var arguments: [String]

    func validate() throws {
        if !transfer.recursive, !filters.isEmpty { throw ValidationError("--exclude and --include go with -r") }
    }

    func run() throws {
        guard arguments.count >= 2, let last = arguments.last else { throw Failure(.usage, "put needs local files and a URL") }
        let url = try ConnectionOptions.parseURL(last)
        let sources = Array(arguments.dropLast())
        if sources.contains("-") { return try storeStandardInput(sources, at: url) }
        var folders: Set<String> = []
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw Failure(.usage, "no such file: \(URLText.maskingPassword(source))")
            }
            guard isDirectory.boolValue else { continue }
            guard transfer.recursive else { throw Failure(.usage, "\(source) is a folder: add -r to upload it with all inside") }
            folders.insert(source)
        }
        let endpoint = try connection.endpoint(for: url)
        let sessions = SessionPool()
        defer { sessions.close(awaitingGoodbye: false) }
        let session = sessions.session(for: endpoint)
        // First every file to send (walking folders with -r, making the server's folders), then
        // the transfers.
        var plan: [FilePair] = []
        var refused: [String] = []
        do {
            let client = try session.connection()
            let intoDirectory = url.isDirectory || sources.count > 1 || RemoteFileSystem.isFolder(url.path, client: client)
            for source in sources {
                // `.` and `dir/` are named as the folder they are.
                let name = URL(fileURLWithPath: source).standardized.lastPathComponent
                let target = intoDirectory ? url.path.appending(RemotePath(name)) : url.path
                if folders.contains(source) {
                    let walk = try TreeWalk(from: LocalFileSystem(), to: RemoteFileSystem(client: client), filter: filters.filter)
                        .copy(source, to: target)
                    plan += walk.files.map { FilePair(remote: $0.destination, local: $0.source) }
                    refused += walk.refused
                } else {
                    plan.append(FilePair(remote: target, local: source))
                }
            }
        } catch {
            throw Failure(error, while: "cannot reach \(url)")
        }
        let limiter = batch.makeRateLimiter()
        // Two files that would land on one file of the server (`a/x` and `b/x` into one folder)
        // would write it at once: only the first is sent.
        var claimed = Set<RemotePath>()
        let claims = DestinationClaims(plan.map(\.remote.bytes))
        let files = plan.compactMap { copy -> BatchFile? in
            guard claimed.insert(copy.remote).inserted else {
                refused.append("\(url.with(path: copy.remote)) is the target of two uploads; only the first runs")
                return nil
            }
            return upload(copy, to: url, endpoint: endpoint, limiter: limiter, claims: claims)
        }
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(count: files.count + refused.count, noun: "uploads", options: batch, connections: connections, verbose: connection.verbose)
        refused.forEach(transfers.fail)
        transfers.run(files, connections: connections, mostConnections: batch.mostConnections(for: files.count), sessions: sessions)
        try transfers.finish()
    }

    /// Stores standard input (`put - URL`) as the file `url` names: no progress line, no
    /// journal, no resume, since standard input cannot be read twice.
    private func storeStandardInput(_ sources: [String], at url: FTPURL) throws {
        guard sources.count == 1, !transfer.recursive else { throw Failure(.usage, "- (standard input) takes no other files and no -r") }
        guard transfer.overwrite == nil, !transfer.continue, !batch.json else {
            throw Failure(.usage, "- (standard input) goes with none of -c, --overwrite and --json")
        }
        guard !url.isDirectory else { throw Failure(.usage, "put - needs a URL that names a file, not \(url)") }
        let session = RemoteSession(endpoint: try connection.endpoint(for: url))
        defer { session.close() }
        do {
            if RemoteFileSystem.isFolder(url.path, client: try session.connection()) {
                throw Failure(.usage, "put - needs a URL that names a file, but \(url) is a directory")
            }
            let stream = StreamTransfer(remotePath: url.path, verifies: batch.verifies, transferType: transfer.transferType, rateLimiter: batch.makeRateLimiter())
            try stream.upload(on: session)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(error, while: "cannot upload standard input to \(url)")
        }
    }

    /// The batch entry that sends one local file to its place on the server.
    private func upload(_ copy: FilePair, to url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?, claims: DestinationClaims) -> BatchFile {
        var target = url
        target.path = copy.remote
        let (retry, policy, transferType, verifies) = (connection.retryPolicy, transfer.overwritePolicy, transfer.transferType, batch.verifies)
        let job = JobRecord.upload(copy, to: url, ascii: transferType == .ascii, overwrite: policy)
        return BatchFile(
            name: URL(fileURLWithPath: copy.local).lastPathComponent, failing: "cannot upload \(copy.local) to \(target)", endpoint: endpoint, job: job
        ) { context in
            try Self.send(copy, policy: policy, transferType: transferType, verifies: verifies, retry: retry, limiter: limiter, claims: claims, context: context)
        }
    }

    /// Sends one file as `policy` says about a server's file already there, at most as fast as `limiter` allows.
    static func send(
        _ pair: FilePair, policy: OverwritePolicy, transferType: FTPClient.TransferType, verifies: Bool, retry: RetryPolicy,
        limiter: RateLimiter?, claims: DestinationClaims? = nil, context: TransferContext
    ) throws -> TransferOutcome {
        let upload = FileUpload(
            localPath: pair.local, remotePath: pair.remote, settings: TransferSettings(verifies: verifies, transferType: transferType, rateLimiter: limiter))
        return try FileJob(upload, policy: policy, claims: claims).run(from: .local, to: .server(context.session), retry: retry, context: context)
    }
}

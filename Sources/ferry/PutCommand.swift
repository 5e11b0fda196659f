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
        defer { sessions.close() }
        let session = sessions.session(for: endpoint)
        // First every file to send (walking folders with -r, making the server's folders), then
        // the transfers.
        var plan: [FileCopy] = []
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
                    plan += walk.files.map { FileCopy(remote: $0.destination, local: $0.source) }
                    refused += walk.refused
                } else {
                    plan.append(FileCopy(remote: target, local: source))
                }
            }
        } catch {
            throw Failure(error, while: "cannot reach \(url)")
        }
        let limiter = batch.makeRateLimiter()
        let files = plan.map { upload($0, to: url, endpoint: endpoint, limiter: limiter) }
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(count: files.count + refused.count, noun: "uploads", options: batch, connections: connections)
        refused.forEach(transfers.fail)
        transfers.run(files, connections: connections, sessions: sessions)
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
    private func upload(_ copy: FileCopy, to url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?) -> BatchFile {
        var target = url
        target.path = copy.remote
        let (retry, policy, transferType, verifies) = (connection.retryPolicy, transfer.overwritePolicy, transfer.transferType, batch.verifies)
        let job = JobRecord.upload(copy, to: url, ascii: transferType == .ascii, overwrite: policy)
        return BatchFile(
            name: URL(fileURLWithPath: copy.local).lastPathComponent, failing: "cannot upload \(copy.local) to \(target)", endpoint: endpoint, job: job
        ) { context in
            try Self.send(copy, policy: policy, transferType: transferType, verifies: verifies, retry: retry, limiter: limiter, context: context)
        }
    }

    /// Sends one file as `policy` says about a server's file already there, at most as fast as `limiter` allows.
    static func send(
        _ copy: FileCopy, policy: OverwritePolicy, transferType: FTPClient.TransferType, verifies: Bool, retry: RetryPolicy,
        limiter: RateLimiter?, context: TransferContext
    ) throws -> TransferOutcome {
        var (suffix, continues) = ("", policy == .resume)
        if policy.looksAtDestination {
            let client = try context.session.connection()
            if let existing = try remoteFacts(copy.remote, client: client) {
                (suffix, continues) = try policy.place(
                    over: existing, source: { FileFacts(localPath: copy.local) ?? FileFacts(size: nil, modified: nil) },
                    isFree: { try remoteFacts(RemotePath(bytes: copy.remote.bytes + Array($0.utf8)), client: client) == nil })
            }
        }
        let upload = FileUpload(
            localPath: copy.local, remotePath: RemotePath(bytes: copy.remote.bytes + Array(suffix.utf8)),
            settings: TransferSettings(
                continues: continues, ownedStamp: context.ownedStamp, verifies: verifies, transferType: transferType, rateLimiter: limiter))
        return try upload.run(on: context.session, retry: retry, journal: context.journal, onRetry: context.onRetry, onProgress: context.onProgress)
    }

    /// The size and time of a server's file; nil when it has none by that name. Without SIZE
    /// and MDTM the listing of its folder tells.
    static func remoteFacts(_ path: RemotePath, client: FTPClient) throws -> FileFacts? {
        let size = try? client.size(path)
        let modified = try? client.mdtm(path)
        if size != nil || modified != nil { return FileFacts(size: size, modified: modified) }
        let folder = RemotePath(bytes: path.bytes.dropLast(path.lastComponent.bytes.count))
        let entry = try client.listDirectory(folder.isEmpty ? nil : folder).first { $0.remoteName == path.lastComponent }
        return entry.map { FileFacts(size: $0.size, modified: $0.modified) }
    }
}

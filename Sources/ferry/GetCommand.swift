import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry get [-r] [-c] URL... [LOCAL]`: download files, and folders with `-r`.
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Download files (and folders with -r).",
        usage: "ferry get [<options>] URL... [LOCAL]",
        discussion: """
            LOCAL may be a folder (the files keep their names there) or, for one URL, a file name; \
            without it, files land in the current folder. Downloads go to NAME.part and are renamed \
            when complete. With -r a folder is copied as cp -r does: into LOCAL when LOCAL is a folder, \
            else as LOCAL. LOCAL - writes one file to standard output. A URL whose last part holds *, ? \
            or [...] names the matching entries of its folder (\\* is a literal star). \
            Examples: ferry get -c ftp://host/pub/big.iso ~/Downloads/; \
            ferry get -r --exclude '*.tmp' ftp://host/pub/docs/ .; ferry get 'ftp://host/pub/*.gz' ~/Downloads/; ferry get ftp://host/notes.txt - | less
            """
    )

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var batch: BatchOptions

    @OptionGroup var filters: FilterOptions

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("Remote files as URLs, then optionally the local file or folder.", valueName: "url-or-local"))
    var arguments: [String]

    func validate() throws {
        if !transfer.recursive, !filters.isEmpty { throw ValidationError("--exclude and --include go with -r") }
    }

    func run() throws {
        let (sources, destination) = try Self.split(arguments)
        let urls = try sources.map(ConnectionOptions.parseURL)
        let toStandardOutput = destination == "-"
        if toStandardOutput {
            guard urls.count == 1, !transfer.recursive else { throw Failure(.usage, "- (standard output) takes one file: not several URLs, not -r") }
            guard transfer.overwrite == nil, !transfer.continue, !batch.json else {
                throw Failure(.usage, "- (standard output) goes with none of -c, --overwrite and --json")
            }
        }
        if !transfer.recursive, let folder = urls.first(where: { $0.isDirectory && !RemoteMatches.isPattern($0) }) {
            throw Failure(.usage, "\(folder) names a directory: add -r to download it with all inside")
        }
        let sessions = SessionPool()
        defer { sessions.close(awaitingGoodbye: false) }
        // The transfer connections of a folder's download, opened while it is walked (see below).
        let login = LoginGate()
        var opened: [SessionPool] = []
        defer { opened.forEach { $0.close(awaitingGoodbye: false) } }
        defer { login.shut() }
        // First every file to fetch (patterns matched, folders walked with -r), then the transfers.
        var files: [BatchFile] = []
        var refused: [String] = []
        var claimed: Set<[UInt8]> = []  // local paths as bytes: NFC and NFD "é" are two files, though equal as Strings
        var named: [(url: FTPURL, endpoint: RemoteEndpoint)] = []
        for url in urls {
            let endpoint = try connection.endpoint(for: url)
            guard RemoteMatches.isPattern(url) else {
                named.append((url, endpoint))
                continue
            }
            let matches = try RemoteMatches(url, session: sessions.session(for: endpoint), action: "download")
            named += matches.urls(on: url, recursive: transfer.recursive, refused: &refused, verb: "download").map { ($0, endpoint) }
        }
        if toStandardOutput {
            guard named.count == 1, refused.isEmpty, let (url, endpoint) = named.first else {
                throw Failure(.usage, "- (standard output) takes one file, but \(urls[0]) matches \(named.count + refused.count)")
            }
            return try write(url, endpoint: endpoint, sessions: sessions)
        }
        let targets = try LocalTargets(destination: destination, count: max(1, named.count))
        let limiter = batch.makeRateLimiter()
        var planned: [(copy: FilePair, url: FTPURL, endpoint: RemoteEndpoint)] = []
        for (url, endpoint) in named {
            // The server's root has no name of its own: its copy is named after the host.
            let name = url.path.lastComponent.description.isEmpty ? url.host : url.path.lastComponent.description
            let localPath = try targets.path(for: name)
            var copies = [FilePair(remote: url.path, local: localPath)]
            if transfer.recursive {
                let session = sessions.session(for: endpoint)
                do {
                    // The one folder to walk: the transfer connections beyond the first connect
                    // once the server has greeted this one, and log in once it is known to be a
                    // folder (a single file needs none).
                    let client = try session.connection(beforeLogin: {
                        guard named.count == 1 else { return }
                        opened = (1..<max(1, batch.parallel ?? 4)).map { _ in SessionPool.connecting(to: endpoint, loggingInAfter: login) }
                    })
                    let isFolder = url.isDirectory || RemoteFileSystem.isFolder(url.path, client: client)
                    isFolder ? login.open() : login.shut()
                    if isFolder {
                        let server = RemoteFileSystem(client: client)
                        let walk = try TreeWalk(from: server, to: LocalFileSystem(), filter: filters.filter).copy(url.path, to: localPath)
                        copies = walk.files.map { FilePair(remote: $0.source, local: $0.destination, remoteFacts: server.exactFacts(of: $0.entry)) }
                        refused += walk.refused
                    }
                } catch {
                    throw Failure(error, while: "cannot list \(url)")
                }
            }
            planned += copies.map { ($0, url, endpoint) }
        }
        // Two files that would land on one local path (the same name from two URLs) would
        // write it at once: only the first is fetched. A file whose local path is where another
        // is written until it is complete (`x.part` beside `x`) would be written over: left.
        let claims = DestinationClaims(planned.map { Array($0.copy.local.utf8) })
        let staging = StagingNames(of: planned.map(\.copy.local), on: LocalFileSystem())
        for (copy, url, endpoint) in planned {
            let local = Array(copy.local.utf8)
            if let refusal = staging.refusal(of: copy.local, shown: Sanitizer.visible(copy.local)) {
                refused.append(refusal)
                continue
            }
            guard claimed.insert(local).inserted else {
                refused.append("\(Sanitizer.visible(copy.local)) is the target of two downloads; only the first runs")
                continue
            }
            files.append(download(copy, from: url, endpoint: endpoint, limiter: limiter, claims: claims))
        }
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(count: files.count + refused.count, noun: "downloads", options: batch, connections: connections, verbose: connection.verbose)
        refused.forEach(transfers.fail)
        transfers.run(files, connections: connections, mostConnections: batch.mostConnections(for: files.count), sessions: sessions, opened: opened)
        opened = []
        try transfers.finish()
    }

    /// Writes the file of `url` to standard output: no progress line, no journal; a transfer that
    /// breaks continues from the bytes written (`--retries`).
    private func write(_ url: FTPURL, endpoint: RemoteEndpoint, sessions: SessionPool) throws {
        let stream = StreamTransfer(
            remotePath: url.path, verifies: batch.verifies, transferType: transfer.transferType, rateLimiter: batch.makeRateLimiter())
        do {
            let name = Sanitizer.visible(url.path.lastComponent.description)
            try stream.download(on: sessions.session(for: endpoint), retry: connection.retryPolicy) { error, wait in
                printError("ferry: \(name): \(error); retrying in \(Formatting.duration(wait))")
            }
        } catch {
            throw Failure(error, while: "cannot download \(url)")
        }
    }

    /// The batch entry that fetches one file of `url` (the file itself, or one inside its folder).
    private func download(_ copy: FilePair, from url: FTPURL, endpoint: RemoteEndpoint, limiter: RateLimiter?, claims: DestinationClaims) -> BatchFile {
        let shown = url.path == copy.remote ? url.description : Sanitizer.visible(copy.remote.description)
        let (retry, policy, transferType, verifies) = (connection.retryPolicy, transfer.overwritePolicy, transfer.transferType, batch.verifies)
        let job = JobRecord.download(copy, from: url, ascii: transferType == .ascii, overwrite: policy)
        // Nothing to look at first: the download asks before its RETR only what the listing
        // did not give (MLSD gives all; a LIST line the size, so MDTM; else SIZE and MDTM).
        let first = transferType == .binary && policy == .overwrite ? copy.upcomingRetrieval : nil
        return BatchFile(
            name: copy.remote.lastComponent.description, failing: "cannot download \(shown)", endpoint: endpoint, job: job, firstRetrieval: first
        ) { context in
            try Self.fetch(copy, policy: policy, transferType: transferType, verifies: verifies, retry: retry, limiter: limiter, claims: claims, context: context)
        }
    }

    /// Fetches one file as `policy` says about a local file already there, at most as fast as
    /// `limiter` allows; a free name for it is one none of `claims` holds.
    static func fetch(
        _ pair: FilePair, policy: OverwritePolicy, transferType: FTPClient.TransferType, verifies: Bool, retry: RetryPolicy,
        limiter: RateLimiter?, claims: DestinationClaims? = nil, context: TransferContext
    ) throws -> TransferOutcome {
        var download = FileDownload(
            remotePath: pair.remote, localPath: pair.local, settings: TransferSettings(verifies: verifies, transferType: transferType, rateLimiter: limiter))
        download.knownSource = pair.remoteFacts
        return try FileJob(download, policy: policy, claims: claims).run(from: .server(context.session), to: .local, retry: retry, context: context)
    }

    /// The URLs, and the local destination if the last argument is not a URL.
    static func split(_ arguments: [String]) throws -> ([String], String?) {
        guard let last = arguments.last else { throw Failure(.usage, "get needs at least one URL") }
        if last.contains("://") { return (arguments, nil) }
        guard arguments.count > 1 else { throw Failure(.usage, "get needs at least one URL before \(last)") }
        return (Array(arguments.dropLast()), last)
    }
}

/// Where downloaded files go: into a folder, or (for one file) to a given name.
struct LocalTargets {
    private let folder: String?
    private let file: String?

    init(destination: String?, count: Int) throws {
        guard let destination else {
            folder = FileManager.default.currentDirectoryPath
            file = nil
            return
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory)
        if destination.hasSuffix("/") || (exists && isDirectory.boolValue) {
            guard exists else { throw Failure(.usage, "no such folder: \(destination)") }
            folder = destination
            file = nil
        } else {
            guard count == 1 else { throw Failure(.usage, "\(destination) is not a folder, but there are \(count) files to put in it") }
            folder = nil
            file = destination
        }
    }

    /// The local path for a remote file called `name`. A name that could leave the folder is refused.
    func path(for name: String) throws -> String {
        if let file { return file }
        guard SafeName.isSafe(name) else {
            throw Failure(.someTransfersFailed, "refusing to write a file called \(SafeName.shown(name)): it is not a plain file name")
        }
        let base = folder ?? "."
        return base.hasSuffix("/") ? base + name : base + "/" + name
    }
}

extension JobRecord {
    /// The journal's record of fetching `copy` from the server of `url`: the URL without its
    /// password, and the absolute local path.
    static func download(_ copy: FilePair, from url: FTPURL, ascii: Bool, overwrite: OverwritePolicy?) -> JobRecord {
        var source = url
        source.password = nil
        source.path = copy.remote
        return JobRecord(kind: .download, source: source.description, destination: absolutePath(copy.local), ascii: ascii, overwrite: overwrite?.rawValue)
    }

    /// The journal's record of sending the local file of `copy` to the server of `url`.
    static func upload(_ copy: FilePair, to url: FTPURL, ascii: Bool, overwrite: OverwritePolicy?) -> JobRecord {
        var destination = url
        destination.password = nil
        destination.path = copy.remote
        return JobRecord(kind: .upload, source: absolutePath(copy.local), destination: destination.description, ascii: ascii, overwrite: overwrite?.rawValue)
    }

    /// A local path made absolute against the current folder.
    static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = FileManager.default.currentDirectoryPath
        let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return (folder.hasSuffix("/") ? folder : folder + "/") + relative
    }
}

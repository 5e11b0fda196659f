import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry cp [-r] SRC_URL DST_URL`: copy from a server to a server, streamed through ferry.
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files (and folders with -r) from one server to another, streamed through ferry.",
        discussion: """
            No temporary file is written and the servers need not talk to each other: each file is \
            read from the source as it is stored on the destination, over connections of its own. \
            A destination URL ending in / (or naming an existing directory) is a directory: the \
            file keeps its name there; with -r a folder is copied as cp -r does. The destination's \
            digest is compared with the bytes that passed where it offers one. \
            Example: ferry cp -r ftp://old.example/site/ ftpes://new.example/www/
            """
    )

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var batch: BatchOptions

    @OptionGroup var filters: FilterOptions

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The source URL, then the destination URL.", valueName: "URL"))
    var arguments: [String]

    func validate() throws {
        if !transfer.recursive, !filters.isEmpty { throw ValidationError("--exclude and --include go with -r") }
        if transfer.ascii { throw ValidationError("cp copies bytes as they are: -a/--ascii does not apply") }
    }

    func run() throws {
        guard arguments.count == 2 else { throw Failure(.usage, "cp needs a source URL and a destination URL") }
        let (source, destination) = (try ConnectionOptions.parseURL(arguments[0]), try ConnectionOptions.parseURL(arguments[1]))
        if !transfer.recursive, source.isDirectory, !RemoteMatches.isPattern(source) {
            throw Failure(.usage, "\(source) names a directory: add -r to copy it with all inside")
        }
        let (from, to) = (try connection.endpoint(for: source), try connection.endpoint(for: destination))
        let sessions = SessionPool()
        defer { sessions.close(awaitingGoodbye: false) }
        var copies: [(source: RemotePath, destination: RemotePath)] = []
        var refused: [String] = []
        do {
            let reading = sessions.session(for: from)
            var sources = [source]
            if RemoteMatches.isPattern(source) {
                sources = try RemoteMatches(source, session: reading, action: "copy")
                    .urls(on: source, recursive: transfer.recursive, refused: &refused, verb: "copy")
            }
            let reader = try reading.connection()
            let writer = try sessions.session(for: to, role: "destination").connection()
            let ends = try OneServerCopy(from: from, reading: reader, to: to, writing: writer)
            // Several matches of a pattern go into the destination as into a folder.
            let intoFolder = destination.isDirectory || sources.count + refused.count > 1
                || RemoteFileSystem.isFolder(destination.path, client: writer)
            for source in sources {
                let name = source.path.lastComponent.description.isEmpty ? source.host : source.path.lastComponent.description
                guard SafeName.isSafe(name) else { throw Failure(.usage, "cannot name a copy \(SafeName.shown(name))") }
                let target = intoFolder ? destination.path.appending(RemotePath(name)) : destination.path
                switch ends.overlap(copying: source.path, to: target, recursive: transfer.recursive) {
                case .sameFile: throw Failure(.usage, "\(source) and \(destination.with(path: target)) are the same file")
                case .intoItself: throw Failure(.usage, "cannot copy \(source) into itself (\(destination.with(path: target)))")
                case nil: break
                }
                if transfer.recursive, source.isDirectory || RemoteFileSystem.isFolder(source.path, client: reader) {
                    let walk = try TreeWalk(from: RemoteFileSystem(client: reader), to: RemoteFileSystem(client: writer), filter: filters.filter)
                        .copy(source.path, to: target)
                    copies += walk.files.map { ($0.source, $0.destination) }
                    refused += walk.refused
                } else {
                    copies.append((source.path, target))
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(error, while: "cannot copy \(source) to \(destination)")
        }
        let limiter = batch.makeRateLimiter()
        let claims = DestinationClaims(copies.map(\.destination.bytes))
        let files = copies.map {
            copy(from: source.with(path: $0.source), to: destination.with(path: $0.destination), endpoints: (from, to), limiter: limiter, claims: claims)
        }
        let connections = batch.connections(for: files.count)
        let transfers = TransferBatch(count: files.count + refused.count, noun: "copies", options: batch, connections: connections, verbose: connection.verbose)
        refused.forEach(transfers.fail)
        transfers.run(files, connections: connections, mostConnections: batch.mostConnections(for: files.count), sessions: sessions)
        try transfers.finish()
    }

    /// The batch entry that copies one file.
    private func copy(
        from source: FTPURL, to destination: FTPURL, endpoints: (RemoteEndpoint, RemoteEndpoint), limiter: RateLimiter?, claims: DestinationClaims
    ) -> BatchFile {
        let job = JobRecord(
            kind: .copy, source: source.withoutPassword.description, destination: destination.withoutPassword.description,
            overwrite: transfer.overwritePolicy.rawValue)
        return Self.file(
            job, from: source, to: destination, endpoints: endpoints, policy: transfer.overwritePolicy, verifies: batch.verifies,
            retry: connection.retryPolicy, limiter: limiter, claims: claims)
    }

    /// The batch entry that copies `source` to `destination` as `policy` says about a file there,
    /// at most as fast as `limiter` allows; a free name for it is one none of `claims` holds.
    static func file(
        _ job: JobRecord, from source: FTPURL, to destination: FTPURL, endpoints: (RemoteEndpoint, RemoteEndpoint), policy: OverwritePolicy,
        verifies: Bool, retry: RetryPolicy, limiter: RateLimiter?, claims: DestinationClaims? = nil
    ) -> BatchFile {
        BatchFile(
            name: source.path.lastComponent.description, failing: "cannot copy \(source) to \(destination)", endpoint: endpoints.0, job: job,
            companion: (endpoints.1, "destination")
        ) { context in
            let reading = context.sessions.session(for: endpoints.0)
            let writing = context.sessions.session(for: endpoints.1, role: "destination")
            let copy = RemoteCopy(from: source.path, to: destination.path, settings: TransferSettings(verifies: verifies, rateLimiter: limiter))
            return try FileJob(copy, policy: policy, claims: claims).run(from: .server(reading), to: .server(writing), retry: retry, context: context)
        }
    }
}

extension FTPURL {
    /// The same server with another path.
    func with(path: RemotePath) -> FTPURL {
        var copy = self
        copy.path = path
        return copy
    }

    /// The URL without its password, as the journal keeps it.
    var withoutPassword: FTPURL {
        var copy = self
        copy.password = nil
        return copy
    }
}

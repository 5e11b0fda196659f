import Commander
import Foundation
import FTP
import FTPWire
import Logging
import Transfers

/// Carries out the commander's effects off the main thread and reports back through the mailbox.
///
/// Browsing runs on one serial queue per pane, with a connection per site of its own; transfers
/// run on the engine's `TransferQueue`, `parallel` workers with connections of their own, so
/// browsing stays quick while files move. Transfers start in the order they were queued, each
/// on the first worker free.
final class CommanderWorkers: @unchecked Sendable {
    // @unchecked: the sessions are touched only on the queues noted at each; the rest are
    // locked or constants.
    private let mailbox: Mailbox<LoopMessage>
    private let connection: ConnectionOptions
    /// How many connections transfers use.
    private let parallel: Int
    /// The bucket that holds every transfer to `--limit-rate`; nil for none.
    private let rateLimiter: RateLimiter?
    private let browseQueues = [DispatchQueue(label: "ferry-browse-0"), DispatchQueue(label: "ferry-browse-1")]
    /// The transfers, on the engine's queue: `parallel` workers with connections of their own.
    private let transfers: TransferQueue
    /// Where the commander's copies are journalled, file by file.
    private let journal: JournalFile?
    /// The folder of the journals, this run's and those earlier runs left unfinished.
    private let journalFolder: Journal
    /// Whether the log has said that the journal could not be written (it says so once).
    private let journalFailureTold = Locked(false)
    private let sites = Locked<[String: RemoteEndpoint]>([:])
    /// Browsing sessions, one per pane and site: each pane's used on that pane's browse queue only.
    private let browseSessions = [PaneSessions(), PaneSessions()]
    /// Which of the commander's transfers is which on the queue.
    private let ledger = TransferLedger()
    /// The connection each pane's listing uses while it runs, to cancel it from the main thread.
    private let listings = Locked<[Int: Cancellation]>([:])

    /// Sends NOOP on idle browsing connections every minute.
    private let keepAliveTimer = DispatchSource.makeTimerSource(queue: .global())

    /// Workers for a commander whose transfers run over `parallel` connections, journalled in
    /// `journalFolder`.
    init(
        mailbox: Mailbox<LoopMessage>, connection: ConnectionOptions, parallel: Int = 2, rateLimiter: RateLimiter? = nil,
        journalFolder: Journal = .standard()
    ) {
        self.rateLimiter = rateLimiter
        self.mailbox = mailbox
        self.connection = connection
        self.parallel = max(1, parallel)
        self.journalFolder = journalFolder
        journal = try? journalFolder.begin()
        let ledger = ledger
        transfers = TransferQueue(connections: parallel, journal: nil, adoptedFrom: nil, stops: { _ in false }) { event in
            // A transfer that started reports its own end; one cancelled while queued ends here.
            guard case .cancelled(let queued) = event,
                  let id = ledger.queueIDs.withLock({ $0.first { $0.value == queued }?.key }), !ledger.began.withLock({ $0.contains(id) })
            else { return }
            mailbox.post(.event(.transferFinished(id: id, error: nil)))
        }
        transfers.start()
        DispatchQueue.global().async { [mailbox] in
            let count = journalFolder.unfinishedJobs().count
            if count > 0 { mailbox.post(.event(.unfinishedTransfers(count: count))) }
        }
        keepAliveTimer.schedule(deadline: .now() + 60, repeating: 60, leeway: .seconds(5))
        keepAliveTimer.setEventHandler { [weak self] in self?.keepAlive() }
        keepAliveTimer.resume()
    }

    deinit {
        keepAliveTimer.cancel()
        transfers.close()
        journal?.close()
    }

    private func keepAlive() {
        for (pane, queue) in browseQueues.enumerated() {
            queue.async { self.browseSessions[pane].sessions.values.forEach { $0.keepAlive() } }
        }
    }

    /// Registers a site for a URL and returns its location (path to be resolved by the first listing).
    func register(_ url: FTPURL, endpoint: RemoteEndpoint) -> Location {
        var siteURL = url
        siteURL.path = ""
        var site = siteURL.description
        if site.hasSuffix("/") { site.removeLast() }
        var registered = endpoint
        registered.logger = logger
        sites.withLock { $0[site] = registered }
        return .remote(site: site, path: url.path)
    }

    /// A logger whose lines go to the commander's log view.
    var logger: Logger {
        let mailbox = self.mailbox
        var logger = Logger(label: "ferry.commander", factory: { _ in LineLogHandler { mailbox.post(.event(.log($0))) } })
        logger.logLevel = .trace
        return logger
    }

    // MARK: Effects (called by `CommanderEffects` on the loop's thread; they never block)

    /// Lists a location for a pane, on that pane's queue.
    func list(pane: Int, location: Location, focus: RemotePath?) {
        browseQueues[pane].async { self.listNow(pane: pane, location: location, focus: focus) }
    }

    func listFolders(pane: Int, location: Location) {
        browseQueues[pane].async { self.listFoldersNow(pane: pane, location: location) }
    }

    /// Stops the listing running for a pane. Under the lock, while the listing is still
    /// running: a moment later the pane's connection may be doing something else.
    func cancelListing(pane: Int) {
        listings.withLock { $0[pane]?.cancel() }
    }

    func startTransfer(id: Int, _ request: TransferRequest) {
        queue(id: id, request)
    }

    func cancelTransfer(id: Int) {
        // A paused transfer is let go, to notice it was cancelled.
        ledger.gates.withLock { $0[id] }?.open()
        if let queued = ledger.queueIDs.withLock({ $0[id] }) { transfers.cancel(queued) }
    }

    func pauseTransfer(id: Int, paused: Bool) {
        guard let gate = ledger.gates.withLock({ $0[id] }) else { return }
        if paused { gate.pause() } else { gate.resume() }
    }

    func makeDirectory(pane: Int, in location: Location, named name: String) {
        operate(pane: pane, on: location, success: "Made \(name)") { client in
            if let client { try client.mkd(Self.remotePath(location).appending(RemotePath(name))) } else {
                try FileManager.default.createDirectory(atPath: Self.localPath(location) + "/" + name, withIntermediateDirectories: false)
            }
        }
    }

    func changeMode(pane: Int, in location: Location, of entries: [ListingEntry], to mode: Int) {
        let octal = String(mode, radix: 8)
        operate(pane: pane, on: location, success: "Permissions of \(entries.count) entr\(entries.count == 1 ? "y" : "ies") set to \(octal)") { client in
            for entry in entries {
                if let client {
                    do {
                        try client.chmod(try ListedName.remote(entry, in: Self.remotePath(location), to: "change the permissions of"), mode: mode)
                    } catch let error as FTPError where error.isUnsupportedCommand {
                        throw FTPError(kind: .permanent, detail: "the server does not support SITE CHMOD")
                    }
                } else {
                    let path = try ListedName.local(entry, in: Self.localPath(location), to: "change the permissions of")
                    guard Glibc.chmod(path, mode_t(mode)) == 0 else { throw LocalFileError(path: path, action: "cannot change the permissions of") }
                }
            }
        }
    }

    func delete(pane: Int, in location: Location, _ entries: [ListingEntry]) {
        operate(pane: pane, on: location, success: "Deleted \(entries.count) entr\(entries.count == 1 ? "y" : "ies")") { client in
            // A name that could lead outside the folder is left alone, the rest deleted.
            var refused: [FTPError] = []
            let kinds = ListedKinds()
            for entry in entries {
                do {
                    if let client {
                        let path = try ListedName.remote(entry, in: Self.remotePath(location), to: "delete")
                        if entry.kind == .directory { try client.removeTree(path, kinds: kinds) } else { try client.delete(path) }
                    } else {
                        try FileManager.default.removeItem(atPath: try ListedName.local(entry, in: Self.localPath(location), to: "delete"))
                    }
                } catch let error as FTPError where error.kind == .protocolViolation {
                    refused.append(error)
                }
            }
            guard let first = refused.first else { return }
            throw refused.count == 1 ? first : FTPError(kind: .protocolViolation, detail: "\(first.detail) (and \(refused.count - 1) more)")
        }
    }

    func rename(pane: Int, in location: Location, _ entry: ListingEntry, to name: String) {
        operate(pane: pane, on: location, success: "Moved to \(name)") { client in
            try Self.rename(entry, in: location, to: RemotePath(name), client: client)
        }
    }

    /// Moves entries into a folder on the same side (`folder` ends in `/`), each keeping its
    /// name: one that fails (a name taken there, say) is left where it is, and the rest move.
    func move(pane: Int, in location: Location, _ entries: [ListingEntry], into folder: String) {
        operate(pane: pane, on: location, success: "Moved \(entries.count) entries to \(folder)") { client in
            var failures: [String] = []
            for entry in entries {
                do {
                    // The name as the server's bytes spell it (a local one's are its UTF-8).
                    try Self.rename(entry, in: location, to: RemotePath(bytes: Array(folder.utf8) + entry.remoteName.bytes), client: client)
                } catch let error as FTPError where error.isConnectionLoss {
                    throw error
                } catch {
                    failures.append("\(error)")
                }
            }
            guard let first = failures.first else { return }
            let moved = entries.count - failures.count
            throw FTPError(kind: .permanent, detail: "moved \(moved) of \(entries.count): \(first)\(failures.count > 1 ? " (and \(failures.count - 1) more)" : "")")
        }
    }

    /// Renames an entry of the folder at `location` to `name`, the server's bytes (a local one's
    /// UTF-8): a name stays in the folder; a path starting with / goes where it says. A name that
    /// is taken is not replaced.
    private static func rename(_ entry: ListingEntry, in location: Location, to name: RemotePath, client: FTPClient?) throws {
        if let client {
            let directory = remotePath(location)
            let target = name.bytes.first == UInt8(ascii: "/") ? name : directory.appending(name)
            let server = RemoteFileSystem(client: client)
            let source = try ListedName.remote(entry, in: directory, to: "rename")
            try refuseTaken(server.shown(target), if: try server.stat(target) != nil)
            try server.rename(source, to: target)
        } else {
            let (folder, name) = (localPath(location), name.description)
            let source = try ListedName.local(entry, in: folder, to: "rename")
            let target = name.hasPrefix("/") ? name : folder + "/" + name
            // A link there, even one that leads nowhere, is taken too.
            var status = stat()
            try refuseTaken(Sanitizer.visible(target), if: lstat(target, &status) == 0)
            try LocalFileSystem().rename(source, to: target)
        }
    }

    /// Refuses a rename onto a name that is `taken` (or may be, where the server's listing is
    /// incomplete): RNTO replaces a file there without a word.
    private static func refuseTaken(_ shown: String, if taken: Bool) throws {
        guard taken else { return }
        throw FTPError(kind: .permanent, detail: "\(shown) exists: not replaced (delete it first, or choose another name)")
    }

    /// Opens a URL in a pane, as `user` when given, or with a typed password.
    func connect(pane: Int, url: String, user: String? = nil, password: String? = nil) {
        browseQueues[pane].async { self.connectNow(pane: pane, url, user: user, password: password) }
    }

    /// Reads a range of a file for the viewer, on the queue and connection of its pane.
    func viewRange(pane: Int, location: Location, entry: ListingEntry, offset: UInt64, length: Int) {
        browseQueues[pane].async { self.viewRangeNow(pane: pane, location, entry, offset: offset, length: length) }
    }

    func prepareEdit(pane: Int, location: Location, entry: ListingEntry) {
        browseQueues[pane].async { self.prepareEditNow(pane: pane, location, entry) }
    }

    func uploadEdit(_ session: EditSession, force: Bool) {
        browseQueues[session.pane].async { self.uploadEditNow(session, force: force) }
    }

    func resumeUnfinishedTransfers() {
        DispatchQueue.global().async { self.resumeUnfinished() }
    }

    func discardUnfinishedTransfers() {
        journalFolder.abandoned().forEach { $0.discard() }
    }

    /// Trusts a certificate for a site (this run only, or for ever), then lists the pane again.
    func trustCertificate(pane: Int, location: Location, fingerprint: String, always: Bool) {
        guard case .remote(let site, _) = location else { return }
        trust(fingerprint, for: site, always: always)
        list(pane: pane, location: location, focus: nil)
    }

    // MARK: Browsing

    private func listNow(pane: Int, location: Location, focus: RemotePath?) {
        let result: Result<[ListingEntry], ListingFailure>
        var resolved = location
        var incomplete: String?
        switch location {
        case .local(let path):
            result = LocalFileSystem.entries(at: path).mapError { ListingFailure($0.description) }
        case .remote(let site, let path):
            do {
                let (listing, absolute) = try withBrowseSession(pane: pane, site: site) { client in
                    listings.withLock { $0[pane] = client.cancellation }
                    defer { listings.withLock { $0[pane] = nil } }
                    if !path.isEmpty { try client.cwd(path) }
                    let absolute = try client.pwd()
                    return (try client.listing(), absolute)
                }
                resolved = .remote(site: site, path: absolute)
                result = .success(listing.entries)
                if let incompleteness = listing.incompleteness {
                    incomplete = "\(incompleteness) (\(resolved)): it may be incomplete (o shows the log)"
                }
            } catch let error as FTPError {
                if let question = Self.question(error) {
                    mailbox.post(.event(.certificateUntrusted(pane: pane, location: location, question: question)))
                    return
                }
                result = .failure(ListingFailure("\(location): \(error)"))
            } catch {
                result = .failure(ListingFailure("\(location): \(error)"))
            }
        }
        mailbox.post(.event(.listed(pane: pane, location: resolved, focus: focus, result: result, at: Date(), incomplete: incomplete)))
    }

    /// Lists a branch of a pane's folder tree, on that pane's browse connection.
    private func listFoldersNow(pane: Int, location: Location) {
        let result: Result<[ListingEntry], ListingFailure>
        switch location {
        case .local(let path):
            result = LocalFileSystem.entries(at: path).mapError { ListingFailure($0.description) }
        case .remote(let site, let path):
            do {
                result = .success(try withBrowseSession(pane: pane, site: site) { client in try client.listDirectory(path) })
            } catch {
                result = .failure(ListingFailure("\(location): \(Self.describe(error))"))
            }
        }
        mailbox.post(.event(.foldersListed(pane: pane, location: location, result: result)))
    }

    /// Reads a range of a file for the viewer, read at its offset: from disk, or from a server's
    /// file with REST and RETR on the pane's browse connection, aborted once the range arrived.
    private func viewRangeNow(pane: Int, _ location: Location, _ entry: ListingEntry, offset: UInt64, length: Int) {
        let result: Result<[UInt8], ListingFailure>
        do {
            switch location {
            case .local(let folder):
                result = .success(try Self.readRange(of: try ListedName.local(entry, in: folder, to: "view"), on: LocalFileSystem(), offset: offset, count: length))
            case .remote(let site, let directory):
                let path = try ListedName.remote(entry, in: directory, to: "view")
                result = .success(try withBrowseSession(pane: pane, site: site) { client in
                    try Self.readRange(of: path, on: RemoteFileSystem(client: client), offset: offset, count: length)
                })
            }
        } catch {
            result = .failure(ListingFailure("Cannot view \(Sanitizer.visible(entry.name)): \(Self.describe(error))"))
        }
        mailbox.post(.event(.viewRangeLoaded(location: location, entry: entry, offset: offset, result: result)))
    }

    /// At most `count` bytes of a file from `offset` (fewer where it ends); a server's download
    /// not yet seen to end is stopped (ABOR) once they arrived.
    private static func readRange<System: FileSystem>(of path: System.Path, on system: System, offset: UInt64, count: Int) throws -> [UInt8] {
        let reader = try system.openReader(path, from: offset, type: .binary)
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        do {
            while filled < count {
                let read = try bytes.withUnsafeMutableBytes { try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
                if read == 0 { break }
                filled += read
            }
        } catch {
            throw reader.finish() ?? error
        }
        if let failure = reader.finish() { throw failure }
        return Array(bytes[0..<filled])
    }

    /// A new folder only this user can read, under the temporary directory.
    private static func privateFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder
    }

    /// A refused certificate as a question for the person at the keyboard; nil for other errors.
    private static func question(_ error: FTPError) -> CertificateQuestion? {
        guard error.kind == .tls, let certificate = error.certificate else { return nil }
        let reason = error.detail.range(of: " (SHA-256").map { String(error.detail[..<$0.lowerBound]) } ?? error.detail
        return CertificateQuestion(
            reason: reason, subject: certificate.subject, names: certificate.alternativeNames,
            expires: certificate.notAfter, fingerprint: certificate.fingerprint)
    }

    /// Accepts a certificate for a site: pinned for this session, and stored among the known
    /// certificates when `always`. Connections to the site are made anew with it.
    private func trust(_ fingerprint: String, for site: String, always: Bool) {
        let endpoint = sites.withLock { sites -> RemoteEndpoint? in
            sites[site]?.tls.pinnedFingerprint = fingerprint
            return sites[site]
        }
        if always, let endpoint {
            do {
                try KnownCertificates.standard().trust(host: endpoint.url.host, port: endpoint.url.port, fingerprint: fingerprint)
            } catch {
                mailbox.post(.event(.log("cannot record the certificate: \(error)")))
            }
        }
        for (pane, queue) in browseQueues.enumerated() {
            queue.async { self.browseSessions[pane].sessions[site] = nil }
        }
    }

    // MARK: Editing

    /// Makes the local copy to edit: the file itself when local, else a download into a private
    /// temporary folder, with the server's size and time noted.
    private func prepareEditNow(pane: Int, _ location: Location, _ entry: ListingEntry) {
        do {
            switch location {
            case .local(let folder):
                let localPath = try ListedName.local(entry, in: folder, to: "edit")
                mailbox.post(.event(.editReady(EditSession(pane: pane, location: location, entry: entry, localPath: localPath, stamp: ""))))
            case .remote(let site, let directory):
                let path = try ListedName.remote(entry, in: directory, to: "edit")
                let folder = try Self.privateFolder("ferry-edit")
                let localPath = folder.appendingPathComponent(entry.name).path
                let stamp = try withBrowseSession(pane: pane, site: site) { client in try Self.remoteStamp(path, client: client) }
                guard let session = browseSession(pane: pane, site: site) else { throw FTPError(kind: .usage, detail: "unknown site \(site)") }
                try FileDownload(remotePath: path, localPath: localPath).run(on: session, retry: .never)
                mailbox.post(.event(.editReady(EditSession(pane: pane, location: location, entry: entry, localPath: localPath, stamp: stamp))))
            }
        } catch {
            mailbox.post(.event(.operationFinished(location: location, message: "Cannot edit \(Sanitizer.visible(entry.name)): \(Self.describe(error))")))
        }
    }

    /// Sends an edited copy back, unless (without `force`) the server's file changed meanwhile.
    private func uploadEditNow(_ session: EditSession, force: Bool) {
        guard case .remote(let site, let directory) = session.location else { return }
        var message = "Uploaded \(session.name)"
        do {
            if !force {
                let now = try withBrowseSession(pane: session.pane, site: site) { client in
                    try Self.remoteStamp(try ListedName.remote(session.entry, in: directory, to: "upload"), client: client)
                }
                if now != session.stamp {
                    mailbox.post(.event(.editConflict(session)))
                    return
                }
            }
            guard let remote = browseSession(pane: session.pane, site: site) else { return }
            let savedAs = session.name != session.entry.name
            let target = savedAs ? directory.appending(RemotePath(session.name)) : try ListedName.remote(session.entry, in: directory, to: "upload")
            if savedAs {
                // Saved under another name: one that is taken is not replaced.
                try withBrowseSession(pane: session.pane, site: site) { client in
                    let server = RemoteFileSystem(client: client)
                    try Self.refuseTaken(server.shown(target), if: try server.stat(target) != nil)
                }
            }
            try FileUpload(localPath: session.localPath, remotePath: target).run(on: remote, retry: connection.retryPolicy)
            Self.removeEditCopy(session.localPath)
        } catch {
            message = "Cannot upload \(session.name): \(Self.describe(error)); your copy stays in \(session.localPath)"
        }
        mailbox.post(.event(.operationFinished(location: session.location, message: message)))
    }

    /// Removes the private folder of a server file's local copy once it is no longer needed.
    static func removeEditCopy(_ path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        guard folder.lastPathComponent.hasPrefix("ferry-edit-") else { return }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The server's size and time of a file, to notice a change.
    private static func remoteStamp(_ path: RemotePath, client: FTPClient) throws -> String {
        let size = try client.size(path)
        let modified = (try? client.mdtm(path)).map { String($0.timeIntervalSince1970) } ?? "?"
        return "\(size)|\(modified)"
    }

    /// A pane's browsing session for a site, made on first use, and made again after a cancel
    /// (one that came as a listing ended leaves the session cancelled for good, though nothing
    /// failed); on that pane's queue only.
    private func browseSession(pane: Int, site: String) -> RemoteSession? {
        if let session = browseSessions[pane].sessions[site] {
            guard session.cancellation.isCancelled else { return session }
            session.drop()
        }
        guard let endpoint = sites.withLock({ $0[site] }) else { return nil }
        let session = RemoteSession(endpoint: endpoint)
        browseSessions[pane].sessions[site] = session
        return session
    }

    /// Opens a URL in a pane, as `user` when given; asks for the password a named user needs.
    private func connectNow(pane: Int, _ text: String, user: String?, password: String?) {
        do {
            var url = try FTPURL(text)
            if let user { url.user = user }
            var endpoint = try connection.endpoint(for: url, interactive: false)
            if let password { endpoint.password = password }
            if url.user != nil, endpoint.password.isEmpty {
                // The user may come from the dialog: ask with a URL that names it.
                mailbox.post(.event(.passwordNeeded(pane: pane, url: url.description)))
                return
            }
            let location = register(url, endpoint: endpoint)
            listNow(pane: pane, location: location, focus: nil)
        } catch {
            let message = (error as? FTPURLError)?.description ?? "\(error)"
            mailbox.post(.event(.listed(pane: pane, location: .local("/"), focus: nil, result: .failure(ListingFailure(message)), at: Date())))
        }
    }

    /// Runs `body` with a pane's session for a site, reconnecting once if the connection had dropped.
    private func withBrowseSession<Result>(pane: Int, site: String, _ body: (FTPClient) throws -> Result) throws -> Result {
        guard let session = browseSession(pane: pane, site: site) else { throw FTPError(kind: .usage, detail: "unknown site \(site)") }
        do {
            return try body(session.connection())
        } catch {
            let failure = error as? FTPError
            if failure?.kind == .cancelled {
                // A cancelled session is finished: the next listing makes a new one.
                session.drop()
                browseSessions[pane].sessions[site] = nil
            }
            guard failure?.isConnectionLoss == true else { throw error }
            session.drop()
            return try body(session.connection())
        }
    }

    /// Runs a file operation on the queue and connection of the pane that asked for it, then reports.
    private func operate(pane: Int, on location: Location, success: String, _ body: @escaping @Sendable (FTPClient?) throws -> Void) {
        browseQueues[pane].async {
            var message = success
            do {
                if case .remote(let site, _) = location {
                    try self.withBrowseSession(pane: pane, site: site) { try body($0) }
                } else {
                    try body(nil)
                }
            } catch {
                message = "Failed: \(error)"
            }
            self.mailbox.post(.event(.operationFinished(location: location, message: message)))
        }
    }

    static func remotePath(_ location: Location) -> RemotePath {
        if case .remote(_, let path) = location { return path }
        return ""
    }

    static func localPath(_ location: Location) -> String {
        if case .local(let path) = location { return path }
        return "/"
    }

    // MARK: Transfers

    /// Puts a transfer on the queue: the source's server (or the one server) is the one a worker
    /// connects to first, and the destination's, when both are servers, gets a connection apart.
    private func queue(id: Int, _ request: TransferRequest) {
        let remoteSites: [String] = switch (request.source, request.destination) {
        case (.remote(let from, _), .remote(let to, _)): [from, to]
        case (.remote(let site, _), .local), (.local, .remote(let site, _)): [site]
        case (.local, .local): []
        }
        let endpoints = sites.withLock { sites in remoteSites.compactMap { sites[$0] } }
        guard let first = endpoints.first, endpoints.count == remoteSites.count else {
            mailbox.post(.event(.transferFinished(id: id, error: "copies need a server on at least one side")))
            return
        }
        let kind: JobRecord.Kind = switch request.direction {
        case .download: .download
        case .upload: .upload
        case .serverToServer: .copy
        }
        let record = JobRecord(kind: kind, source: request.source.description, destination: request.destination.description)
        let gate = PauseGate()
        ledger.gates.withLock { $0[id] = gate }
        let queued = transfers.enqueue([QueuedTransfer(name: request.entry.name, job: record, endpoint: first) { [self] context in
            ledger.began.withLock { _ = $0.insert(id) }
            mailbox.post(.event(.transferStarted(id: id)))
            do {
                let destination = endpoints.count > 1 ? context.sessions.session(for: endpoints[1], role: "destination") : nil
                let copy = TreeCopy(
                    session: context.session, destination: destination, retry: connection.retryPolicy,
                    meter: ProgressPoster(id: id, mailbox: mailbox, gate: gate), journal: journal, journalFolder: journalFolder,
                    onConflict: request.onConflict,
                    rateLimiter: rateLimiter)
                let outcome = try copy.copy(request)
                for reason in outcome.skipped {
                    mailbox.post(.event(.log("not copied into \(request.destination): \(reason)")))
                }
                if request.movesSource { try deleteSource(of: request, copied: outcome, client: context.session.connection()) }
                release(gate, of: id)
                mailbox.post(.event(.transferFinished(id: id, error: nil, verified: outcome.verified, skipped: outcome.skipped.count)))
                tellIfTheJournalFailed()
                if outcome.startedOver > 0 {
                    let files = outcome.startedOver == 1 ? "\(request.entry.name) was" : "\(outcome.startedOver) files were"
                    mailbox.post(.event(.notice(
                        "\(files) copied from the start: continuing needs bytes a Ferry copy wrote from the same, unchanged source")))
                }
            } catch {
                release(gate, of: id)
                let cancelled = context.session.cancellation.isCancelled
                if !cancelled { context.session.drop() }
                mailbox.post(.event(.transferFinished(id: id, error: cancelled ? nil : Self.describe(error))))
                throw error
            }
            return TransferOutcome(bytes: 0, verified: nil)
        }])
        ledger.queueIDs.withLock { $0[id] = queued.first }
    }

    /// Says once in the log that the journal could not be written: the copies go on, but one
    /// a crash stopped could not be continued.
    private func tellIfTheJournalFailed() {
        guard let failure = journal?.writeFailure, !journalFailureTold.withLock({ told in defer { told = true }; return told }) else { return }
        mailbox.post(.event(.log("\(failure); copies go on, but after a crash they could not be resumed")))
    }

    /// Lets a finished transfer's gate go: nothing holds it any more.
    private func release(_ gate: PauseGate, of id: Int) {
        gate.open()
        ledger.gates.withLock { gates in
            if gates[id] === gate { gates[id] = nil }
        }
    }

    /// Finishes what an earlier run left in the journal on a queue of its own (journalled, so a
    /// crash now loses nothing either), and says in the log and the status line how it went.
    private func resumeUnfinished() {
        let jobs = journalFolder.unfinishedJobs()
        var files: [QueuedTransfer] = []
        for job in jobs {
            do {
                files.append(try ResumeCommand.file(for: job, connection: connection, verifies: true, interactive: false).queued)
            } catch {
                mailbox.post(.event(.log("cannot resume \(Sanitizer.visible(job.record.destination)): \(Self.describe(error))")))
            }
        }
        let tally = Locked((done: 0, failed: 0))
        let journal = try? journalFolder.begin()
        let queue = TransferQueue(connections: parallel, journal: journal, adoptedFrom: journalFolder, stops: { _ in false }) { [mailbox] event in
            switch event {
            case .done, .skipped: tally.withLock { $0.done += 1 }
            case .failed(_, let error):
                tally.withLock { $0.failed += 1 }
                mailbox.post(.event(.log("resume: \(Self.describe(error))")))
            default: break
            }
        }
        queue.enqueue(files)
        queue.close()
        let sessions = SessionPool()
        queue.run(on: sessions)
        sessions.close()
        journal?.close()
        let (done, failed) = tally.withLock { ($0.done, $0.failed) }
        let message = "Resumed \(done) of \(jobs.count) unfinished transfer\(jobs.count == 1 ? "" : "s")" + (failed > 0 ? "; \(failed) failed (see the log, o)" : "")
        // The panes showing where the first download went are refreshed.
        let folder = jobs.first { $0.record.kind == .download }.map { URL(fileURLWithPath: $0.record.destination).deletingLastPathComponent().path }
        mailbox.post(.event(.operationFinished(location: .local(folder ?? "/"), message: message)))
    }

    /// Deletes what a move copied, once the copy succeeded: a file, unless it was left because
    /// it existed at the destination; of a folder, only the files copied, and then each folder
    /// that leaves empty. Whatever the copy did not take stays with its folders: a file that
    /// came while it ran, one left at the destination, a link, a pipe.
    private func deleteSource(of request: TransferRequest, copied outcome: TreeCopy.Outcome, client: FTPClient) throws {
        switch request.source {
        case .remote(_, let directory):
            let path = try ListedName.remote(request.entry, in: directory, to: "delete")
            guard request.entry.kind == .directory else {
                if outcome.skipped.isEmpty { try client.delete(path) }
                return
            }
            // Walked again, not deleted path by path: a copied path may lead through a link
            // the server listed as a folder, to files outside the folder moved.
            try client.removeFiles(Set(outcome.copied.compactMap { if case .remote(let path) = $0 { path } else { nil } }), under: path)
        case .local(let folder):
            let path = try ListedName.local(request.entry, in: folder, to: "delete")
            guard request.entry.kind == .directory else {
                if outcome.skipped.isEmpty { try FileManager.default.removeItem(atPath: path) }
                return
            }
            for case .local(let file) in outcome.copied { try FileManager.default.removeItem(atPath: file) }
            Self.removeEmptied(path)
        }
    }

    /// Removes the local folder `path` and the folders under it that are empty, deepest first;
    /// links are not followed.
    private static func removeEmptied(_ path: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            let child = path + "/" + name
            var status = stat()
            if lstat(child, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { removeEmptied(child) }
        }
        rmdir(path)
    }

    static func describe(_ error: any Error) -> String {
        (error as? FTPError)?.description ?? (error as? LocalFileError)?.description ?? "\(error)"
    }
}

/// Which of the commander's transfers is which on the engine's queue, and which a worker began
/// (the others end when they are cancelled before they start); shared with the queue's events.
private final class TransferLedger: Sendable {
    /// The queue's id of each transfer, by the commander's id.
    let queueIDs = Locked<[Int: Int]>([:])
    let began = Locked<Set<Int>>([])
    /// The gate each transfer's progress passes, to pause it.
    let gates = Locked<[Int: PauseGate]>([:])
}

/// Sessions by site of one pane's browsing or one transfer worker; touched on that one queue only.
final class PaneSessions: @unchecked Sendable {
    // @unchecked: confined to one serial queue, as said above.
    var sessions: [String: RemoteSession] = [:]
}

/// What the event loop receives from other threads.
enum LoopMessage: Sendable {
    case event(Event)
    /// A signal asked the program to stop.
    case terminate
    /// The terminal window changed size (SIGWINCH).
    case terminalResized
    /// Ctrl-Z (SIGTSTP): give the terminal back and stop until continued.
    case suspend
}

/// Posts one queued transfer's progress to the commander; the engine's meter decides when
/// (about ten times a second) and with what rate and time left.
final class ProgressPoster: @unchecked Sendable {
    // @unchecked: used by the transfer queue's one thread only.
    private let id: Int
    private let mailbox: Mailbox<LoopMessage>
    /// Where a paused transfer waits: reports come between two chunks, so no bytes move meanwhile.
    private let gate: PauseGate
    private var meter = ProgressMeter()

    init(id: Int, mailbox: Mailbox<LoopMessage>, gate: PauseGate) {
        self.id = id
        self.mailbox = mailbox
        self.gate = gate
    }

    /// A new file starts: its rate is measured afresh.
    func begin() {
        meter = ProgressMeter()
    }

    func report(_ progress: TransferProgress) {
        gate.waitWhilePaused()
        guard let report = meter.update(progress) else { return }
        mailbox.post(.event(.transferProgress(
            id: id, currentName: report.name, completed: report.bytes, total: report.total, bytesPerSecond: report.bytesPerSecond)))
    }
}

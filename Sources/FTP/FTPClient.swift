import Foundation
import FTPWire
import Logging

/// An FTP client with the surface of Python's `ftplib.FTP`, in Swift style.
///
/// Calls are synchronous and block the calling thread, each network wait bounded by
/// `Options.timeout`. One client is one control connection and must be used from one thread
/// at a time; `cancellation` may be used from any thread to stop it.
///
/// ```swift
/// let ftp = try FTPClient(host: "ftp.example.org")
/// try ftp.login(user: "anonymous", password: "guest@")
/// try ftp.retrieve("README", onChunk: { chunk in output.append(contentsOf: chunk) })
/// try ftp.quit()
/// ```
public final class FTPClient {
    /// How data connections are made.
    public enum DataConnectionMode: Sendable, Equatable {
        /// The client connects to the server (EPSV, then PASV).
        case passive
        /// The server connects to the client (EPRT for IPv6, PORT for IPv4).
        case active
    }

    /// How file contents are represented on the wire.
    public typealias TransferType = FTPWire.TransferType

    /// Whether and how the connection is protected by TLS.
    public enum Security: Sendable {
        /// Plain FTP.
        case none
        /// `AUTH TLS` after the greeting (RFC 4217); a server that refuses it is an error, never a
        /// reason to go on in plain text.
        case explicitTLS(TLSConfiguration)
        /// TLS from the first byte (the `ftps://` habit, port 990).
        case implicitTLS(TLSConfiguration)
    }

    /// Settings of a client.
    public struct Options: Sendable {
        /// Seconds any one network wait may take: connecting, a reply, a chunk of data.
        public var timeout: Double
        /// How data connections are made.
        public var dataConnectionMode: DataConnectionMode
        /// Whether to connect to the address in a 227 reply. Off by default: the control
        /// connection's peer is used, since a hostile server could otherwise point the client at
        /// another host (FTP bounce; CVE-2021-4189 in ftplib).
        public var trustsPassiveAddress: Bool
        /// Whether and how the connection is protected by TLS.
        public var security: Security
        /// Seconds one reply, or one TLS handshake, may take to arrive whole, however it trickles in
        /// (a server can keep each wait within `timeout` by sending a byte now and then); nil:
        /// 4 × `timeout`. Listings get as long, and then must keep to a minimum rate (`ListingPace`).
        public var replyDeadline: Double?
        /// How large one listing may grow before it is given up on.
        public var listingLimits: ListingLimits
        /// Whether commands may go out several in one write, their replies read in order (FEAT
        /// with USER, and PASS where it gives nothing away; a transfer's TYPE, passive request,
        /// REST and RETR; a digest request after a download's data). A server that turns out
        /// not to cope is sent one command at a time from then on.
        public var pipelining: Bool
        /// The slowest a server is taken to compute a file's digest, in bytes a second: the wait
        /// for a digest reply is `timeout` and the file's size at this rate (a server may be
        /// silent meanwhile), so that a large file's HASH does not time out and send the whole
        /// transfer round again. Servers hash at 200 MB/s and more; a busy one, slower.
        public var digestBytesPerSecond: Double = 50_000_000

        /// The reply deadline in force: `replyDeadline`, or 4 × `timeout`.
        public var effectiveReplyDeadline: Double { replyDeadline ?? 4 * timeout }

        /// How long a server may take to answer a digest command for a file of `size` bytes
        /// (unknown: as any reply).
        public func digestPatience(size: UInt64?) -> Double {
            guard let size, digestBytesPerSecond > 0 else { return timeout }
            return timeout + Double(size) / digestBytesPerSecond
        }

        public init(
            timeout: Double = 30, dataConnectionMode: DataConnectionMode = .passive, trustsPassiveAddress: Bool = false,
            security: Security = .none, replyDeadline: Double? = nil, listingLimits: ListingLimits = .standard, pipelining: Bool = true
        ) {
            self.timeout = timeout
            self.pipelining = pipelining
            self.listingLimits = listingLimits
            self.replyDeadline = replyDeadline
            self.dataConnectionMode = dataConnectionMode
            self.trustsPassiveAddress = trustsPassiveAddress
            self.security = security
        }
    }

    /// The server's greeting.
    public let welcome: Reply
    /// The extensions the server announced (FEAT, with USER or after login); empty before login.
    public private(set) var features = FeatureSet()
    /// How file contents are represented on the wire; binary unless changed.
    public var transferType: TransferType = .binary
    /// The settings this client was made with; `dataConnectionMode` may change at any time.
    public var options: Options
    /// Stops the client from another thread.
    public let cancellation: Cancellation

    let control: ControlConnection
    /// The control connection's socket (under TLS, when the connection has it): the one
    /// transport `cancellation` shuts down for it.
    private let controlSocket: TCPSocket
    let logger: Logger
    /// The host name the client was asked to reach, which certificates are checked against.
    let host: String
    /// The server's port, the key of the known-certificates store.
    let port: UInt16
    /// The TLS context of the control and data connections; nil for plain FTP.
    let tlsContext: TLSContext?
    /// The TYPE the server is known to be in, to skip sending it again.
    var serverTransferType: TransferType?
    /// Cleared after the server refused EPSV once: PASV is used from then on.
    public internal(set) var usesExtendedPassive = true
    /// Whether this connection sends commands several in one write: `options.pipelining`,
    /// until the server answers a pipelined command otherwise than the same command alone.
    public internal(set) var pipelinesCommands: Bool
    /// Requests written before their turn whose replies are still to be read, oldest first:
    /// every reply is read in order and paired with its own request.
    var sentAhead: [AheadRequest] = []
    /// The data connection of the first transfer sent ahead, made as soon as its passive reply
    /// was in (`connectAheadIfAnswered`), before the transfer's turn came.
    var earlyDataConnection: (command: FTPCommand, socket: TCPSocket)?
    /// Cleared once an early data connection failed: they wait for their turn from then on.
    var connectsEarly = true
    /// Commands whose answer changes nothing here (OPTS UTF8 ON), to go out in the same write
    /// as the next command.
    var unsentSettings: [FTPCommand] = []
    /// A file the caller will most likely download next, whole and in binary, on this
    /// connection: its passive request and RETR (after its SIZE and MDTM, where the caller asks
    /// them first) go out as soon as the current download's data has arrived, so that their
    /// replies travel while that download is finished. Cleared once sent; a request not taken
    /// up is abandoned (ABOR) before the next command.
    public var upcomingRetrieval: UpcomingRetrieval?
    /// The current directory as PWD last named it; nil once CWD has moved since.
    var knownDirectory: RemotePath?
    /// The algorithm HASH uses on this session, once set with OPTS HASH (or read from FEAT).
    var hashAlgorithmInUse: DigestAlgorithm?
    /// Whether the server refused OPTS HASH: HASH then keeps to the algorithm it has in use.
    var keepsItsHashAlgorithm = false
    /// Whether `announceDigest` has told the server which digest will be asked.
    var announcedDigest = false
    /// Whether the last data connection read to its end was a TLS one that ended without
    /// close_notify: its bytes may have been cut short by whoever closed it, which only the
    /// file's size or digest can then rule out.
    public internal(set) var dataEndedWithoutCloseNotify = false
    /// Whether the last protected data connection resumed the control connection's TLS
    /// session; nil before the first one.
    public internal(set) var dataConnectionResumedSession: Bool?

    /// The address and port of the server this client is connected to, to tell whether two
    /// clients reach one server however its name was spelled (`SocketAddress.sameHost`).
    public var serverAddress: SocketAddress { control.transport.remoteAddress }

    /// The control connection's TLS protocol and cipher (`TLSv1.3, TLS_AES_256_GCM_SHA384`);
    /// nil for plain FTP.
    public var tlsDescription: String? {
        (control.transport as? TLSStream).map { "\($0.protocolVersion), \($0.cipher)" }
    }

    /// Connects to `host` (a name, an IPv4 address or an IPv6 address without brackets) and reads
    /// the greeting. `cancellation` may be shared with the connections made before and after this
    /// one, so that one `cancel()` stops them all.
    public init(
        host: String, port: UInt16 = 21, options: Options = Options(), logger: Logger = FTPClient.silentLogger,
        cancellation: Cancellation = Cancellation()
    ) throws {
        self.cancellation = cancellation
        self.options = options
        pipelinesCommands = options.pipelining
        self.logger = logger
        self.host = host
        self.port = port
        switch options.security {
        case .none: tlsContext = nil
        case .explicitTLS(let configuration), .implicitTLS(let configuration): tlsContext = try FTPError.converting { try TLSContext(configuration: configuration) }
        }
        let socket = try FTPError.converting { try TCPSocket.connect(host: host, port: port, timeout: options.timeout) }
        logger.debug("connected to \(socket.remoteAddress)")
        controlSocket = socket
        cancellation.watch(socket)
        do {
            var transport: any Transport = socket
            if case .implicitTLS = options.security, let tlsContext {
                transport = try FTPError.converting {
                    try TLSStream.handshake(over: socket, context: tlsContext, host: host, port: port, deadline: options.effectiveReplyDeadline)
                }
                Self.logTLS(transport, logger: logger)
            }
            control = ControlConnection(transport: transport, logger: logger, replyDeadline: options.effectiveReplyDeadline)
            var greeting = try control.readReply(to: nil)
            if greeting.code == .serviceReadySoon { greeting = try control.readReply(to: nil) }
            guard greeting.code.kind == .positiveCompletion else { throw FTPError.unexpected(greeting, to: nil) }
            welcome = greeting
            if case .explicitTLS = options.security, let tlsContext {
                try startTLS(over: socket, context: tlsContext)
            }
        } catch {
            cancellation.forget(socket)
            socket.close()
            throw error
        }
    }

    /// `AUTH TLS` and the handshake on the control connection.
    private func startTLS(over socket: TCPSocket, context: TLSContext) throws {
        let command = try FTPCommand("AUTH", "TLS")
        let reply: Reply
        do {
            reply = try control.execute(command)
        } catch let error as FTPError where error.kind == .protocolViolation {
            // Whatever garbled the answer, TLS cannot start on it.
            throw FTPError(kind: .tls, command: "AUTH TLS", detail: "the server's answer to AUTH TLS is not valid (\(error.detail)); refusing to go on")
        }
        guard reply.code == .authAccepted else {
            throw FTPError(kind: .tls, command: "AUTH TLS", reply: reply,
                           detail: "the server does not offer TLS; refusing to go on in plain text")
        }
        // Plain-text bytes sent along with 234 would pass for the first replies inside TLS
        // (response injection, as in CVE-2011-0411): they end the connection instead.
        guard !control.hasBufferedInput else {
            throw FTPError(kind: .tls, command: "AUTH TLS", reply: reply,
                           detail: "the server sent more after accepting AUTH TLS, before TLS began (possible response injection); refusing to go on")
        }
        let stream = try FTPError.converting {
            try TLSStream.handshake(over: socket, context: context, host: host, port: port, deadline: options.effectiveReplyDeadline)
        }
        control.replaceTransport(stream)
        Self.logTLS(stream, logger: logger)
    }

    static func logTLS(_ transport: any Transport, logger: Logger) {
        guard let stream = transport as? TLSStream else { return }
        logger.debug("TLS: \(stream.protocolVersion), cipher \(stream.cipher)")
    }

    /// Whether the control connection is protected, and data connections must be too.
    var protectsData: Bool { tlsContext != nil }

    /// A logger that drops everything.
    public static let silentLogger = Logger(label: "ferry.ftp", factory: { _ in SwiftLogNoOpLogHandler() })

    // MARK: Session

    /// Whether `user` with `password` logs in anonymously: `anonymous` always; `ftp`, which
    /// servers take for it too, with no password or an address (an account of that name with a
    /// real password is a real account, its password a secret).
    public static func isAnonymous(_ user: String, password: String) -> Bool {
        switch user.lowercased() {
        case "anonymous": true
        case "ftp": password.isEmpty || password.contains("@")
        default: false
        }
    }

    /// Logs in, reading FEAT and turning on UTF-8 where offered. A refused login throws a
    /// `.loginRefused` error with the server's reply (usually 530). When pipelining, FEAT goes
    /// out in one write with USER (servers answer it before login as after; lftp asks it first),
    /// one round trip less, and is asked again after login where the server wanted a login
    /// first; PASS goes in that write too where it gives nothing away (`sendUser`); OPTS UTF8
    /// goes out with the next command. Nothing goes out after PASS: pyftpdlib, for one, answers
    /// a command sent after a wrong password before its late 530.
    public func login(user: String = "anonymous", password: String = "", account: String = "") throws {
        try guarded {
            // An anonymous login's password is an address by convention, not a secret.
            let anonymous = Self.isAnonymous(user, password: password)
            if !anonymous {
                // A server may echo the password in a reply: it is masked wherever text is shown.
                Sanitizer.neverShow(password)
                Sanitizer.neverShow(account)
            }
            let (pairReply, knowsFeatures) = try sendUser(
                FTPCommand("USER", user), password: FTPCommand("PASS", anonymous && password.isEmpty ? "anonymous@" : password), isSecret: !anonymous)
            var reply = pairReply
            if reply.code.kind == .positiveIntermediate {
                reply = try control.execute(FTPCommand("ACCT", account))
            }
            switch reply.code.kind {
            case .positiveCompletion:
                if protectsData { try protectDataConnections() }
                if !knowsFeatures { features = FeatureSet(reply: try control.execute(FTPCommand("FEAT"))) }
                try turnOnUTF8()
            case .permanentNegative: throw FTPError(kind: .loginRefused, command: "login as \(user)", reply: reply)
            default: throw FTPError.unexpected(reply, to: nil)
            }
        }
    }

    /// PBSZ 0 and PROT P: every data connection in TLS. A server that refuses fails the login
    /// as a TLS failure, as one that refuses AUTH TLS does: nothing goes on in the clear.
    private func protectDataConnections() throws {
        let commands = [try FTPCommand("PBSZ", "0"), try FTPCommand("PROT", "P")]
        try sendSettlingAhead(pipelinesCommands ? commands : [commands[0]])
        for (index, command) in commands.enumerated() {
            if index > 0, !pipelinesCommands { try control.send(command) }
            let reply = try control.readReply(to: command)
            guard reply.code.kind == .positiveCompletion else {
                throw FTPError(kind: .tls, command: command.description, reply: reply,
                               detail: "the server will not protect the data connections; refusing to go on in plain text")
            }
        }
    }

    /// USER and then PASS where USER asks for it (331), with FEAT before them in the same write
    /// when pipelining: the reply that ends the pair (PASS's, or USER's where it needed no
    /// password, an account instead, or was refused), and whether FEAT was answered (a server
    /// may want a login first).
    ///
    /// PASS goes in the same write only where it gives nothing away: over TLS, or as the
    /// address an anonymous login gives. Otherwise it waits for USER's 331, so that a
    /// server can refuse a user before the password would go out in clear (vsftpd refuses at
    /// USER the users it would refuse anyway, and those it wants to log in over TLS, for that
    /// reason). A PASS sent ahead of a USER that did not ask for it is answered too (usually
    /// 503) and that answer dropped; a server that closes the connection instead leaves USER's
    /// reply to say why. A server that refuses the USER sent with FEAT (500 or 503) is sent
    /// USER and PASS again one at a time, one that refuses only the PASS sent with them is sent
    /// PASS again, and either one command at a time from then on.
    private func sendUser(_ user: FTPCommand, password: FTPCommand, isSecret: Bool) throws -> (reply: Reply, knowsFeatures: Bool) {
        guard pipelinesCommands else { return (try sendUnpipelined(user, password: password), false) }
        let feat = try FTPCommand("FEAT")
        let passwordAhead = !isSecret || control.transport is TLSStream
        try control.send(passwordAhead ? [feat, user, password] : [feat, user])
        let featReply = try control.readReply(to: feat)
        let knowsFeatures = featReply.code.kind == .positiveCompletion
        if knowsFeatures { features = FeatureSet(reply: featReply) }
        let userReply = try control.readReply(to: user)
        if [500, 503].contains(userReply.code.rawValue) {
            if passwordAhead { _ = try control.readReply(to: password) }
            logger.debug("USER sent with FEAT was refused (\(userReply.code.rawValue)); sending one command at a time from now on")
            pipelinesCommands = false
            return (try sendUnpipelined(user, password: password), knowsFeatures)
        }
        guard userReply.code == .needPassword else {
            if passwordAhead { try dropReply(to: password) }
            return (userReply, knowsFeatures)
        }
        guard passwordAhead else { return (try control.execute(password), knowsFeatures) }
        let passwordReply = try control.readReply(to: password)
        guard [500, 503].contains(passwordReply.code.rawValue) else { return (passwordReply, knowsFeatures) }
        // Refused for coming with the others: asked for, it is sent again alone.
        logger.debug("PASS sent with USER was refused (\(passwordReply.code.rawValue)); sending one command at a time from now on")
        pipelinesCommands = false
        return (try control.execute(password), knowsFeatures)
    }

    /// USER, and PASS where USER asks for it (331), each waiting for its reply.
    private func sendUnpipelined(_ user: FTPCommand, password: FTPCommand) throws -> Reply {
        let reply = try control.execute(user)
        return reply.code == .needPassword ? try control.execute(password) : reply
    }

    /// Reads and drops the reply to a PASS sent ahead of a USER that did not ask for it. A 421
    /// still ends the session; a server that closed the connection after refusing USER leaves
    /// nothing to read, and USER's reply says why.
    private func dropReply(to password: FTPCommand) throws {
        do {
            let reply = try control.readReply(to: password)
            logger.debug("the PASS sent ahead was answered \(reply.code.rawValue); dropped")
            if reply.code == .serviceNotAvailable { throw FTPError.unexpected(reply, to: password) }
        } catch let error as FTPError where error.kind == .connection {
            logger.debug("the server closed the connection instead of answering the PASS sent ahead")
        }
    }

    /// OPTS UTF8 ON where FEAT offers UTF8; its answer changes nothing here, so it goes out with
    /// the next command when pipelining.
    private func turnOnUTF8() throws {
        if features.supports("UTF8") {
            let command = try FTPCommand("OPTS", "UTF8 ON")
            if pipelinesCommands {
                unsentSettings.append(command)
            } else {
                _ = try control.execute(command)
            }
        }
    }

    /// Sends a command line as it is and returns the reply, like ftplib's `sendcmd`.
    /// A 4xx or 5xx reply throws.
    @discardableResult
    public func sendCommand(_ line: String) throws -> Reply {
        try guarded {
            // Whatever it is (CWD, REIN, a server's own), it may have moved the current directory.
            knownDirectory = nil
            let verb = line.prefix(while: { $0 != " " })
            let argument = verb.count < line.count ? String(line.dropFirst(verb.count + 1)) : nil
            return try execute(FTPCommand(String(verb), argument), expecting: [.positivePreliminary, .positiveCompletion, .positiveIntermediate])
        }
    }

    /// Sends NOOP: keeps the connection alive and checks it still works.
    public func noop() throws {
        try guarded { _ = try execute(FTPCommand("NOOP")) }
    }

    /// Sends QUIT and closes the connection. The connection is closed even if QUIT fails.
    /// Without `awaitingReply`, it is closed as soon as QUIT is out: at the end of a program,
    /// where the server's 221 would change nothing but cost a round trip.
    public func quit(awaitingReply: Bool = true) throws {
        defer { close() }
        try guarded {
            guard awaitingReply else { return try sendSettlingAhead([FTPCommand("QUIT")]) }
            _ = try execute(FTPCommand("QUIT"))
        }
    }

    /// Closes the connection without a word to the server.
    public func close() {
        cancellation.forget(controlSocket)
        control.close()
        sentAhead = []
        earlyDataConnection?.socket.close()
        earlyDataConnection = nil
    }

    // MARK: Directories

    /// The current directory (PWD), byte for byte as the server names it.
    public func pwd() throws -> RemotePath {
        try guarded {
            let reply = try execute(FTPCommand("PWD"))
            guard let path = PathnameReply.path(from: reply.messageBytes) else {
                throw FTPError(kind: .protocolViolation, command: "PWD", reply: reply, detail: "no quoted path in the reply")
            }
            knownDirectory = RemotePath(bytes: path)
            return RemotePath(bytes: path)
        }
    }

    /// The current directory: as PWD last named it while CWD has not moved since, else from PWD.
    public func workingDirectory() throws -> RemotePath {
        try knownDirectory ?? pwd()
    }

    /// Changes the current directory; `..` sends CDUP.
    public func cwd(_ path: RemotePath) throws {
        try guarded {
            knownDirectory = nil
            _ = try execute(path == ".." ? FTPCommand("CDUP") : FTPCommand("CWD", path: path))
        }
    }

    /// Changes to the parent directory (CDUP).
    public func cdup() throws { try cwd("..") }

    /// Makes a directory and returns its path as the server names it.
    @discardableResult
    public func mkd(_ path: RemotePath) throws -> String {
        try guarded {
            let reply = try execute(FTPCommand("MKD", path: path))
            return PathnameReply.path(from: reply.message) ?? path.description
        }
    }

    /// Removes an empty directory.
    public func rmd(_ path: RemotePath) throws {
        try guarded { _ = try execute(FTPCommand("RMD", path: path)) }
    }

    /// Deletes a file.
    public func delete(_ path: RemotePath) throws {
        try guarded { _ = try execute(FTPCommand("DELE", path: path)) }
    }

    /// Renames (moves) a file or directory.
    public func rename(_ source: RemotePath, to destination: RemotePath) throws {
        try guarded {
            _ = try execute(FTPCommand("RNFR", path: source), expecting: [.positiveIntermediate])
            _ = try execute(FTPCommand("RNTO", path: destination))
        }
    }

    /// The size of a file in bytes (SIZE, RFC 3659), in the current transfer type. A SIZE that
    /// `store` sent ahead is taken up: its reply is the answer, unless it is 503, which a
    /// server out of step with the pipeline gives, and then it is asked again on its own.
    public func size(_ path: RemotePath) throws -> UInt64 {
        try guarded {
            let command = try FTPCommand("SIZE", path: path)
            func ask() throws -> Reply {
                try setServerTransferType(transferType)
                return try execute(command)
            }
            var reply: Reply
            if transferType == .binary, let sent = try takeAheadQuestion(command) {
                reply = sent
                if reply.code.rawValue == 503 { reply = try retryingUnpipelined(after: FTPError.unexpected(sent, to: command), ask) }
                guard reply.code.kind == .positiveCompletion else { throw FTPError.unexpected(reply, to: command) }
            } else {
                reply = try ask()
            }
            guard let size = UInt64(reply.message.trimmingCharacters(in: .whitespaces)) else {
                throw FTPError(kind: .protocolViolation, command: "SIZE", reply: reply, detail: "the reply holds no size")
            }
            return size
        }
    }

    /// The time a file was last modified (MDTM, RFC 3659), in UTC.
    public func mdtm(_ path: RemotePath) throws -> Date {
        try guarded {
            let reply = try execute(FTPCommand("MDTM", path: path))
            guard let date = MLSxParser.timeValue(reply.message.trimmingCharacters(in: .whitespaces)) else {
                throw FTPError(kind: .protocolViolation, command: "MDTM", reply: reply, detail: "the reply holds no time")
            }
            return date
        }
    }

    /// A file's size (SIZE) and modification time (MDTM, where the server has it), each nil
    /// where the server does not give it for this name (a refusal, or a reply without the
    /// value); a lost connection still throws. With `knownSize` (the exact size a listing gave),
    /// SIZE is not asked and that size comes back. Where the client pipelines, both requests go
    /// out in one write: one round trip, not two. A server that refuses one as sent too early
    /// (500 or 503) is asked again one command at a time, and from then on.
    ///
    /// With `thenRetrieving`, for a caller that downloads the whole file next whatever the
    /// answers, the file's passive request and RETR go out in the same write too (when the
    /// questions are pipelined, in binary and passive mode): `retrieve` of the file from byte 0
    /// takes them up, and anything else asked first abandons them in step (a retrieval costs
    /// nothing when abandoned). Questions sent ahead with an `upcomingRetrieval` are taken up
    /// here, their answers already on the way.
    public func sizeAndModificationTime(
        _ path: RemotePath, thenRetrieving: Bool = false, knownSize: UInt64? = nil
    ) throws -> (size: UInt64?, modified: Date?) {
        try guarded {
            try setServerTransferType(transferType)
            let sizeCommand = knownSize == nil ? try FTPCommand("SIZE", path: path) : nil
            let timeCommand = features.supports("MDTM") ? try FTPCommand("MDTM", path: path) : nil
            func askEach() throws -> (size: UInt64?, modified: Date?) {
                (try sizeCommand.map { Self.size(in: try answer(to: $0)) } ?? knownSize, try timeCommand.flatMap { Self.time(in: try answer(to: $0)) })
            }
            guard pipelinesCommands, let timeCommand else { return try askEach() }
            let questions = [sizeCommand, timeCommand].compactMap { $0 }
            let replies: [Reply]
            if let ahead = try takeAheadQuestions(questions) {
                // Sent with the file before, its retrieval behind them (`upcomingRetrieval`).
                replies = ahead
            } else {
                let retrieval = thenRetrieving && options.dataConnectionMode == .passive && transferType == .binary && serverTransferType == .binary
                    ? try TransferRequest(command: FTPCommand("RETR", path: path), offset: 0, type: nil, passive: passiveCommand()) : nil
                try sendSettlingAhead(questions + (retrieval?.commands ?? []))
                do {
                    replies = try questions.map { try control.readReply(to: $0) }
                } catch {
                    // Replies of commands already sent would meet the next command: no going on.
                    close()
                    throw error
                }
                if let retrieval {
                    sentAhead.append(.transfer(retrieval))
                    connectAheadIfAnswered()
                }
            }
            if let (question, refusal) = zip(questions, replies).first(where: { [500, 503].contains($0.1.code.rawValue) }) {
                return try retryingUnpipelined(after: FTPError.unexpected(refusal, to: question), askEach)
            }
            let size = sizeCommand == nil ? knownSize : Self.size(in: replies[0])
            return (size, replies.last.flatMap(Self.time(in:)))
        }
    }

    /// The size a SIZE reply gives; nil for a refusal or a reply without one.
    private static func size(in reply: Reply) -> UInt64? {
        guard reply.code.kind == .positiveCompletion else { return nil }
        return UInt64(reply.message.trimmingCharacters(in: .whitespaces))
    }

    /// The time an MDTM reply gives; nil for a refusal or a reply without one.
    private static func time(in reply: Reply) -> Date? {
        guard reply.code.kind == .positiveCompletion else { return nil }
        return MLSxParser.timeValue(reply.message.trimmingCharacters(in: .whitespaces))
    }

    /// The reply to `command`, whatever it says.
    private func answer(to command: FTPCommand) throws -> Reply {
        try sendSettlingAhead([command])
        return try control.readReply(to: command)
    }

    // MARK: Plumbing

    /// Sends a command and returns its reply if its class is one of `expected`; throws otherwise.
    func execute(_ command: FTPCommand, expecting expected: Set<ReplyCode.Kind> = [.positiveCompletion], patience: Double? = nil) throws -> Reply {
        try sendSettlingAhead([command])
        let reply = try control.readReply(to: command, patience: patience)
        guard expected.contains(reply.code.kind) else { throw FTPError.unexpected(reply, to: command) }
        return reply
    }

    /// Sends TYPE if the server is not already in `type`.
    func setServerTransferType(_ type: TransferType) throws {
        guard serverTransferType != type else { return }
        _ = try execute(FTPCommand("TYPE", type == .binary ? "I" : "A"))
        serverTransferType = type
    }

    /// Runs `body`, reporting any failure after `cancellation.cancel()` as `.cancelled`.
    func guarded<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as FTPError where cancellation.isCancelled && error.kind != .cancelled {
            throw FTPError(kind: .cancelled, command: error.command, detail: "cancelled")
        } catch let error as CommandError {
            throw FTPError(kind: .unsendable, command: error.verb, detail: error.description)
        }
    }
}

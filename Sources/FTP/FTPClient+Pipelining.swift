import FTPWire

/// The commands that open one transfer, written together: TYPE (when the server is in another
/// type), the passive request, REST (for an offset; RFC 959 wants it right before the transfer
/// command) and the transfer command itself.
struct TransferRequest {
    let command: FTPCommand
    let offset: UInt64
    /// The type to set first; nil when the server is in the right one already.
    let type: FTPClient.TransferType?
    /// EPSV or PASV.
    let passive: FTPCommand
    let typeCommand: FTPCommand?
    let restart: FTPCommand?

    init(command: FTPCommand, offset: UInt64, type: FTPClient.TransferType?, passive: FTPCommand) throws {
        self.command = command
        self.offset = offset
        self.type = type
        self.passive = passive
        typeCommand = try type.map { try FTPCommand("TYPE", $0 == .binary ? "I" : "A") }
        restart = offset > 0 ? try FTPCommand("REST", String(offset)) : nil
    }

    var commands: [FTPCommand] { [typeCommand, passive, restart, command].compactMap { $0 } }
}

/// A download a caller will most likely make next on a connection, whole and in binary (see
/// `FTPClient.upcomingRetrieval`).
public struct UpcomingRetrieval: Equatable, Sendable, ExpressibleByStringLiteral {
    /// What a caller asks about the file before retrieving it
    /// (`FTPClient.sizeAndModificationTime(_:thenRetrieving:knownSize:)`): the questions then
    /// go out with the retrieval's requests, and that call takes up their replies.
    public enum Questions: Sendable {
        /// Nothing: the listing gave the file's size and time (MLSD).
        case none
        /// MDTM alone: the listing gave the file's exact size, not its time (a Unix LIST line).
        case modificationTime
        /// SIZE and MDTM.
        case sizeAndModificationTime
    }

    /// The file.
    public let path: RemotePath
    /// What the caller asks about the file first.
    public let askedFirst: Questions

    public init(_ path: RemotePath, askedFirst: Questions = .none) {
        self.path = path
        self.askedFirst = askedFirst
    }

    public init(stringLiteral path: String) { self.init(RemotePath(path)) }
}

/// A request written before its turn, its replies still to be read.
enum AheadRequest {
    /// A command whose answer changes nothing (OPTS UTF8 ON): its reply is read and dropped.
    case setting(FTPCommand)
    /// A question about a file just transferred (SIZE, a digest request) for the call that
    /// asks it (`size`, `digest(of:using:size:)`) to take up; asked or not, it changes nothing.
    case question(FTPCommand)
    /// A transfer for `openTransfer` to take up: only ever a retrieval, which costs nothing
    /// when it is abandoned (a store would empty the file).
    case transfer(TransferRequest)

    var commands: [FTPCommand] {
        switch self {
        case .setting(let command), .question(let command): [command]
        case .transfer(let request): request.commands
        }
    }

    var isTransfer: Bool {
        if case .transfer = self { true } else { false }
    }
}

/// How the replies to a pipelined transfer request ended.
enum TransferReplies {
    /// Every reply as hoped: the data connection is open.
    case opened(FTPClient.OpenTransfer)
    /// Some reply said no; every reply of the request has been read, and no data connection is open.
    case refused(FTPError)
}

extension FTPClient {
    // MARK: Sending ahead

    /// Writes `commands` after the requests sent ahead of them, with the unsent settings in
    /// front. Replies of simple requests (settings, digests) are read after the write, so that
    /// they travel with the new commands' replies; a transfer sent ahead is settled first, since
    /// its data connection must be dealt with before anything else is asked.
    func sendSettlingAhead(_ commands: [FTPCommand]) throws {
        if sentAhead.contains(where: \.isTransfer) { try settleAhead() }
        let settings = unsentSettings
        unsentSettings = []
        try control.send(settings + commands)
        sentAhead += settings.map(AheadRequest.setting)
        try settleAhead()
    }

    /// Reads the replies of every request sent ahead and not taken up, oldest first. A transfer
    /// not taken up is opened and abandoned (ABOR), which leaves the dialogue in step.
    func settleAhead() throws {
        while !sentAhead.isEmpty {
            let request = sentAhead.removeFirst()
            switch request {
            case .setting(let command), .question(let command):
                let reply = try control.readReply(to: command)
                if reply.code.kind != .positiveCompletion { logger.debug("\(command) sent ahead: \(reply.code.rawValue)") }
            case .transfer(let transfer):
                logger.debug("\(transfer.command) sent ahead was not taken up; abandoning it")
                do {
                    if case .opened(let open) = try readReplies(to: transfer) { abandonTransfer(open) }
                } catch let error as FTPError where [.permanent, .temporary].contains(error.kind) {
                    // Refused (a 550 for a file gone meanwhile), every reply read: nothing to
                    // abandon, and nothing for the command that settles it to fail with.
                    logger.debug("\(transfer.command) sent ahead: \(error)")
                }
            }
        }
    }

    /// The digest request and the next file's transfer request, written in one go as soon as a
    /// download's data has arrived (before its closing reply): `digest` when the caller will
    /// ask for it and can do so without OPTS HASH; the retrieval of `upcomingRetrieval` when
    /// the server is in binary already, after its SIZE and MDTM where the caller asks them
    /// first. Nothing when pipelining is off.
    func sendAhead(afterRetrieving path: RemotePath, digest: DigestCommand?) throws {
        guard pipelinesCommands, sentAhead.isEmpty, serverTransferType == .binary else { return }
        var requests: [AheadRequest] = []
        let digestGoesAhead = self.digestGoesAhead(digest)
        if let digest, digestGoesAhead == true {
            requests.append(.question(try FTPCommand(digest.verb, path: path)))
        }
        // A digest that needs OPTS HASH first is asked after the closing reply; a transfer sent
        // ahead would hold the server (waiting for its data connection) and have to be abandoned.
        if let next = upcomingRetrieval, digestGoesAhead != false, options.dataConnectionMode == .passive, transferType == .binary,
           next.askedFirst == .none || features.supports("MDTM") {
            upcomingRetrieval = nil
            // A name no command can carry goes no further: its own turn fails it, not this file.
            if let ahead = try? requestsAhead(for: next) { requests += ahead }
        }
        guard !requests.isEmpty else { return }
        try control.send(requests.flatMap(\.commands))
        sentAhead += requests
    }

    /// The requests that go ahead for `next`: the questions the caller asks first (its SIZE and
    /// MDTM, or MDTM alone), then its retrieval from byte 0.
    private func requestsAhead(for next: UpcomingRetrieval) throws -> [AheadRequest] {
        let verbs = switch next.askedFirst {
        case .none: [String]()
        case .modificationTime: ["MDTM"]
        case .sizeAndModificationTime: ["SIZE", "MDTM"]
        }
        let questions = try verbs.map { AheadRequest.question(try FTPCommand($0, path: next.path)) }
        return questions + [.transfer(try TransferRequest(command: FTPCommand("RETR", path: next.path), offset: 0, type: nil, passive: passiveCommand()))]
    }

    /// The questions about a file just uploaded, written in one go once the closing reply of
    /// its STOR said the server has the file (a command that came while the data still flowed
    /// might be answered before): SIZE when the caller will ask it and the server offers it,
    /// `digest` when the caller will ask for it and can do so without OPTS HASH. Nothing when
    /// pipelining is off. The next file's STOR never goes ahead: abandoned, it would empty
    /// that file on the server.
    func sendAhead(afterStoring path: RemotePath, size: Bool, digest: DigestCommand?) throws {
        guard pipelinesCommands, sentAhead.isEmpty, serverTransferType == .binary, transferType == .binary else { return }
        var questions: [FTPCommand] = []
        if size, features.supports("SIZE") { questions.append(try FTPCommand("SIZE", path: path)) }
        if let digest, digestGoesAhead(digest) == true { questions.append(try FTPCommand(digest.verb, path: path)) }
        // One question alone gains nothing from going ahead.
        guard questions.count > 1 else { return }
        try control.send(questions)
        sentAhead += questions.map(AheadRequest.question)
    }

    /// Whether a request for `digest` can go out before its turn: true unless it is HASH with
    /// another algorithm than the one in use (OPTS HASH must go first); nil for no digest.
    private func digestGoesAhead(_ digest: DigestCommand?) -> Bool? {
        digest.map { $0.verb != "HASH" || hashAlgorithmOnServer == $0.algorithm }
    }

    /// The reply to `command` when it is the next request sent ahead (waited for up to
    /// `patience`, as `ControlConnection.readReply` says); nil otherwise, once the requests sent
    /// ahead have been settled.
    func takeAheadQuestion(_ command: FTPCommand, patience: Double? = nil) throws -> Reply? {
        guard case .question(let sent)? = sentAhead.first, sent == command else {
            try settleAhead()
            return nil
        }
        sentAhead.removeFirst()
        let reply = try control.readReply(to: command, patience: patience)
        // 213 for SIZE and HASH, 213 or 250 for the X commands; a 226 is a transfer's.
        if reply.code.kind == .positiveCompletion, ![213, 250].contains(reply.code.rawValue) { throw outOfStep(reply, to: command) }
        connectAheadIfAnswered()
        return reply
    }

    /// The replies to `questions` when they are the next requests sent ahead, in that order
    /// (before an upcoming retrieval); nil otherwise, the requests sent ahead left for the next
    /// command to settle.
    func takeAheadQuestions(_ questions: [FTPCommand]) throws -> [Reply]? {
        let sentInOrder = sentAhead.count >= questions.count && zip(sentAhead, questions).allSatisfy { ahead, question in
            if case .question(let sent) = ahead { sent == question } else { false }
        }
        guard sentInOrder else { return nil }
        var replies: [Reply] = []
        for question in questions {
            guard let reply = try takeAheadQuestion(question) else { return nil }
            replies.append(reply)
        }
        return replies
    }

    /// Closes the connection after a reply that cannot be `command`'s: the server answered
    /// pipelined commands out of order, and no later reply could be trusted to be paired right.
    /// A connection error, so that the transfer is tried again on a new connection, never taken
    /// as merely unverified.
    func outOfStep(_ reply: Reply, to command: FTPCommand) -> FTPError {
        close()
        return FTPError(kind: .connection, command: command.description, reply: reply,
                        detail: "the reply does not answer \(command.verb): the server answered pipelined commands out of step")
    }

    /// Runs `body` again unpipelined after a pipelined attempt was refused: when it then works,
    /// the server does not cope with pipelining, which stays off for this connection; when it
    /// fails too, pipelining was not the reason and stays on.
    func retryingUnpipelined<Result>(after refusal: FTPError, _ body: () throws -> Result) throws -> Result {
        logger.debug("a pipelined command was refused (\(refusal)); asking again one command at a time")
        pipelinesCommands = false
        do {
            let result = try body()
            logger.debug("the server does not cope with pipelined commands; sending them one at a time from now on")
            return result
        } catch let error as FTPError where error.reply != nil {
            pipelinesCommands = true
            throw error
        }
    }

    // MARK: Pipelined transfers

    /// Opens a transfer in passive mode with its commands in one write, or takes up the one
    /// sent ahead for the same command. Refused, it is asked for again one command at a time.
    func openPipelined(_ command: FTPCommand, offset: UInt64, type: TransferType?) throws -> OpenTransfer {
        let request: TransferRequest
        if case .transfer(let sent)? = sentAhead.first, sent.command == command, sent.offset == offset, type == nil || type == serverTransferType {
            sentAhead.removeFirst()
            request = sent
        } else {
            if sentAhead.contains(where: \.isTransfer) { try settleAhead() }
            request = try TransferRequest(
                command: command, offset: offset, type: type == serverTransferType ? nil : type, passive: passiveCommand())
            try sendSettlingAhead(request.commands)
        }
        let extended = usesExtendedPassive
        switch try readReplies(to: request) {
        case .opened(let transfer): return transfer
        case .refused where extended && !usesExtendedPassive:
            // EPSV refused, which says nothing about pipelining: again with PASV.
            return try openPipelined(command, offset: offset, type: type)
        case .refused(let refusal):
            return try retryingUnpipelined(after: refusal) { try openTransfer(command, offset: offset, type: type) }
        }
    }

    /// How long the answer to a transfer command may take to come after its data connection was
    /// refused outright, before the connection is given up as out of step.
    static let refusedConnectionGrace = 2.0

    /// EPSV, or PASV once the server refused EPSV (never on IPv6).
    func passiveCommand() throws -> FTPCommand {
        try FTPCommand(usesExtendedPassive || control.transport.remoteAddress.isIPv6 ? "EPSV" : "PASV")
    }

    /// Connects the data connection of the first transfer sent ahead when its passive reply is
    /// already in, among the bytes read so far, behind the replies still to be read before it:
    /// the server sends the file while the caller finishes with the one before. Reads nothing
    /// from the server. A connection that does not come about within a second (a firewall that
    /// drops it) is left for the transfer's turn to meet, and none is made early again on this
    /// connection.
    func connectAheadIfAnswered() {
        guard earlyDataConnection == nil, connectsEarly, !cancellation.isCancelled,
              let position = sentAhead.firstIndex(where: \.isTransfer), case .transfer(let request) = sentAhead[position],
              let reply = control.bufferedReply(at: position + (request.typeCommand == nil ? 0 : 1)),
              let address = passiveAddress(in: reply, to: request.passive)
        else { return }
        do {
            switch try connectDataUnlessRefused(host: address.host, port: address.port, within: 1) {
            case .success(let socket):
                earlyDataConnection = (request.command, socket)
            case .failure(let refused):
                // The server most likely answered the transfer already: its turn reads why.
                logger.debug("the data connection for \(request.command) sent ahead was refused: \(refused)")
            }
        } catch {
            logger.debug("the data connection for \(request.command) sent ahead could not be made early: \(error)")
            connectsEarly = false
        }
    }

    /// Reads every reply to a transfer request in order, connecting to the passive port as
    /// soon as it is known (the server may wait for that before answering the transfer command),
    /// or taking the connection made for it early.
    func readReplies(to request: TransferRequest) throws -> TransferReplies {
        var refusal: FTPError?
        if let typeCommand = request.typeCommand {
            let reply = try control.readReply(to: typeCommand)
            if reply.code.kind == .positiveCompletion {
                serverTransferType = request.type
            } else {
                serverTransferType = nil
                refusal = refusal ?? FTPError.unexpected(reply, to: typeCommand)
            }
        }
        let passiveReply = try control.readReply(to: request.passive)
        if passiveReply.code.kind == .positiveCompletion, ![227, 229].contains(passiveReply.code.rawValue) {
            throw outOfStep(passiveReply, to: request.passive)
        }
        var socket: TCPSocket?
        // A data connection refused outright, while the transfer command's answer may say why.
        var refusedConnection: FTPError?
        let early = earlyDataConnection
        earlyDataConnection = nil
        if let port = try passivePort(in: passiveReply, to: request.passive) {
            do {
                if let early, early.command == request.command {
                    socket = early.socket
                } else {
                    early?.socket.close()
                    switch try connectDataUnlessRefused(host: port.host, port: port.port) {
                    case .success(let made): socket = made
                    case .failure(let refused): refusedConnection = refused
                    }
                }
            } catch {
                // The server would wait for this connection before answering anything else.
                close()
                throw error
            }
        } else {
            early?.socket.close()
            refusal = refusal ?? FTPError.unexpected(passiveReply, to: request.passive)
        }
        if let restart = request.restart {
            let reply = try control.readReply(to: restart)
            if reply.code.kind != .positiveIntermediate { refusal = refusal ?? FTPError.unexpected(reply, to: restart) }
        }
        // Nothing listens at the port: the server most likely answered the transfer command
        // already, sent with the passive request (ProFTPD closes the port with its 550 for a
        // missing file). That answer is read if its bytes come at once; else the server may be
        // waiting for the connection, and nothing more is read.
        if let refusedConnection, !control.hasInput(within: Self.refusedConnectionGrace) {
            close()
            throw refusedConnection
        }
        let reply = try control.readReply(to: request.command)
        if let refusedConnection, reply.code.kind == .positivePreliminary {
            // The server waits for a connection its port refuses.
            close()
            throw refusedConnection
        }
        guard reply.code.kind == .positivePreliminary else {
            socket.map(closeData)
            // A missing file (550) after every reply before it went well is the file's answer,
            // not a server out of step with the pipeline: not asked again one at a time.
            if refusal == nil, reply.code == .fileUnavailable { throw FTPError.unexpected(reply, to: request.command) }
            return .refused(refusal ?? FTPError.unexpected(reply, to: request.command))
        }
        guard let socket else {
            // Announced without a data connection offered: the server must end it (425) at once.
            let ending = try control.readReply(to: request.command)
            guard [.transientNegative, .permanentNegative].contains(ending.code.kind) else {
                close()
                throw FTPError(kind: .protocolViolation, command: request.command.description, reply: ending,
                               detail: "the server went on with a transfer without a data connection; replies out of step")
            }
            return .refused(refusal ?? FTPError.unexpected(ending, to: request.command))
        }
        cancellation.watch(socket)
        let transfer = OpenTransfer(transport: try protect(socket, for: request.command), command: request.command)
        if let refusal {
            // Not the transfer asked for (another type or offset): ended before it goes on.
            abandonTransfer(transfer)
            return .refused(refusal)
        }
        return .opened(transfer)
    }

    /// The address of a 229 or 227 reply (the control connection's peer unless PASV addresses
    /// are trusted); nil when the server refused. EPSV refused on IPv4 means PASV from now on.
    private func passivePort(in reply: Reply, to command: FTPCommand) throws -> (host: String, port: UInt16)? {
        if let address = passiveAddress(in: reply, to: command) { return address }
        // 503 (bad sequence) is a server out of step with the pipeline, not one without EPSV.
        if command.verb == "EPSV", reply.code.kind == .permanentNegative, reply.code.rawValue != 503, !control.transport.remoteAddress.isIPv6 {
            logger.debug("EPSV refused; using PASV from now on")
            usesExtendedPassive = false
        }
        return nil
    }

    /// The address a 229 (to EPSV) or 227 (to PASV) reply offers; nil for any other reply.
    private func passiveAddress(in reply: Reply, to command: FTPCommand) -> (host: String, port: UInt16)? {
        let server = control.transport.remoteAddress
        if command.verb == "EPSV" {
            guard reply.code == .enteringExtendedPassiveMode, let port = ExtendedPassiveReply.port(from: reply.message) else { return nil }
            return (server.host, port)
        }
        guard reply.code == .enteringPassiveMode, let address = PassiveAddress(pasvReply: reply.message) else { return nil }
        return (options.trustsPassiveAddress ? address.host : server.host, address.port)
    }
}

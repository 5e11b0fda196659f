import FTPWire
import Logging

/// The control connection: commands out, replies in, the dialogue logged at trace level.
final class ControlConnection {
    private(set) var transport: any Transport
    private var parser = ReplyParser()
    /// Replies taken from the parser before their turn (`bufferedReply(at:)`), oldest first.
    private var lookahead: [Reply] = []
    private let logger: Logger
    private var buffer = [UInt8](repeating: 0, count: 4096)
    /// Whether a second greeting was passed over: only one is (a proxy's, then its server's);
    /// a 220 after it is read as the reply it stands for.
    private var skippedSecondGreeting = false
    /// The longest one reply may take to arrive whole, in seconds, however it trickles in.
    private let replyDeadline: Double

    init(transport: any Transport, logger: Logger, replyDeadline: Double) {
        self.transport = transport
        self.logger = logger
        self.replyDeadline = Self.clampedSeconds(replyDeadline)
        bound(transport)
    }

    /// Bounds each read and write over TLS to the reply deadline: OpenSSL returns only whole
    /// records, and a server that trickles one, a byte within each socket read's timeout,
    /// would otherwise hold a reply for as long as it likes. A silent server still fails each
    /// read at the timeout, which a reply given `patience` waits through.
    private func bound(_ transport: any Transport) {
        (transport as? TLSStream)?.limitEachRecord(toSeconds: replyDeadline)
    }

    /// Seconds a Duration here holds sensibly: NaN, negative or endless made the longest.
    private static func clampedSeconds(_ seconds: Double) -> Double {
        seconds.isNaN ? 1_000_000_000 : min(max(seconds, 0.001), 1_000_000_000)
    }

    /// Whether bytes arrived that no reply read so far took. Right after `234` to `AUTH TLS`
    /// there must be none: they would be read as if they had come inside TLS.
    var hasBufferedInput: Bool { !lookahead.isEmpty || parser.hasBufferedInput }

    /// Whether bytes (of a reply, or the end of the connection) are there to read, or begin to
    /// come within `seconds`.
    func hasInput(within seconds: Double) -> Bool {
        hasBufferedInput || transport.hasInput(within: seconds)
    }

    /// The reply `index` places after the next one `readReply` returns, when the bytes read so
    /// far hold it whole; nil otherwise. Reads nothing from the server, and the reply is still
    /// read in its turn.
    func bufferedReply(at index: Int) -> Reply? {
        while lookahead.count <= index, let reply = parser.nextReply() { lookahead.append(reply) }
        return index < lookahead.count ? lookahead[index] : nil
    }

    /// Closes the connection and drops what was read of it and not yet taken: a reply that came
    /// before the close answers nothing any more, and reading one fails as on a lost connection.
    func close() {
        transport.close()
        parser = ReplyParser()
        lookahead = []
    }

    /// Swaps the transport under the connection, as when TLS starts after `AUTH TLS`.
    func replaceTransport(_ newTransport: any Transport) {
        transport = newTransport
        bound(newTransport)
    }

    /// Writes a command. The log shows it with the password masked.
    func send(_ command: FTPCommand) throws {
        logger.trace("> \(command)")
        try FTPError.converting { try transport.write(command.wireBytes) }
    }

    /// Writes several commands in one write (pipelining). Their replies come back in the same
    /// order, each to be read with `readReply(to:)` by whoever sent it.
    func send(_ commands: [FTPCommand]) throws {
        guard commands.count > 1 else {
            if let command = commands.first { try send(command) }
            return
        }
        for command in commands { logger.trace("> \(command)") }
        try FTPError.converting { try transport.write(commands.flatMap(\.wireBytes)) }
    }

    /// Reads the next complete reply. Each read is bounded by the transport's timeout, and the
    /// whole reply by `replyDeadline`: a server that sends a byte now and then, each within
    /// the timeout, is given up on once the reply has taken longer than that. `patience`, when
    /// given, is how long a reply that takes time to make (a large file's digest) may keep the
    /// server silent: reads that time out are tried again until then, and the whole reply may
    /// take that long too.
    func readReply(to command: FTPCommand?, patience: Double? = nil) throws -> Reply {
        let start = ContinuousClock.now
        let allowed = max(replyDeadline, patience.map(Self.clampedSeconds) ?? 0)
        let deadline = start + .milliseconds(Int64(allowed * 1000))
        let patientUntil = patience.map { start + .milliseconds(Int64(Self.clampedSeconds($0) * 1000)) }
        while true {
            if let reply = lookahead.isEmpty ? parser.nextReply() : lookahead.removeFirst() {
                for line in reply.description.split(separator: "\n", omittingEmptySubsequences: false) {
                    logger.trace("< \(Sanitizer.visibleReply(String(line)))")
                }
                if !skippedSecondGreeting, let command, Self.isStrayGreeting(reply, to: command) {
                    logger.debug("a second greeting (220), as from a proxy before its server: not a reply to \(command)")
                    skippedSecondGreeting = true
                    continue
                }
                return reply
            }
            let count: Int
            do {
                count = try FTPError.converting { try buffer.withUnsafeMutableBytes { try transport.read(into: $0) } }
            } catch let error as FTPError where error.kind == .timeout {
                guard let patientUntil, ContinuousClock.now < patientUntil else { throw error }
                continue
            }
            guard count > 0 else {
                throw FTPError(kind: .connection, command: command?.description, detail: "the server closed the control connection")
            }
            do {
                try parser.feed(buffer[0..<count])
            } catch {
                throw FTPError(kind: .protocolViolation, command: command?.description, detail: error.description)
            }
            if ContinuousClock.now > deadline, !parser.hasCompleteReply {
                throw FTPError(
                    kind: .timeout, command: command?.description,
                    detail: "no whole reply within \(formatSeconds(allowed)): the server sends it too slowly")
            }
        }
    }

    /// Whether `reply` is a greeting that answers nothing: a server behind a proxy greets twice
    /// (the proxy, then the server), the second greeting arriving after the first commands went
    /// out; read as their reply, it would put every later reply one command off. Only a 220 to
    /// a command of the login (which none of them answers with) is taken for one, once a
    /// connection: afterwards a 220 is read as the reply it stands for, and fails as one.
    static func isStrayGreeting(_ reply: Reply, to command: FTPCommand) -> Bool {
        reply.code.rawValue == 220 && loginVerbs.contains(command.verb)
    }

    /// The commands a client sends before it is logged in.
    private static let loginVerbs: Set<String> = ["AUTH", "FEAT", "USER", "PASS", "ACCT"]

    /// Sends a command and reads its reply, skipping no preliminary replies; `patience` as for
    /// `readReply`.
    func execute(_ command: FTPCommand, patience: Double? = nil) throws -> Reply {
        try send(command)
        return try readReply(to: command, patience: patience)
    }
}

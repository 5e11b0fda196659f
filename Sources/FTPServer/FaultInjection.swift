import Net
/// Faults the server injects on request, so tests can see how a client copes.
///
/// Changes take effect for the next command or transfer of every session.
public final class FaultInjection: Sendable {
    /// A reply the server sends instead of carrying out a command.
    public struct ScriptedReply: Sendable, Equatable {
        /// The reply code.
        public var code: Int
        /// The reply text.
        public var text: String
        /// How many more times to send it; nil: every time.
        public var remaining: Int?

        public init(code: Int, text: String, times: Int? = nil) {
            self.code = code
            self.text = text
            remaining = times
        }
    }

    private struct State {
        var cutTransfersAfter: Int?
        var cutsRemaining: Int?
        var replyDelay: Double = 0
        var repliesInTransit = false
        var delayedVerbs: Set<String>?
        var bytesPerSecond: Int?
        var scripted: [String: ScriptedReply] = [:]
        var listing: [UInt8]?
        var listingFolder: String?
        var endlessListingLine: [UInt8]?
        var sessionLimit: Int?
        var sessionLimitAtLogin = false
        var offeredDigestCommands: Set<String> = FaultInjection.allDigestCommands
        var answersWrongDigests = false
        var announcesDigestComputation = false
        var fixedHashAlgorithm: DigestAlgorithm?
        var machineListing: [UInt8]?
        var afterAuthTLS: [UInt8]?
        var trickle: Double?
        var proxyGreetingLead: Double?
        var listingTrickle: Double?
        var refusesPipelining = false
        var digestSettling = FileStamp.settling
        var listingClosingText: String?
    }

    /// Every digest command the server knows.
    public static let allDigestCommands: Set<String> = ["HASH", "XSHA256", "XSHA1", "XMD5", "XCRC"]

    private let state = Locked(State())

    public init() {}

    /// Breaks RETR and STOR data connections after `bytes` bytes (0: before the first; 426 to
    /// the client), for the next `times` transfers (nil: every one). Nil bytes heals.
    public func cutTransfers(after bytes: Int?, times: Int? = nil) {
        state.withLock {
            $0.cutTransfersAfter = bytes
            $0.cutsRemaining = times
        }
    }

    /// Turns away connections beyond `count` open at once with 421, as servers that limit
    /// connections per client do (vsftpd's `max_per_ip`); nil lifts the limit. With `atLogin`,
    /// such a connection is greeted and its login refused with 530 instead, as proftpd's
    /// `MaxClientsPerHost` does.
    public func limitSessions(to count: Int?, atLogin: Bool = false) {
        state.withLock {
            $0.sessionLimit = count
            $0.sessionLimitAtLogin = atLogin
        }
    }

    /// Delays every reply by `seconds`. By default the session waits before each reply, so
    /// nothing else happens meanwhile: a server that stalls. With `inTransit`, each reply is sent
    /// `seconds` after the server made it while the session goes on reading and carrying out the
    /// next commands, as if the reply were on its way across an ocean: a client that sends its
    /// next commands before the replies arrive gains.
    /// `only`, when given, limits the delay to the replies to those verbs (upper case): a
    /// server slow to compute a digest, say.
    public func delayReplies(by seconds: Double, inTransit: Bool = false, only verbs: Set<String>? = nil) {
        state.withLock {
            $0.replyDelay = seconds
            $0.repliesInTransit = inTransit
            $0.delayedVerbs = verbs
        }
    }

    /// Limits each data transfer to about `bytesPerSecond` (nil: as fast as possible).
    public func throttle(bytesPerSecond: Int?) {
        state.withLock { $0.bytesPerSecond = bytesPerSecond }
    }

    /// Ends every listing with `226 TEXT` instead of the server's own closing reply: a server's
    /// odd word on a listing, such as vsftpd's for a folder it cannot open (`Transfer done (but
    /// failed to open directory).`, with no entries). Nil restores the server's own.
    public func endListings(with text: String?) {
        state.withLock { $0.listingClosingText = text }
    }

    /// How long a file must have gone unchanged, when its download begins, for the server to
    /// keep the digest it makes in passing (0.05 s unless set): set long, every
    /// file counts as just changed, however slowly the machine runs.
    public func settleFiles(after seconds: Double) {
        state.withLock { $0.digestSettling = seconds }
    }

    /// Answers `verb` with `reply` instead of carrying it out; nil removes the script.
    public func script(_ verb: String, reply: ScriptedReply?) {
        state.withLock { $0.scripted[verb.uppercased()] = reply }
    }

    /// Answers every LIST (or, given `folder`, every LIST of that folder, a trailing `/` aside)
    /// with exactly these bytes, and leaves MLST out of FEAT so that clients use LIST: for
    /// testing listing parsers against what other servers send. Nil restores the real listings.
    public func serveListing(_ bytes: [UInt8]?, of folder: String? = nil) {
        state.withLock {
            $0.listing = bytes
            $0.listingFolder = folder
        }
    }

    /// Answers every LIST with `line` (CRLF added) again and again, without end, until the
    /// client closes the data connection, and leaves MLST out of FEAT so that clients use LIST:
    /// a server that would fill a client's memory. Nil restores the real listings.
    public func serveEndlessListing(line: [UInt8]?) {
        state.withLock { $0.endlessListingLine = line }
    }

    /// Offers only these digest commands (in FEAT, and answers them); the rest get 500.
    public func offerDigestCommands(_ verbs: Set<String>) {
        state.withLock { $0.offeredDigestCommands = Set(verbs.map { $0.uppercased() }) }
    }

    /// Answers every digest command with a wrong digest (true) or the right one (false).
    public func answerWrongDigests(_ wrong: Bool) {
        state.withLock { $0.answersWrongDigests = wrong }
    }

    /// Begins every digest reply with a line of its own (`213-Computing SHA-256 digest`), the
    /// digest on the last line, as proftpd's mod_digest does (true), or sends one line (false).
    public func announceDigestComputation(_ announces: Bool) {
        state.withLock { $0.announcesDigestComputation = announces }
    }

    /// Makes HASH use `algorithm` whatever OPTS HASH asks for (another is refused with 501), as
    /// a server whose administrator set it; nil: HASH uses what OPTS HASH chose.
    public func fixHashAlgorithm(_ algorithm: DigestAlgorithm?) {
        state.withLock { $0.fixedHashAlgorithm = algorithm }
    }

    /// Answers every MLSD with exactly these bytes (MLST stays in FEAT, so clients use MLSD):
    /// for testing how clients read what other servers send. Nil restores the real listings.
    public func serveMachineListing(_ bytes: [UInt8]?) {
        state.withLock { $0.machineListing = bytes }
    }

    /// Answers `AUTH TLS` with `234` followed, in the same write, by `bytes` in plain text (a
    /// man in the middle's injected replies), and then starts no TLS at all. Nil: AUTH is
    /// refused as usual.
    public func injectAfterAuthTLS(_ bytes: [UInt8]?) {
        state.withLock { $0.afterAuthTLS = bytes }
    }

    /// Sends the greeting one byte every `seconds` (nil: all at once), as a server that keeps
    /// a client waiting for ever would.
    public func trickleGreeting(everySeconds seconds: Double?) {
        state.withLock { $0.trickle = seconds }
    }

    /// Greets twice, as a server behind a proxy may: the proxy's 220 at once, the server's own
    /// `seconds` later (nil: once, at once).
    public func greetTwice(secondAfter seconds: Double?) {
        state.withLock { $0.proxyGreetingLead = seconds }
    }

    /// Sends every listing (LIST, NLST, MLSD) one byte every `seconds` (nil: all at once), as a
    /// server that keeps a listing going for ever would, each byte well within a read timeout.
    public func trickleListings(everySeconds seconds: Double?) {
        state.withLock { $0.listingTrickle = seconds }
    }

    /// Answers every command that came in the same read as one before it with 503, without
    /// carrying it out, as a server that cannot take commands before it answered the last would.
    public func refusePipelinedCommands(_ refuses: Bool) {
        state.withLock { $0.refusesPipelining = refuses }
    }

    /// Sends `reply` right before a download's closing reply (every time, or as often as its
    /// `times` says), as a server would that answered a command sent after the data ended before
    /// it said the transfer was complete. Nil stops it.
    public func answerBeforeClosingReply(_ reply: ScriptedReply?) {
        state.withLock { $0.scripted[Self.beforeClosingReply] = reply }
    }

    /// Where `answerBeforeClosingReply` keeps its reply among the scripted ones: no verb a
    /// client sends is spelled so.
    static let beforeClosingReply = "before the closing reply"

    /// Removes every fault.
    public func reset() {
        state.withLock { $0 = State() }
    }

    /// The delay of a reply to `verb`.
    func replyDelay(for verb: String) -> (seconds: Double, inTransit: Bool) {
        state.withLock { state in
            guard state.delayedVerbs?.contains(verb) ?? true else { return (0, false) }
            return (state.replyDelay, state.repliesInTransit)
        }
    }
    /// The limit the server enforces as connections come in (421).
    var sessionLimitAtConnect: Int? { state.withLock { $0.sessionLimitAtLogin ? nil : $0.sessionLimit } }
    /// The limit the server enforces at login (530).
    var sessionLimitAtLogin: Int? { state.withLock { $0.sessionLimitAtLogin ? $0.sessionLimit : nil } }
    var bytesPerSecond: Int? { state.withLock { $0.bytesPerSecond } }
    var digestSettling: Double { state.withLock { $0.digestSettling } }
    var listingClosingText: String? { state.withLock { $0.listingClosingText } }
    /// The bytes to answer LIST of `argument` with, where a test gave them.
    func scriptedListing(of argument: String) -> [UInt8]? {
        state.withLock { state in
            guard let folder = state.listingFolder else { return state.listing }
            let folderNamed = { (path: String) in path.hasSuffix("/") ? path.dropLast() : path[...] }
            return folderNamed(argument) == folderNamed(folder) ? state.listing : nil
        }
    }
    var endlessListingLine: [UInt8]? { state.withLock { $0.endlessListingLine } }
    /// Whether LIST answers with what a test gave rather than the folder's contents.
    var scriptsList: Bool { state.withLock { $0.listing != nil || $0.endlessListingLine != nil } }
    var offeredDigestCommands: Set<String> { state.withLock { $0.offeredDigestCommands } }
    var answersWrongDigests: Bool { state.withLock { $0.answersWrongDigests } }
    var announcesDigestComputation: Bool { state.withLock { $0.announcesDigestComputation } }
    var scriptedMachineListing: [UInt8]? { state.withLock { $0.machineListing } }
    var afterAuthTLS: [UInt8]? { state.withLock { $0.afterAuthTLS } }
    var trickle: Double? { state.withLock { $0.trickle } }
    var proxyGreetingLead: Double? { state.withLock { $0.proxyGreetingLead } }
    var fixedHashAlgorithm: DigestAlgorithm? { state.withLock { $0.fixedHashAlgorithm } }
    var listingTrickle: Double? { state.withLock { $0.listingTrickle } }
    var refusesPipelining: Bool { state.withLock { $0.refusesPipelining } }

    /// The byte count after which to break the transfer starting now, counting it as used.
    func takeCut() -> Int? {
        state.withLock { state in
            guard let bytes = state.cutTransfersAfter else { return nil }
            if let remaining = state.cutsRemaining {
                if remaining <= 1 { state.cutTransfersAfter = nil }
                state.cutsRemaining = remaining - 1
            }
            return bytes
        }
    }

    /// The scripted reply for `verb`, counting it as used.
    func takeScriptedReply(for verb: String) -> ScriptedReply? {
        state.withLock { state in
            guard let reply = state.scripted[verb] else { return nil }
            if let remaining = reply.remaining {
                state.scripted[verb] = remaining <= 1 ? nil : ScriptedReply(code: reply.code, text: reply.text, times: remaining - 1)
            }
            return reply
        }
    }
}

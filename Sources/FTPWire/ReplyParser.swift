/// Why bytes from a server could not be read as FTP replies.
public struct ReplyParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Equatable {
        /// A line was longer than the parser's limit.
        case lineTooLong(limit: Int)
        /// A multi-line reply had more lines than the parser's limit.
        case tooManyLines(limit: Int)
        /// A multi-line reply had more bytes than the parser's limit.
        case replyTooLong(limit: Int)
        /// A line that should start a reply does not start with three digits.
        case malformedLine
    }

    /// What was wrong.
    public let reason: Reason
    /// The offending line (its start, for a line too long), made printable.
    public let line: String

    public var description: String {
        switch reason {
        case .lineTooLong(let limit): "reply line longer than \(limit) bytes: \(line)…"
        case .tooManyLines(let limit): "multi-line reply longer than \(limit) lines"
        case .replyTooLong(let limit): "multi-line reply longer than \(limit) bytes"
        case .malformedLine: "malformed reply line: \(line)"
        }
    }
}

/// Turns the bytes of a control connection into `Reply` values (RFC 959 §4.2).
///
/// Feed it bytes in any chunking; complete replies queue up and are taken with
/// `nextReply()`. Memory is bounded by `maximumReplyLength`, and no line is longer than
/// `maximumLineLength` nor a reply of more lines than `maximumLineCount`.
/// After it throws, the connection is beyond repair and the parser must not be fed again.
public struct ReplyParser: Sendable {
    /// The longest line accepted, in bytes, without its line ending.
    public let maximumLineLength: Int
    /// The most lines one reply may have.
    public let maximumLineCount: Int
    /// The most bytes the lines of one reply may hold together (FEAT, HELP and greetings need
    /// a few KiB; a server sending more is stalling or attacking).
    public let maximumReplyLength: Int

    private var line: [UInt8] = []
    private var pendingCode: ReplyCode?
    private var pendingLines: [[UInt8]] = []
    private var pendingLength = 0
    private var ready: [Reply] = []
    private var readyIndex = 0

    public init(maximumLineLength: Int = 8192, maximumLineCount: Int = 4096, maximumReplyLength: Int = 1 << 20) {
        self.maximumLineLength = maximumLineLength
        self.maximumLineCount = maximumLineCount
        self.maximumReplyLength = maximumReplyLength
    }

    /// Whether part of a reply has been received but not all of it.
    public var hasPartialReply: Bool { !line.isEmpty || pendingCode != nil }

    /// Whether a complete reply waits to be taken by `nextReply()`.
    public var hasCompleteReply: Bool { readyIndex < ready.count }

    /// Whether any byte received is not yet taken as a reply: a partial reply, or complete
    /// replies waiting.
    public var hasBufferedInput: Bool { hasPartialReply || hasCompleteReply }

    /// Consumes bytes received from the server.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(ReplyParseError) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                let complete = line
                line.removeAll(keepingCapacity: true)
                try accept(complete)
            } else {
                guard line.count < maximumLineLength else {
                    throw ReplyParseError(reason: .lineTooLong(limit: maximumLineLength), line: Self.printable(line, limit: 80))
                }
                line.append(byte)
            }
        }
    }

    /// The oldest complete reply not yet taken, if any.
    public mutating func nextReply() -> Reply? {
        guard readyIndex < ready.count else { return nil }
        let reply = ready[readyIndex]
        readyIndex += 1
        if readyIndex == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
        }
        return reply
    }

    private mutating func accept(_ bytes: [UInt8]) throws(ReplyParseError) {
        let code = Self.code(of: bytes)
        if let pending = pendingCode {
            let closes = code == pending && (bytes.count == 3 || bytes[3] != UInt8(ascii: "-"))
            if closes {
                pendingLines.append(Array(bytes.dropFirst(4)))
                ready.append(Reply(code: pending, lineBytes: pendingLines))
                pendingCode = nil
                pendingLines = []
            } else {
                guard pendingLines.count < maximumLineCount else {
                    throw ReplyParseError(reason: .tooManyLines(limit: maximumLineCount), line: Self.printable(bytes, limit: 80))
                }
                pendingLength += bytes.count
                guard pendingLength <= maximumReplyLength else {
                    throw ReplyParseError(reason: .replyTooLong(limit: maximumReplyLength), line: Self.printable(bytes, limit: 80))
                }
                pendingLines.append(bytes)
            }
            return
        }
        guard let code else {
            throw ReplyParseError(reason: .malformedLine, line: Self.printable(bytes, limit: 200))
        }
        if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
            ready.append(Reply(code: code, lineBytes: [Array(bytes.dropFirst(4))]))
        } else if bytes[3] == UInt8(ascii: "-") {
            pendingCode = code
            pendingLines = [Array(bytes.dropFirst(4))]
            pendingLength = bytes.count
        } else {
            throw ReplyParseError(reason: .malformedLine, line: Self.printable(bytes, limit: 200))
        }
    }

    private static func code(of bytes: [UInt8]) -> ReplyCode? {
        guard bytes.count >= 3 else { return nil }
        var value = 0
        for byte in bytes.prefix(3) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return ReplyCode(rawValue: value)
    }

    /// A line as an error shows it: its secrets masked and made visible (`visibleReply`) before
    /// it is cut to `limit` characters, so that a cut cannot leave part of a password.
    private static func printable(_ bytes: some Collection<UInt8>, limit: Int) -> String {
        String(Sanitizer.visibleReply(TextDecoding.string(bytes)).prefix(limit))
    }
}

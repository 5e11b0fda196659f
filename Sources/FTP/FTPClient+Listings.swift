import Foundation
import FTPWire

extension FTPClient {
    /// The entries gathered before they are handed on where lines are read one by one (from
    /// MLSD, or LIST on one processor).
    static let entriesPerRun = 4096

    /// The names in a directory (NLST), as the server sends them.
    public func nlst(_ path: RemotePath? = nil) throws -> [String] {
        try guarded { try rawLines(of: FTPCommand("NLST", path: path)).map(TextDecoding.string) }
    }

    /// The lines of a LIST reply, unparsed, like ftplib's `dir`.
    public func listLines(_ path: RemotePath? = nil) throws -> [String] {
        try guarded { try rawLines(of: FTPCommand("LIST", path: path)).map(TextDecoding.string) }
    }

    /// The names LIST shows as folders (not links) in a directory: where MLSD follows links
    /// (pyftpdlib lists a link to a folder as that folder), the one way to tell them apart. A
    /// line LIST gives that cannot be read confirms nothing. Asked with `-a`, which ProFTPD
    /// needs to show names that begin with a dot; plain where the server refuses it (pyftpdlib,
    /// which shows them anyway).
    public func folderNamesListed(in path: RemotePath? = nil) throws -> Set<RemotePath> {
        let kinds: [RemotePath: ListingEntry.Kind]
        do {
            kinds = try kindsListed(in: path, withDotNames: true)
        } catch let error as FTPError where error.kind == .permanent {
            kinds = try kindsListed(in: path)
        }
        return Set(kinds.filter { $0.value == .directory }.keys)
    }

    /// The kind LIST shows for each name of a directory (a line that cannot be read shows
    /// nothing): links as links, even where MLSD follows them. `withDotNames` asks with `-a`
    /// for the names that begin with a dot, which vsftpd and ProFTPD leave out otherwise. A
    /// folder whose name holds a pattern's characters (which ProFTPD expands in LIST's
    /// argument) is entered with CWD and listed from inside, where PWD names the way back.
    public func kindsListed(in path: RemotePath? = nil, withDotNames: Bool = false) throws -> [RemotePath: ListingEntry.Kind] {
        let options = withDotNames ? "-a" : nil
        guard let path, !path.isEmpty else { return try kindsListed(command: FTPCommand("LIST", options)) }
        let patternBytes = Set("*?[]{}~".utf8)
        guard path.bytes.contains(where: patternBytes.contains), (try? workingDirectory()) != nil else {
            return try kindsListed(command: FTPCommand("LIST", path: Self.listArgument(path, features: features, withDotNames: withDotNames)))
        }
        return try inFolder(path) { try kindsListed(command: FTPCommand("LIST", options)) }
    }

    /// The kinds of the entries a LIST command's lines show.
    private func kindsListed(command: @autoclosure () throws -> FTPCommand) throws -> [RemotePath: ListingEntry.Kind] {
        try guarded {
            let parser = ListParser()
            var kinds: [RemotePath: ListingEntry.Kind] = [:]
            try receiveLines(of: command()) { line in
                if case .entry(let entry) = parser.parse(bytes: line) { kinds[entry.remoteName] = entry.kind }
            }
            return kinds
        }
    }

    /// The entries of a directory from MLSD (RFC 3659), without the `cdir`/`pdir` entries.
    public func mlsd(_ path: RemotePath? = nil) throws -> [ListingEntry] {
        var runs: [[ListingEntry]] = []
        _ = try machineListing(path) { runs.append($0) }
        return ListingEntry.joined(&runs)
    }

    /// MLSD's entries, handed to `onEntries` a run at a time as the lines arrive, with the lines
    /// that could not be read counted.
    private func machineListing(_ path: RemotePath?, onEntries: ([ListingEntry]) -> Void) throws -> DirectoryListing {
        try guarded {
            var run: [ListingEntry] = []
            var unreadableLines = 0
            let cutShort = try receiveLines(of: FTPCommand("MLSD", path: path)) { line in
                switch MLSxParser.parse(bytes: line) {
                case .entry(let entry):
                    run.append(entry)
                    if run.count == Self.entriesPerRun {
                        onEntries(run)
                        run = []
                    }
                case .noEntry: break
                case .unreadable:
                    unreadableLines += 1
                    logger.debug("unreadable MLSD line: \(Sanitizer.visible(TextDecoding.string(line)))")
                }
            }
            if !run.isEmpty { onEntries(run) }
            return DirectoryListing(entries: [], unreadableLines: unreadableLines, cutShort: cutShort)
        }
    }

    /// The facts about one path from MLST (RFC 3659). Nil when the reply holds no entry line.
    public func mlst(_ path: RemotePath? = nil) throws -> (facts: [String: String], name: String)? {
        try guarded {
            let reply = try execute(FTPCommand("MLST", path: path))
            return reply.lines.dropFirst().lazy.compactMap { line in
                line.hasPrefix(" ") ? MLSxParser.facts(of: line.dropFirst()) : nil
            }.first
        }
    }

    /// The entries of a directory by the best means the server offers: MLSD where FEAT lists
    /// MLST, else LIST parsed line by line (lines that are not entries are logged at debug
    /// level), else NLST, whose names come with the type `.other` until someone looks closer.
    public func listDirectory(_ path: RemotePath? = nil, now: Date = Date()) throws -> [ListingEntry] {
        try listing(path, now: now).entries
    }

    /// A directory's entries as `listDirectory` finds them, with how many lines of the listing
    /// could not be read: a name missing from an incomplete listing may still exist.
    public func listing(_ path: RemotePath? = nil, now: Date = Date()) throws -> DirectoryListing {
        var runs: [[ListingEntry]] = []
        var listing = try listing(path, now: now) { runs.append($0) }
        listing.entries = ListingEntry.joined(&runs)
        return listing
    }

    /// `listing`, with the entries handed to `onEntries` as they are read, in order, a run at a
    /// time (on this thread), rather than kept: the listing returned holds none, only what tells
    /// whether it is complete. A run handed on is never taken back, even when the listing fails
    /// later.
    public func listing(_ path: RemotePath? = nil, now: Date = Date(), onEntries: ([ListingEntry]) -> Void) throws -> DirectoryListing {
        if features.supports("MLST") { return try machineListing(path, onEntries: onEntries) }
        // Lines are split and parsed as they arrive, while the server is still sending the rest,
        // on the other processors.
        var skipped = 0
        return try withoutActuallyEscaping(onEntries) { onEntries in
            let reader = ConcurrentListingReader(parser: ListParser(now: now), onEntries: onEntries) { [logger] line in
                skipped += 1
                logger.debug("unparsed LIST line: \(Sanitizer.visible(TextDecoding.string(line)))")
            }
            let received = try bytesUnlessRefused(path) { reader.add($0) }
            guard let cutShort = received else { return try handedOn(nameEntries(path), to: onEntries) }
            reader.finish(droppingUnendedLine: cutShort)
            if reader.entryCount == 0, skipped > 0, skipped == reader.nonEmptyLines {
                // Not one line in a known format: the names from NLST are better than nothing. The
                // lines stay unread all the same: what they stand for need not be among those names.
                var names = try handedOn(nameEntries(path), to: onEntries)
                names.unreadableLines = skipped
                names.cutShort = names.cutShort || cutShort
                return names
            }
            return DirectoryListing(entries: [], unreadableLines: skipped, cutShort: cutShort, showsDotFiles: false)
        }
    }

    /// `listing` without its entries, which go to `onEntries`.
    private func handedOn(_ listing: DirectoryListing, to onEntries: ([ListingEntry]) -> Void) -> DirectoryListing {
        var listing = listing
        if !listing.entries.isEmpty { onEntries(listing.entries) }
        listing.entries = []
        return listing
    }

    /// The entries NLST names, of unknown type: each the last part of the name as sent, since
    /// some servers answer NLST of a folder with paths (`folder/name`).
    private func nameEntries(_ path: RemotePath?) throws -> DirectoryListing {
        try guarded {
            var entries: [ListingEntry] = []
            let cutShort = try receiveLines(of: FTPCommand("NLST", path: path)) { line in
                let name = RemotePath(bytes: line).lastComponent
                if !(name.isEmpty || name == "." || name == "..") { entries.append(ListingEntry(remoteName: name, kind: .other)) }
            }
            return DirectoryListing(entries: entries, unreadableLines: 0, cutShort: cutShort, showsDotFiles: false)
        }
    }

    /// Passes the bytes of LIST to `onBytes` and returns whether the listing was cut short (see
    /// `receiveListing`), or returns nil when the server refuses the command itself (but not when
    /// the path is missing: that error is thrown).
    private func bytesUnlessRefused(_ path: RemotePath?, onBytes: (UnsafeRawBufferPointer) -> Void) throws -> Bool? {
        do {
            return try guarded { try receiveListing(of: FTPCommand("LIST", path: path), onBytes: onBytes) }
        } catch {
            guard let failure = error as? FTPError, Self.isRefusal(failure) else { throw error }
            logger.debug("LIST refused (\(failure)); falling back to NLST")
            return nil
        }
    }

    /// A 5xx other than 550 (no such file or directory): the command is not understood or allowed.
    private static func isRefusal(_ error: FTPError) -> Bool {
        guard error.kind == .permanent, let code = error.reply?.code, code.kind == .permanentNegative else { return false }
        return code != .fileUnavailable
    }

    /// Runs a listing command and collects its lines as bytes, each in memory of its own as long
    /// as the line (the line handed over shares memory that a long line may have made large).
    private func rawLines(of command: FTPCommand) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try receiveLines(of: command) { lines.append($0.withUnsafeBufferPointer(Array.init)) }
        return lines
    }

    /// Runs a listing command and passes each of its lines, as bytes, to `onLine` as it arrives,
    /// as `receiveListing` says (a last line without a line ending is not passed on when the
    /// listing was cut short, as it may be only the start of one).
    @discardableResult
    private func receiveLines(of command: FTPCommand, onLine: ([UInt8]) throws -> Void) throws -> Bool {
        var splitter = LineSplitter()
        let cutShort = try receiveListing(of: command) { try splitter.feed($0, onLine: onLine) }
        if !cutShort { try splitter.finish(onLine: onLine) }
        return cutShort
    }

    /// Runs a listing command and passes its bytes to `onBytes` as they arrive. A listing past
    /// `options.listingLimits` (its lines counted by their line feeds, and a last line without
    /// one), or slower than `ListingPace` allows, is given up on (the transfer aborted) with an
    /// error saying so, however much more the server would send. Returns whether the listing was
    /// cut short: its TLS data connection ended without close_notify, so its end may be missing.
    private func receiveListing(of command: FTPCommand, onBytes: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        let limits = options.listingLimits
        let transfer = try openTransfer(command)
        let pace = ListingPace(grace: options.effectiveReplyDeadline)
        var bytes = 0
        var lines = 0
        // The bytes after the last line feed so far, and the last byte: a line of their own.
        var unended = 0
        var lastByte: UInt8 = 0
        func count(lines more: Int) throws {
            lines += more
            guard lines <= limits.maximumLines else { throw limits.exceeded(by: command, "\(limits.maximumLines) lines") }
        }
        // Too slow is the client's verdict, not the server's: the server's answer to the data
        // connection closed under it (426) says nothing of why.
        var tooSlow: FTPError?
        let closing: Reply
        do {
            closing = try receive(transfer, blockSize: 64 * 1024) { chunk in
                bytes += chunk.count
                guard bytes <= limits.maximumBytes else { throw limits.exceeded(by: command, "\(limits.maximumBytes) bytes") }
                tooSlow = pace.failure(after: bytes, of: command)
                if let tooSlow { throw tooSlow }
                let feeds = Self.lineFeeds(in: chunk)
                try count(lines: feeds.count)
                unended = feeds.count > 0 ? chunk.count - feeds.end : unended + chunk.count
                lastByte = chunk.last ?? lastByte
                try onBytes(chunk)
            }
        } catch {
            throw tooSlow ?? error
        }
        if Self.saysTheFolderWasNotRead(closing) {
            throw FTPError(
                kind: .permanent, command: command.description, reply: closing,
                detail: "the server could not open the folder, though it ended the listing as done; nothing it sent can be taken for its contents")
        }
        if (transfer.transport as? TLSStream)?.endedWithoutCloseNotify == true {
            logger.debug("\(command.verb): the TLS data connection ended without close_notify; the listing may be cut short")
            return true
        }
        // A last line without a line feed counts, but not a carriage return alone: the line
        // splitter drops it as the end of a line.
        if unended > 1 || unended == 1 && lastByte != UInt8(ascii: "\r") { try count(lines: 1) }
        return false
    }

    /// Whether a listing's closing reply says that the folder was not read, whatever its code:
    /// vsftpd ends the listing of a folder it cannot open with `226 Transfer done (but failed to
    /// open directory).` and no entries, which would pass for an empty folder (and a mirror
    /// would delete what the target holds there).
    static func saysTheFolderWasNotRead(_ reply: Reply) -> Bool {
        // Not Foundation's case-insensitive search, whose first use took 0.7 ms here.
        reply.message.lowercased().contains("failed to open directory")
    }

    /// How many line feeds `bytes` holds, and the offset just past the last of them (0 without
    /// one): found by `memchr`, many bytes at a time.
    private static func lineFeeds(in bytes: UnsafeRawBufferPointer) -> (count: Int, end: Int) {
        var count = 0
        var end = 0
        while let start = bytes.baseAddress, end < bytes.count,
              let found = memchr(start + end, Int32(UInt8(ascii: "\n")), bytes.count - end) {
            count += 1
            end = start.distance(to: UnsafeRawPointer(found)) + 1
        }
        return (count, end)
    }
}

/// How large one listing may grow: a server that lists without end (or a directory larger than
/// anyone can browse) must not fill the client's memory.
public struct ListingLimits: Sendable, Equatable {
    /// The most lines read; each line is at most one entry.
    public var maximumLines: Int
    /// The most bytes read.
    public var maximumBytes: Int

    public init(maximumLines: Int, maximumBytes: Int) {
        self.maximumLines = maximumLines
        self.maximumBytes = maximumBytes
    }

    /// A million lines, 256 MiB.
    public static let standard = ListingLimits(maximumLines: 1_000_000, maximumBytes: 256 << 20)

    /// The error for a listing that went past `limit` (such as "1000 lines").
    func exceeded(by command: FTPCommand, _ limit: String) -> FTPError {
        let of = command.argument.map { " of " + Sanitizer.visible(TextDecoding.string($0)) } ?? ""
        return FTPError(kind: .protocolViolation, command: command.verb, detail: "the listing\(of) is larger than \(limit); given up")
    }
}

/// How slowly a listing may arrive as a whole: each read is bounded by the timeout, but a server
/// that sends a byte every few seconds would keep a listing going for ever. After a grace of the
/// reply deadline, a listing must keep to at least 1 KiB a second on average, which any real link
/// does for a listing of any size (256 MiB takes three days at that rate); a trickle is given up on.
///
/// File transfers are bound by `DataPace` instead: a large file on a slow link may take as long
/// as it takes, but not at a trickle.
struct ListingPace {
    /// The average rate a listing must keep to once the grace has passed.
    static let minimumBytesPerSecond = 1024.0
    private let start = ContinuousClock.now
    /// Seconds any listing may take, however little arrives.
    let grace: Double

    /// The error when `bytes` bytes have taken longer than allowed; nil while on time.
    func failure(after bytes: Int, of command: FTPCommand) -> FTPError? {
        let seconds = (ContinuousClock.now - start).inSeconds
        guard seconds > grace + Double(bytes) / Self.minimumBytesPerSecond else { return nil }
        let of = command.argument.map { " of " + Sanitizer.visible(TextDecoding.string($0)) } ?? ""
        return FTPError(
            kind: .timeout, command: command.verb,
            detail: "the listing\(of) arrives too slowly (\(bytes) bytes in \(formatSeconds(seconds))); given up")
    }
}

/// A directory's entries, and how many lines of its listing could not be read.
public struct DirectoryListing: Sendable, Equatable {
    /// The entries read.
    public var entries: [ListingEntry]
    /// Lines that were neither entries nor known to be none (blank lines, totals, headers, the
    /// directory itself and its parent): each may hide an entry.
    public var unreadableLines: Int
    /// Whether the listing's TLS data connection ended without close_notify: TLS cannot tell
    /// such an end from one an attacker or a broken link made, so the rest may be missing.
    public var cutShort: Bool
    /// Whether names starting with a dot are shown: false for LIST and NLST, which servers such
    /// as vsftpd and ProFTPD answer without them unless told otherwise, so that such a name
    /// missing from the listing may still exist.
    public var showsDotFiles: Bool
    /// Whether the listing is empty and the folder cannot be entered (CWD is refused): servers
    /// that may read such a folder but not look at what is in it (vsftpd and ProFTPD, mode 744
    /// to their user) list it as empty whatever it holds.
    public var isEmptyUnentered = false

    public init(entries: [ListingEntry], unreadableLines: Int, cutShort: Bool = false, showsDotFiles: Bool = true) {
        self.entries = entries
        self.unreadableLines = unreadableLines
        self.cutShort = cutShort
        self.showsDotFiles = showsDotFiles
    }

    /// Whether every line was read to a proper end: only then is a name missing from `entries`
    /// truly absent.
    public var isComplete: Bool { unreadableLines == 0 && !cutShort && !isEmptyUnentered }

    /// Why the listing may be incomplete, such as `2 lines of the listing could not be read`;
    /// nil when it is complete.
    public var incompleteness: String? {
        var reasons: [String] = []
        if unreadableLines > 0 {
            reasons.append("\(unreadableLines) line\(unreadableLines == 1 ? "" : "s") of the listing could not be read")
        }
        if cutShort { reasons.append("the listing's TLS connection ended without close_notify, so its end may be missing") }
        if isEmptyUnentered { reasons.append("the folder lists as empty but cannot be entered, so what it holds could not be seen") }
        return reasons.isEmpty ? nil : reasons.joined(separator: ", and ")
    }
}

import Foundation
import FTPWire

extension FTPClient {
    /// The names in a directory (NLST), as the server sends them.
    public func nlst(_ path: RemotePath? = nil) throws -> [String] {
        try guarded { try rawLines(of: FTPCommand("NLST", path: path)).map(TextDecoding.string) }
    }

    /// The lines of a LIST reply, unparsed, like ftplib's `dir`.
    public func listLines(_ path: RemotePath? = nil) throws -> [String] {
        try guarded { try rawLines(of: FTPCommand("LIST", path: path)).map(TextDecoding.string) }
    }

    /// The entries of a directory from MLSD (RFC 3659), without the `cdir`/`pdir` entries.
    public func mlsd(_ path: RemotePath? = nil) throws -> [ListingEntry] {
        try machineListing(path).entries
    }

    /// MLSD's entries, with the lines that could not be read counted.
    private func machineListing(_ path: RemotePath?) throws -> DirectoryListing {
        var listing = DirectoryListing(entries: [], unreadableLines: 0)
        for line in try guarded({ try rawLines(of: FTPCommand("MLSD", path: path)) }) {
            switch MLSxParser.parse(bytes: line) {
            case .entry(let entry): listing.entries.append(entry)
            case .noEntry: break
            case .unreadable:
                listing.unreadableLines += 1
                logger.debug("unreadable MLSD line: \(Sanitizer.visible(TextDecoding.string(line)))")
            }
        }
        return listing
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
        if features.supports("MLST") { return try machineListing(path) }
        guard let lines = try listLinesUnlessRefused(path) else {
            return DirectoryListing(entries: try nameEntries(path), unreadableLines: 0)
        }
        var skipped = 0
        let entries = ListParser(now: now).entries(lines: lines) { line in
            skipped += 1
            logger.debug("unparsed LIST line: \(Sanitizer.visible(TextDecoding.string(line)))")
        }
        if entries.isEmpty, skipped > 0, skipped == lines.filter({ !$0.isEmpty }).count {
            // Not one line in a known format: the names from NLST are better than nothing.
            return DirectoryListing(entries: try nameEntries(path), unreadableLines: 0)
        }
        return DirectoryListing(entries: entries, unreadableLines: skipped)
    }

    /// The entries NLST names, of unknown type: each the last part of the name as sent, since
    /// some servers answer NLST of a folder with paths (`folder/name`).
    private func nameEntries(_ path: RemotePath?) throws -> [ListingEntry] {
        try guarded {
            try rawLines(of: FTPCommand("NLST", path: path)).compactMap { line in
                let name = RemotePath(bytes: line).lastComponent
                return name.isEmpty || name == "." || name == ".." ? nil : ListingEntry(remoteName: name, kind: .other)
            }
        }
    }

    /// The lines of LIST, or nil when the server refuses the command itself (but not when the
    /// path is missing: that error is thrown).
    private func listLinesUnlessRefused(_ path: RemotePath?) throws -> [[UInt8]]? {
        do {
            return try guarded { try rawLines(of: FTPCommand("LIST", path: path)) }
        } catch {
            guard let failure = error as? FTPError, Self.isRefusal(failure) else { throw error }
            logger.debug("LIST refused (\(failure)); falling back to NLST")
            return nil
        }
    }

    /// A 5xx other than 550 (no such file or directory): the command is not understood or allowed.
    private static func isRefusal(_ error: FTPError) -> Bool {
        guard error.kind == .permanent, let code = error.reply?.code else { return false }
        return code != .fileUnavailable
    }

    /// Runs a listing command and collects its lines as bytes.
    private func rawLines(of command: FTPCommand) throws -> [[UInt8]] {
        let transfer = try openTransfer(command)
        var splitter = LineSplitter()
        var lines: [[UInt8]] = []
        try receive(transfer, blockSize: 64 * 1024) { chunk in
            splitter.feed(chunk) { lines.append($0) }
        }
        splitter.finish { lines.append($0) }
        return lines
    }
}

/// A directory's entries, and how many lines of its listing could not be read.
public struct DirectoryListing: Sendable, Equatable {
    /// The entries read.
    public var entries: [ListingEntry]
    /// Lines that were neither entries nor known to be none (blank lines, totals, headers, the
    /// directory itself and its parent): each may hide an entry.
    public var unreadableLines: Int

    public init(entries: [ListingEntry], unreadableLines: Int) {
        self.entries = entries
        self.unreadableLines = unreadableLines
    }

    /// Whether every line was read: only then is a name missing from `entries` truly absent.
    public var isComplete: Bool { unreadableLines == 0 }
}

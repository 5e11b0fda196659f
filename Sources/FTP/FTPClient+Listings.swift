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
        try guarded { try rawLines(of: FTPCommand("MLSD", path: path)).compactMap { MLSxParser.entry(bytes: $0) } }
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
        if features.supports("MLST") { return try mlsd(path) }
        guard let lines = try listLinesUnlessRefused(path) else {
            return try nameEntries(path)
        }
        var skipped = 0
        let entries = ListParser(now: now).entries(lines: lines) { line in
            skipped += 1
            logger.debug("unparsed LIST line: \(Sanitizer.visible(TextDecoding.string(line)))")
        }
        if entries.isEmpty, skipped > 0, skipped == lines.filter({ !$0.isEmpty }).count {
            // Not one line in a known format: the names from NLST are better than nothing.
            return try nameEntries(path)
        }
        return entries
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

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
        try guarded {
            var entries: [ListingEntry] = []
            try receiveLines(of: FTPCommand("MLSD", path: path)) { line in
                if let entry = MLSxParser.entry(bytes: line) { entries.append(entry) }
            }
            return entries
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
        if features.supports("MLST") { return try mlsd(path) }
        // Lines are parsed as they arrive, while the server is still sending the rest.
        var reader = ListingReader(parser: ListParser(now: now))
        var lineCount = 0
        var skipped = 0
        func skip(_ line: [UInt8]) {
            skipped += 1
            logger.debug("unparsed LIST line: \(Sanitizer.visible(TextDecoding.string(line)))")
        }
        let received = try linesUnlessRefused(path) { line in
            if !line.isEmpty { lineCount += 1 }
            reader.add(line, onSkippedLine: skip)
        }
        guard received else { return try nameEntries(path) }
        reader.finish(onSkippedLine: skip)
        if reader.entries.isEmpty, skipped > 0, skipped == lineCount {
            // Not one line in a known format: the names from NLST are better than nothing.
            return try nameEntries(path)
        }
        return reader.entries
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

    /// Passes the lines of LIST to `onLine` and returns true, or returns false when the server
    /// refuses the command itself (but not when the path is missing: that error is thrown).
    private func linesUnlessRefused(_ path: RemotePath?, onLine: ([UInt8]) -> Void) throws -> Bool {
        do {
            try guarded { try receiveLines(of: FTPCommand("LIST", path: path), onLine: onLine) }
            return true
        } catch {
            guard let failure = error as? FTPError, Self.isRefusal(failure) else { throw error }
            logger.debug("LIST refused (\(failure)); falling back to NLST")
            return false
        }
    }

    /// A 5xx other than 550 (no such file or directory): the command is not understood or allowed.
    private static func isRefusal(_ error: FTPError) -> Bool {
        guard error.kind == .permanent, let code = error.reply?.code else { return false }
        return code != .fileUnavailable
    }

    /// Runs a listing command and collects its lines as bytes.
    private func rawLines(of command: FTPCommand) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try receiveLines(of: command) { lines.append($0) }
        return lines
    }

    /// Runs a listing command and passes each of its lines, as bytes, to `onLine` as it arrives.
    private func receiveLines(of command: FTPCommand, onLine: ([UInt8]) throws -> Void) throws {
        let transfer = try openTransfer(command)
        var splitter = LineSplitter()
        try receive(transfer, blockSize: 64 * 1024) { chunk in
            try splitter.feed(chunk, onLine: onLine)
        }
        try splitter.finish(onLine: onLine)
    }
}

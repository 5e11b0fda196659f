import Foundation
import FTPWire

extension FTPClient {
    /// The names in a directory (NLST), as the server sends them.
    public func nlst(_ path: String? = nil) throws -> [String] {
        try guarded { try lines(of: FTPCommand("NLST", path)) }
    }

    /// The lines of a LIST reply, unparsed, like ftplib's `dir`.
    public func listLines(_ path: String? = nil) throws -> [String] {
        try guarded { try lines(of: FTPCommand("LIST", path)) }
    }

    /// The entries of a directory from MLSD (RFC 3659), without the `cdir`/`pdir` entries.
    public func mlsd(_ path: String? = nil) throws -> [ListingEntry] {
        try guarded { try lines(of: FTPCommand("MLSD", path)).compactMap { MLSxParser.entry(Substring($0)) } }
    }

    /// The facts about one path from MLST (RFC 3659). Nil when the reply holds no entry line.
    public func mlst(_ path: String? = nil) throws -> (facts: [String: String], name: String)? {
        try guarded {
            let reply = try execute(FTPCommand("MLST", path))
            return reply.lines.dropFirst().lazy.compactMap { line in
                line.hasPrefix(" ") ? MLSxParser.facts(of: line.dropFirst()) : nil
            }.first
        }
    }

    /// The entries of a directory by the best means the server offers: MLSD where FEAT lists
    /// MLST, else LIST parsed line by line. Lines that are not entries are dropped and logged.
    public func listDirectory(_ path: String? = nil, now: Date = Date()) throws -> [ListingEntry] {
        if features.supports("MLST") { return try mlsd(path) }
        let parser = ListParser(now: now)
        return try listLines(path).compactMap { line in
            let entry = parser.entry(Substring(line))
            if entry == nil, !line.isEmpty, !line.hasPrefix("total ") {
                logger.debug("unparsed LIST line: \(Sanitizer.visible(line))")
            }
            return entry
        }
    }

    /// Runs a listing command and collects its lines.
    private func lines(of command: FTPCommand) throws -> [String] {
        let transfer = try openTransfer(command)
        var splitter = LineSplitter()
        var lines: [String] = []
        try receive(transfer, blockSize: 64 * 1024) { chunk in
            splitter.feed(chunk) { lines.append(TextDecoding.string($0)) }
        }
        splitter.finish { lines.append(TextDecoding.string($0)) }
        return lines
    }
}

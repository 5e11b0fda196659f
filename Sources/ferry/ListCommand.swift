import ArgumentParser
import FTP
import FTPWire
import Foundation
import Transfers

/// `ferry ls [-l] [--json] URL`: list a remote directory.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List a remote directory.",
        discussion: "Example: ferry ls -l ftp://user@host/pub/"
    )

    @Flag(name: .short, help: "Long listing: type and permissions, size, modified time, name.")
    var long = false

    @Flag(name: .long, help: "One JSON array of entries on standard output.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The directory (or file) to list, as an ftp://, ftpes:// or ftps:// URL.")
    var url: String

    func run() throws {
        let url = try ConnectionOptions.parseURL(url)
        let session = RemoteSession(endpoint: try connection.endpoint(for: url))
        defer { session.close() }
        let listing: DirectoryListing
        do {
            listing = try DirectoryLister(client: session.connection()).listing(at: url.path)
        } catch {
            throw Failure(error, while: "cannot list \(url)")
        }
        if !listing.isComplete {
            let count = listing.unreadableLines
            printError("ferry: \(count) line\(count == 1 ? "" : "s") of the listing could not be read; it may be incomplete (-v shows them)")
        }
        let sorted = listing.entries.sorted { $0.name < $1.name }
        let output = json ? ListingJSON.render(sorted) : sorted.map { long ? Self.longLine($0) : Sanitizer.visible($0.name) }.joined(separator: "\n")
        if !output.isEmpty { print(output) }
    }

    static func longLine(_ entry: ListingEntry) -> String {
        let type = switch entry.kind {
        case .directory: "d"
        case .link: "l"
        case .file: "-"
        case .other: "?"
        }
        let size = entry.size.map(String.init) ?? "-"
        let modified = entry.modified.map(ListingJSON.timestamp) ?? "-"
        var line = "\(type)\(entry.permissions ?? "---------") \(String(repeating: " ", count: max(0, 12 - size.count)))\(size)  \(modified)  \(Sanitizer.visible(entry.name))"
        if let target = entry.target { line += " -> \(Sanitizer.visible(target))" }
        return line
    }
}

/// Lists a URL's path the way a user means it: a directory's entries, or a file's own entry.
struct DirectoryLister {
    let client: FTPClient

    func listing(at path: RemotePath) throws -> DirectoryListing {
        guard !path.isEmpty else { return try client.listing() }
        do {
            // Entering the directory first tells a missing path apart from an empty one, which
            // some servers (vsftpd) list alike.
            let home = try client.pwd()
            try client.cwd(path)
            defer { try? client.cwd(home) }
            return try client.listing()
        } catch let error as FTPError where error.kind == .permanent && path.bytes.last != UInt8(ascii: "/") {
            let size = try client.size(path)
            let entry = ListingEntry(name: path.lastComponent.description, kind: .file, size: size, modified: try? client.mdtm(path))
            return DirectoryListing(entries: [entry], unreadableLines: 0)
        }
    }
}

/// The JSON form of a listing (`ls --json`).
enum ListingJSON {
    static func render(_ entries: [ListingEntry]) -> String {
        let objects = entries.map { entry in
            let fields: [(String, String)] = [
                ("name", string(entry.name)),
                ("type", string(entry.kind.rawValue)),
                ("size", entry.size.map(String.init) ?? "null"),
                ("modified", entry.modified.map { string(timestamp($0)) } ?? "null"),
                ("target", entry.target.map(string) ?? "null"),
                ("permissions", entry.permissions.map(string) ?? "null"),
            ]
            return "  {" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
        return objects.isEmpty ? "[]" : "[\n" + objects.joined(separator: ",\n") + "\n]"
    }

    /// `2026-11-25T14:35:00Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// A JSON string literal.
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) || (0x2028...0x2029).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

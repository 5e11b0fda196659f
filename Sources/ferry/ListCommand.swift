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
        // The text is made while the entries arrive.
        let printer = ListingPrinter(style: json ? .json : long ? .long : .names)
        let listing: DirectoryListing
        do {
            listing = try DirectoryLister(client: session.connection()).listing(at: url.path, onEntries: printer.add)
        } catch {
            throw Failure(error, while: "cannot list \(url)")
        }
        // The server has sent all it will: the goodbye goes out while the entries are printed.
        session.close(awaitingGoodbye: false)
        if let incompleteness = listing.incompleteness {
            printError("ferry: \(incompleteness); it may be incomplete (-v shows more)")
        }
        var output = StandardOutput()
        printer.finish(to: &output)
        output.flush()
        let way = switch printer.stop {
        case nil: "the entries came in name order: printed as made while they arrived"
        case .outOfOrder: "the entries came out of name order: sorted once all were in"
        case .tooMuchText: "the listing's text grew too large to keep: sorted once all entries were in"
        case .pieceMissing: "a piece of the text made while the entries arrived was missing: sorted once all were in"
        }
        connection.logger.debug("\(way)")
        // Done: the process ends with the entries in memory. Freeing a long listing entry by
        // entry would take a good part of the time printing it took.
        withExtendedLifetime(printer) { Foundation.exit(ExitStatus.success.rawValue) }
    }

    /// `drwxr-xr-x         4096  2026-11-25T14:35:00Z  name`, without the line break.
    static func writeLongLine(_ entry: ListingEntry, to output: inout StandardOutput) {
        let type: StaticString = switch entry.kind {
        case .directory: "d"
        case .link: "l"
        case .file: "-"
        case .other: "?"
        }
        output.write(ascii: type)
        if let permissions = entry.permissions { output.write(permissions) } else { output.write(ascii: "---------") }
        output.write(ascii: " ")
        if let size = entry.size {
            output.write(decimal: size, width: 12)
        } else {
            output.write(ascii: "           -")
        }
        output.write(ascii: "  ")
        if let modified = entry.modified { ListingJSON.write(timestamp: modified, to: &output) } else { output.write(ascii: "-") }
        output.write(ascii: "  ")
        output.write(Sanitizer.visible(entry.name))
        if let target = entry.target {
            output.write(ascii: " -> ")
            output.write(Sanitizer.visible(target))
        }
    }
}

/// Standard output through a buffer that is written out in large pieces, or text kept in memory
/// for another output to write. Bytes go in directly: fixed text, numbers and times make no
/// `String` on the way, and every write is one copy into the buffer.
struct StandardOutput: TextOutputStream {
    private let buffer: Buffer
    /// How many bytes at the start of the buffer wait to be written out.
    private var used = 0
    /// Where the bytes go instead of standard output: text made on another thread, to be written
    /// out in its turn.
    private let collected: Collected?

    /// Memory allocated once, freed with the last copy of the output (a struct cannot free it).
    /// Used by one thread at a time: an output that keeps its text is made on one thread and
    /// written out on another.
    private final class Buffer: @unchecked Sendable {
        let start: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(capacity: Int) {
            start = .allocate(capacity: capacity)
            self.capacity = capacity
        }

        deinit { start.deallocate() }
    }

    /// The bytes an output kept in memory, handed over as its buffer is.
    private final class Collected: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    init() {
        buffer = Buffer(capacity: 64 * 1024)
        collected = nil
    }

    /// An output that keeps its bytes in memory, for `write(contentsOf:)` to write out: in
    /// `buffer`, and what does not fit there in memory of its own.
    private init(collectingInto buffer: Buffer) {
        self.buffer = buffer
        collected = Collected()
    }

    /// An output that keeps its bytes in memory, for `write(contentsOf:)` to write out: the first
    /// `capacity` in a buffer of its own (memory never written to costs none), the rest in memory
    /// that grows.
    init(keepingUpTo capacity: Int) {
        self.init(collectingInto: Buffer(capacity: capacity))
    }

    /// How many bytes an output that keeps them holds.
    var keptByteCount: Int { (collected?.bytes.count ?? 0) + used }

    /// The bytes an output that keeps them holds.
    var keptBytes: [UInt8] { (collected?.bytes ?? []) + Array(UnsafeBufferPointer(start: buffer.start, count: used)) }

    /// Writes the bytes that `kept`, an output that keeps them, holds.
    mutating func write(contentsOf kept: StandardOutput) {
        kept.collected?.bytes.withUnsafeBufferPointer { write(bytes: $0) }
        write(bytes: UnsafeBufferPointer(start: kept.buffer.start, count: kept.used))
    }

    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: $0) }
    }

    /// Writes text known when compiling, such as punctuation and `null`.
    mutating func write(ascii text: StaticString) {
        write(bytes: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Writes one byte, such as a quote.
    mutating func write(byte: UInt8) {
        if used == buffer.capacity { flush() }
        buffer.start[used] = byte
        used += 1
    }

    mutating func write(bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if bytes.count > buffer.capacity - used {
            flush()
            // More than the whole buffer goes out as it is.
            guard bytes.count <= buffer.capacity else { return writeOut(bytes) }
        }
        (buffer.start + used).initialize(from: source, count: bytes.count)
        used += bytes.count
    }

    /// Writes `value` in decimal, right-aligned with spaces to at least `width` characters.
    mutating func write(decimal value: UInt64, width: Int = 0) {
        // UInt64.max has 20 digits.
        write(capacity: max(20, width)) { text in
            var digits = 0
            var rest = value
            repeat {
                digits += 1
                rest /= 10
            } while rest > 0
            let count = max(digits, width)
            text[0..<(count - digits)].update(repeating: UInt8(ascii: " "))
            rest = value
            for position in stride(from: count - 1, through: count - digits, by: -1) {
                text[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return count
        }
    }

    /// Writes bytes that `fill` puts into a buffer of `capacity` bytes, returning their count:
    /// in place, in the free part of the buffer.
    mutating func write(capacity: Int, _ fill: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        guard capacity <= buffer.capacity else {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { text in
                write(bytes: UnsafeBufferPointer(rebasing: text[0..<fill(text)]))
            }
        }
        if capacity > buffer.capacity - used { flush() }
        used += min(capacity, fill(UnsafeMutableBufferPointer(start: buffer.start + used, count: capacity)))
    }

    mutating func flush() {
        writeOut(UnsafeBufferPointer(start: buffer.start, count: used))
        used = 0
    }

    private func writeOut(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let collected { return collected.bytes.append(contentsOf: bytes) }
        // Like print, which this replaces, it leaves a closed standard output unreported.
        try? FileHandle.standardOutput.write(contentsOf: UnsafeRawBufferPointer(bytes))
    }

    /// Writes what `format` writes for each of `runs` (consecutive ranges of items), in order.
    /// With more than one run, the runs are made on every processor at once, each into memory
    /// of its own, a few at a time before they are written out: a long listing's text is made as
    /// fast as the processors allow, and never held whole.
    mutating func write(runs: [Range<Int>], _ format: @escaping @Sendable (Range<Int>, inout StandardOutput) -> Void) {
        guard runs.count > 1 else { return runs.forEach { format($0, &self) } }
        let runsAtOnce = min(2 * ProcessInfo.processInfo.activeProcessorCount, 8)
        // The memory of the runs' text, used again by the next few runs: a run's text usually
        // fits in it (4096 entries of a listing take about 600 KiB), and is written out from it.
        let buffers = (0..<min(runsAtOnce, runs.count)).map { _ in Buffer(capacity: 1024 * 1024) }
        for first in stride(from: 0, to: runs.count, by: runsAtOnce) {
            let now = Array(runs[first..<min(first + runsAtOnce, runs.count)])
            let made = Locked([StandardOutput?](repeating: nil, count: now.count))
            DispatchQueue.concurrentPerform(iterations: now.count) { index in
                var output = StandardOutput(collectingInto: buffers[index])
                format(now[index], &output)
                made.withLock { $0[index] = output }
            }
            for output in made.withLock({ $0 }) {
                if let output { write(contentsOf: output) }
            }
        }
    }
}

/// Lists a URL's path the way a user means it: a directory's entries, or a file's own entry.
/// The connection is left in the directory listed (`ls` closes it next: going back would cost
/// two round trips more).
struct DirectoryLister {
    let client: FTPClient

    /// Hands the entries to `onEntries` as they arrive, a run at a time; returns the listing
    /// without them.
    func listing(at path: RemotePath, onEntries: ([ListingEntry]) -> Void) throws -> DirectoryListing {
        guard !path.isEmpty else { return try client.listing(onEntries: onEntries) }
        do {
            // Entering the directory first tells a missing path apart from an empty one, which
            // some servers (vsftpd) list alike.
            try client.cwd(path)
        } catch let error as FTPError where error.kind == .permanent && path.bytes.last != UInt8(ascii: "/") {
            // No folder, or not one to enter: a file's own entry, else why CWD was refused.
            guard let size = try? client.size(path) else { throw error }
            onEntries([ListingEntry(name: path.lastComponent.description, kind: .file, size: size, modified: try? client.mdtm(path))])
            return DirectoryListing(entries: [], unreadableLines: 0)
        }
        return try client.listing(onEntries: onEntries)
    }
}

/// The JSON form of a listing (`ls --json`).
enum ListingJSON {
    /// One entry's object: fixed text in as few pieces as its values allow.
    static func write(_ entry: UnsafePointer<ListingEntry>, to output: inout StandardOutput) {
        output.write(ascii: "  {\"name\": ")
        write(string: entry.pointee.name, to: &output)
        let kind: StaticString = switch entry.pointee.kind {
        case .file: ", \"type\": \"file\", \"size\": "
        case .directory: ", \"type\": \"dir\", \"size\": "
        case .link: ", \"type\": \"link\", \"size\": "
        case .other: ", \"type\": \"other\", \"size\": "
        }
        output.write(ascii: kind)
        if let size = entry.pointee.size { output.write(decimal: size) } else { output.write(ascii: "null") }
        if let modified = entry.pointee.modified {
            output.write(ascii: ", \"modified\": \"")
            write(timestamp: modified, to: &output)
            output.write(ascii: "\", \"target\": ")
        } else {
            output.write(ascii: ", \"modified\": null, \"target\": ")
        }
        if let target = entry.pointee.target { write(string: target, to: &output) } else { output.write(ascii: "null") }
        output.write(ascii: ", \"permissions\": ")
        if let permissions = entry.pointee.permissions {
            write(string: permissions, to: &output)
            output.write(byte: UInt8(ascii: "}"))
        } else {
            output.write(ascii: "null}")
        }
    }

    /// `2026-11-25T14:35:00Z`: the UTC time to the second, as `ISO8601DateFormatter` writes it.
    static func timestamp(_ date: Date) -> String {
        guard let seconds = civilSeconds(date) else { return formattedTimestamp(date) }
        return String(unsafeUninitializedCapacity: 20) { civilTimestamp(seconds, into: $0) }
    }

    /// Writes `timestamp(date)` without making a `String` of it.
    static func write(timestamp date: Date, to output: inout StandardOutput) {
        guard let seconds = civilSeconds(date) else { return output.write(formattedTimestamp(date)) }
        output.write(capacity: 20) { civilTimestamp(seconds, into: $0) }
    }

    /// The whole seconds since 1970 of a date that `civilTimestamp` can write: the Gregorian
    /// calendar runs back unchanged only to its start, so older dates (and those after year
    /// 9999) go to the formatter.
    private static func civilSeconds(_ date: Date) -> Int? {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= -12_219_292_800, seconds < 253_402_300_800 else { return nil }
        return Int(exactly: seconds)
    }

    /// Puts the 20 bytes of the timestamp of `total` seconds since 1970 into `text`; returns 20.
    private static func civilTimestamp(_ total: Int, into text: UnsafeMutableBufferPointer<UInt8>) -> Int {
        // Civil time from days, after Howard Hinnant's algorithm.
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = total - days * 86_400
        let era = (days + 719_468) / 146_097
        let dayOfEra = days + 719_468 - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0)
        var position = 0
        func put(_ value: Int, digits: Int, then separator: Unicode.Scalar) {
            var rest = value
            for offset in stride(from: digits - 1, through: 0, by: -1) {
                text[position + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            text[position + digits] = UInt8(ascii: separator)
            position += digits + 1
        }
        put(year, digits: 4, then: "-")
        put(month, digits: 2, then: "-")
        put(day, digits: 2, then: "T")
        put(secondOfDay / 3600, digits: 2, then: ":")
        put(secondOfDay / 60 % 60, digits: 2, then: ":")
        put(secondOfDay % 60, digits: 2, then: "Z")
        return position
    }

    private static func formattedTimestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// A JSON string literal.
    static func string(_ text: String) -> String {
        var result = ""
        write(string: text, to: &result)
        return result
    }

    /// Writes `text` as a JSON string literal.
    static func write(string text: String, to output: inout some TextOutputStream) {
        if isPlain(text) {
            output.write("\"")
            output.write(text)
            output.write("\"")
        } else {
            output.write(escaped(text))
        }
    }

    /// Writes `text` as a JSON string literal: plain text in one pass over its bytes.
    static func write(string text: String, to output: inout StandardOutput) {
        let written = text.utf8.withContiguousStorageIfAvailable { utf8 in
            guard utf8.allSatisfy(isPlain) else { return false }
            output.write(byte: UInt8(ascii: "\""))
            output.write(bytes: utf8)
            output.write(byte: UInt8(ascii: "\""))
            return true
        }
        if written != true { output.write(escaped(text)) }
    }

    /// Whether the text needs no escapes: printable ASCII other than the quote and the backslash.
    private static func isPlain(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy(isPlain) }) ?? text.utf8.allSatisfy(isPlain)
    }

    /// Whether the byte stands for itself in a JSON string: printable ASCII other than the
    /// quote and the backslash.
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    private static func escaped(_ text: String) -> String {
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

import Dispatch
import Foundation
import FTPWire
import Net

/// Reads the bytes of a LIST reply as one `LineSplitter` and one `ListingReader` over all of them
/// would, but splits and parses them in batches on the other processors while the bytes after
/// them arrive. A server answers a large folder in a burst once it has read the whole folder, so
/// reading the lines is most of what a long listing costs the client after the server is done;
/// the reading thread only copies the bytes and finds where a batch may end.
///
/// A batch ends at a line feed, after a line of two fields or more. A VMS name alone on its line
/// (one field) waits for the next line, which may complete it: after a line of two fields nothing
/// waits, so each batch's own reader gives what the one reader would have. A batch that reaches
/// twice its size without such a line (one-field lines only) is cut at its last line feed all the
/// same, to keep memory bounded: there a lone VMS name at the cut is counted unreadable (the
/// listing incomplete) rather than joined. A batch of twice its size without a line feed holds the
/// start of a line longer than any line kept: it is cut there, and the rest of that line, which
/// the splitter would drop, is dropped as it arrives.
///
/// Bytes go in on one thread; at most `maximumBatchesInFlight` batches wait or are parsed at a
/// time (the reading thread waits beyond that, and the server with it), and entries and skipped
/// lines come out in the order of the lines. With one processor the bytes go through one splitter
/// and one reader, as they arrive.
final class ConcurrentListingReader: @unchecked Sendable {
    // @unchecked: the parsing threads touch only `parsedBatches` (locked) and `batchParsed`; the
    // rest belongs to the thread that adds the bytes.

    /// The bytes of a batch from which it may end.
    static let batchBytes = 256 * 1024

    /// What the reader gave of a batch's lines.
    private struct Parsed {
        var entries: [ListingEntry]
        var skippedLines: [[UInt8]]
        var nonEmptyLines: Int
    }

    private let parser: ListParser
    /// The entries, in order, once the listing has finished.
    private(set) var entries: [ListingEntry] = []
    /// The entries of each batch taken back so far, in order.
    private var takenEntries: [[ListingEntry]] = []
    /// How many lines of the batches taken back so far held a byte or more.
    private(set) var nonEmptyLines = 0
    private let onSkippedLine: ([UInt8]) -> Void
    /// The one splitter and reader of every byte when there is one processor; nil when batches
    /// go to other threads.
    private var sequentialSplitter: LineSplitter?
    private var sequentialReader: ListingReader?
    private let maximumBatchesInFlight: Int

    /// The bytes since the last batch, starting at the start of a line.
    private var batch: [UInt8] = []
    /// How far the lines of `batch` were looked at for one a batch may end with: the lines ending
    /// before have one field.
    private var checkedUpTo = 0
    /// Whether the bytes up to the next line feed end a line handed out already, too long to keep.
    private var droppingRestOfLongLine = false
    /// How many batches were handed out, and how many taken back.
    private var batchesSent = 0
    private var batchesTaken = 0
    /// The parsed batches not yet taken, by number; shared with the parsing threads.
    private let parsedBatches = Locked<[Int: Parsed]>([:])
    /// One signal for each batch parsed.
    private let batchParsed = DispatchSemaphore(value: 0)

    /// A reader that passes the lines that may hide an entry to `onSkippedLine`, in order, on the
    /// thread that adds the bytes.
    init(parser: ListParser, processors: Int = ProcessInfo.processInfo.activeProcessorCount, onSkippedLine: @escaping ([UInt8]) -> Void) {
        self.parser = parser
        self.onSkippedLine = onSkippedLine
        if processors <= 1 {
            sequentialSplitter = LineSplitter()
            sequentialReader = ListingReader(parser: parser)
        }
        maximumBatchesInFlight = 2 * min(max(processors, 1), 4)
    }

    /// Takes the next bytes of the listing.
    func add(_ bytes: UnsafeRawBufferPointer) {
        if sequentialReader != nil {
            sequentialSplitter?.feed(bytes, onLine: readSequentially)
            return
        }
        var rest = bytes
        if droppingRestOfLongLine {
            guard let lineFeed = Self.firstLineFeed(in: rest) else { return }
            rest = UnsafeRawBufferPointer(rebasing: rest[(lineFeed + 1)...])
            droppingRestOfLongLine = false
        }
        batch.append(contentsOf: rest)
        guard batch.count >= Self.batchBytes else { return }
        let full = batch.count >= 2 * Self.batchBytes
        let end = batch.withUnsafeBytes { Self.batchEnd(in: $0, linesEndingFrom: checkedUpTo, anyLine: full) }
        if let end {
            let remainder = Array(batch[end...])
            batch.removeSubrange(end...)
            send()
            batch = remainder
        } else if full {
            // Not one line feed: the line is longer than any line kept.
            send()
            droppingRestOfLongLine = true
        } else {
            checkedUpTo = batch.count
        }
    }

    /// Ends the listing: parses what is left and takes every batch back. The entries are then all
    /// in `entries`. With `droppingUnendedLine`, a last line without a line ending is not read
    /// (it may be only the start of one).
    func finish(droppingUnendedLine: Bool = false) {
        if sequentialReader != nil {
            if !droppingUnendedLine { sequentialSplitter?.finish(onLine: readSequentially) }
            sequentialReader?.finish(onSkippedLine: onSkippedLine)
            entries = sequentialReader?.entries ?? []
            sequentialReader = nil
            sequentialSplitter = nil
            return
        }
        // The last batch is parsed here, while those out are parsed elsewhere, and taken last.
        let last = Self.parse(batch, endingTheListing: !droppingUnendedLine, with: parser)
        batch = []
        while batchesTaken < batchesSent { takeParsedBatches(waiting: true) }
        take(last)
        entries = Self.joined(&takenEntries)
    }

    /// Reads a line with the one reader.
    private func readSequentially(_ line: [UInt8]) {
        if !line.isEmpty { nonEmptyLines += 1 }
        sequentialReader?.add(line, onSkippedLine: onSkippedLine)
    }

    /// Hands the batch to a parsing thread.
    private func send() {
        let bytes = batch
        batch = []
        checkedUpTo = 0
        // Too many batches out: wait for the oldest, which keeps memory bounded.
        while batchesSent - batchesTaken >= maximumBatchesInFlight { takeParsedBatches(waiting: true) }
        let number = batchesSent
        batchesSent += 1
        let parser = parser
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Self.parse(bytes, endingTheListing: false, with: parser)
            parsedBatches.withLock { $0[number] = result }
            batchParsed.signal()
        }
        takeParsedBatches(waiting: false)
    }

    /// Takes the parsed batches that are next in order; when `waiting`, waits for the next one first.
    private func takeParsedBatches(waiting: Bool) {
        guard batchesTaken < batchesSent else { return }
        if waiting { batchParsed.wait() }
        while let next = parsedBatches.withLock({ [batchesTaken] in $0.removeValue(forKey: batchesTaken) }) {
            batchesTaken += 1
            take(next)
        }
    }

    /// Keeps a batch's entries for the listing and passes on its skipped lines.
    private func take(_ batch: Parsed) {
        takenEntries.append(batch.entries)
        nonEmptyLines += batch.nonEmptyLines
        batch.skippedLines.forEach(onSkippedLine)
    }

    /// One splitter's and one reader's entries and skipped lines for `bytes`, which start at the
    /// start of a line. A batch other than the last ends at a line feed or inside a line too long
    /// to keep (which the splitter has passed on already): only the last may end in a line of its
    /// own, read when `endingTheListing`.
    private static func parse(_ bytes: [UInt8], endingTheListing: Bool, with parser: ListParser) -> Parsed {
        var splitter = LineSplitter()
        var reader = ListingReader(parser: parser)
        var skipped: [[UInt8]] = []
        var nonEmptyLines = 0
        // A copy of its own: the splitter reuses the line's memory for the next.
        let keep = { (line: [UInt8]) in skipped.append(line.withUnsafeBufferPointer(Array.init)) }
        let read = { (line: [UInt8]) in
            if !line.isEmpty { nonEmptyLines += 1 }
            reader.add(line, onSkippedLine: keep)
        }
        bytes.withUnsafeBytes { splitter.feed($0, onLine: read) }
        if endingTheListing { splitter.finish(onLine: read) }
        reader.finish(onSkippedLine: keep)
        return Parsed(entries: reader.entries, skippedLines: skipped, nonEmptyLines: nonEmptyLines)
    }

    /// The entries of `batches`, in order, in one array of the right size, moved rather than
    /// copied (a copy retains and later releases each entry's name, and growing one array
    /// batch by batch copies it again and again); `batches` is left empty.
    private static func joined(_ batches: inout [[ListingEntry]]) -> [ListingEntry] {
        let total = batches.reduce(0) { $0 + $1.count }
        let joined = [ListingEntry](unsafeUninitializedCapacity: total) { joined, count in
            for index in batches.indices {
                batches[index].withUnsafeMutableBufferPointer { batch in
                    guard let from = batch.baseAddress, let to = joined.baseAddress else { return }
                    (to + count).moveInitialize(from: from, count: batch.count)
                    count += batch.count
                    // The places moved from must hold entries when the batch's array is freed:
                    // empty ones, which own no memory.
                    from.initialize(repeating: ListingEntry(name: "", kind: .other), count: batch.count)
                }
            }
        }
        batches = []
        return joined
    }

    /// Where a batch of `bytes` may end: just after the last line feed that ends a line of two
    /// fields (looking only at the lines that end at `start` or later), else with `anyLine` just
    /// after the last line feed; nil when there is no such line feed.
    static func batchEnd(in bytes: UnsafeRawBufferPointer, linesEndingFrom start: Int, anyLine: Bool) -> Int? {
        var end = bytes.count
        while let lineFeed = lastLineFeed(in: UnsafeRawBufferPointer(rebasing: bytes[..<end])), lineFeed >= start {
            let lineStart = lastLineFeed(in: UnsafeRawBufferPointer(rebasing: bytes[..<lineFeed])).map { $0 + 1 } ?? 0
            if hasTwoFields(keptLine(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineFeed]))) { return lineFeed + 1 }
            end = lineFeed
        }
        guard anyLine else { return nil }
        return lastLineFeed(in: bytes).map { $0 + 1 }
    }

    /// The line the splitter passes on for the bytes between two line feeds: without a carriage
    /// return at the end, or, for a line too long, the start of it that the splitter keeps.
    private static func keptLine(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if bytes.count > maximumLineLength { return UnsafeRawBufferPointer(rebasing: bytes[..<maximumLineLength]) }
        return bytes.last == 0x0D ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes
    }

    /// The longest line the splitters keep.
    private static let maximumLineLength = LineSplitter().maximumLineLength

    /// Whether a line has two fields or more, as `ListParser` cuts it: a blank or tab between two
    /// other bytes, a carriage return at the end not counted.
    static func hasTwoFields(_ line: some BidirectionalCollection<UInt8>) -> Bool {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var text = line[...]
        if text.last == 0x0D { text = text.dropLast() }
        guard let first = text.firstIndex(where: { !isBlank($0) }),
              let gap = text[first...].firstIndex(where: isBlank)
        else { return false }
        return text[gap...].contains { !isBlank($0) }
    }

    /// The offset of the first line feed in `bytes`.
    private static func firstLineFeed(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let start = bytes.baseAddress, let found = memchr(start, 0x0A, bytes.count) else { return nil }
        return start.distance(to: UnsafeRawPointer(found))
    }

    /// The offset of the last line feed in `bytes`.
    private static func lastLineFeed(in bytes: UnsafeRawBufferPointer) -> Int? {
        bytes.lastIndex(of: 0x0A)
    }
}

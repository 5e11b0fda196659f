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
/// A batch ends at a line feed, after a line that no reader holds back: a VMS name alone on its
/// line waits for the next line, which may complete it, but after any other line nothing waits,
/// so each batch's own reader gives what the one reader would. A batch that reaches twice its
/// size without such a line feed (a run of lone VMS names, or a line longer than any kept) is not
/// cut: the rest of the listing is read on the reading thread, as with one processor.
///
/// Bytes go in on one thread; at most `maximumBatchesInFlight` batches wait or are parsed at a
/// time (the reading thread waits beyond that, and the server with it), and entries and skipped
/// lines come out on that thread in the order of the lines, the entries a run at a time, while
/// the rest arrives. With one processor the bytes go through one splitter and one reader, as they
/// arrive.
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
    /// How many entries were handed on so far.
    private(set) var entryCount = 0
    /// How many lines of the batches taken back so far held a byte or more.
    private(set) var nonEmptyLines = 0
    private let onEntries: ([ListingEntry]) -> Void
    private let onSkippedLine: ([UInt8]) -> Void
    /// The one splitter and reader of the bytes from here on, when there is one processor or
    /// batches could not be cut; nil while batches go to other threads.
    private var sequentialSplitter: LineSplitter?
    private var sequentialReader: ListingReader?
    private let maximumBatchesInFlight: Int

    /// The bytes since the last batch, starting at the start of a line.
    private var batch: [UInt8] = []
    /// Where the last line feed of `batch` is.
    private var lastLineFeed: Int?
    /// How far the lines of `batch` were looked at for one a batch may end with: those ending
    /// before are held back.
    private var checkedUpTo = 0
    /// How many batches were handed out, and how many taken back.
    private var batchesSent = 0
    private var batchesTaken = 0
    /// The parsed batches not yet taken, by number; shared with the parsing threads.
    private let parsedBatches = Locked<[Int: Parsed]>([:])
    /// One signal for each batch parsed.
    private let batchParsed = DispatchSemaphore(value: 0)

    /// A reader that hands the entries to `onEntries`, a run at a time, and passes the lines that
    /// may hide an entry to `onSkippedLine`, each in order, on the thread that adds the bytes.
    init(
        parser: ListParser, processors: Int = ProcessInfo.processInfo.activeProcessorCount,
        onEntries: @escaping ([ListingEntry]) -> Void, onSkippedLine: @escaping ([UInt8]) -> Void
    ) {
        self.parser = parser
        self.onEntries = onEntries
        self.onSkippedLine = onSkippedLine
        maximumBatchesInFlight = 2 * min(max(processors, 1), 4)
        if processors <= 1 { readSequentiallyFromHere() }
    }

    /// Takes the next bytes of the listing.
    func add(_ bytes: UnsafeRawBufferPointer) {
        if sequentialReader != nil {
            sequentialSplitter?.feed(bytes, onLine: readSequentially)
            return handSequentialEntries(atLeast: FTPClient.entriesPerRun)
        }
        if let lineFeed = Self.lastLineFeed(in: bytes) { lastLineFeed = batch.count + lineFeed }
        // Room for the whole batch at once, rather than growing it (and copying it) step by step.
        if batch.capacity < Self.batchBytes { batch.reserveCapacity(Self.batchBytes + bytes.count) }
        batch.append(contentsOf: bytes)
        guard batch.count >= Self.batchBytes else { return }
        if let end = batchEnd() {
            let remainder = Array(batch[end...])
            batch.removeSubrange(end...)
            send()
            batch = remainder
            lastLineFeed = batch.lastIndex(of: 0x0A)
        } else if batch.count >= 2 * Self.batchBytes {
            readSequentiallyFromHere()
            let rest = batch
            batch = []
            rest.withUnsafeBytes { sequentialSplitter?.feed($0, onLine: readSequentially) }
            handSequentialEntries(atLeast: FTPClient.entriesPerRun)
        }
    }

    /// Ends the listing: parses what is left and takes every batch back, handing on the last
    /// entries. With `droppingUnendedLine`, a last line without a line ending is not read (it may
    /// be only the start of one).
    func finish(droppingUnendedLine: Bool = false) {
        if sequentialReader != nil {
            if !droppingUnendedLine { sequentialSplitter?.finish(onLine: readSequentially) }
            sequentialReader?.finish(onSkippedLine: onSkippedLine)
            handSequentialEntries(atLeast: 1)
            sequentialReader = nil
            sequentialSplitter = nil
        } else {
            // The last batch is parsed here, while those out are parsed elsewhere, and taken last.
            let last = Self.parse(batch, endingTheListing: !droppingUnendedLine, with: parser)
            batch = []
            while batchesTaken < batchesSent { takeParsedBatches(waiting: true) }
            take(last)
        }
    }

    /// Reads the rest of the listing on this thread, with one splitter and one reader, once the
    /// batches out have been taken back (their skipped lines come first).
    private func readSequentiallyFromHere() {
        while batchesTaken < batchesSent { takeParsedBatches(waiting: true) }
        sequentialSplitter = LineSplitter()
        sequentialReader = ListingReader(parser: parser)
    }

    /// Reads a line with the one reader.
    private func readSequentially(_ line: [UInt8]) {
        if !line.isEmpty { nonEmptyLines += 1 }
        sequentialReader?.add(line, onSkippedLine: onSkippedLine)
    }

    /// Hands on the one reader's entries once there are `count` or more: they are final (a line
    /// the reader holds back is not among them).
    private func handSequentialEntries(atLeast count: Int) {
        guard let gathered = sequentialReader?.entries.count, gathered >= count else { return }
        let run = sequentialReader?.entries ?? []
        sequentialReader?.entries = []
        hand(run)
    }

    /// Hands the batch to a parsing thread.
    private func send() {
        let bytes = batch
        batch = []
        lastLineFeed = nil
        checkedUpTo = 0
        // Too many batches out: wait for the oldest, which keeps memory bounded.
        while batchesSent - batchesTaken >= maximumBatchesInFlight { takeParsedBatches(waiting: true) }
        let number = batchesSent
        batchesSent += 1
        // Not the reader itself: it holds its caller's `onEntries`, which may not outlive the
        // caller's call (FTPClient.listing), and a parsing thread lets go of what it holds only
        // after its signal, which may be the last the reader waits for.
        let parser = parser, parsedBatches = parsedBatches, batchParsed = batchParsed
        DispatchQueue.global(qos: .userInitiated).async {
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

    /// Hands on a batch's entries and passes on its skipped lines.
    private func take(_ batch: Parsed) {
        hand(batch.entries)
        nonEmptyLines += batch.nonEmptyLines
        batch.skippedLines.forEach(onSkippedLine)
    }

    private func hand(_ run: [ListingEntry]) {
        guard !run.isEmpty else { return }
        entryCount += run.count
        onEntries(run)
    }

    /// One splitter's and one reader's entries and skipped lines for `bytes`, which start at the
    /// start of a line. A batch other than the last ends at a line feed: only the last may end in
    /// a line of its own, read when `endingTheListing`.
    private static func parse(_ bytes: [UInt8], endingTheListing: Bool, with parser: ListParser) -> Parsed {
        var reader = ListingReader(parser: parser)
        var skipped: [[UInt8]] = []
        var nonEmptyLines = 0
        bytes.withUnsafeBufferPointer { bytes in
            // An entry for each line, nearly always: room for them at once.
            reader.entries.reserveCapacity(lineFeedCount(in: UnsafeRawBufferPointer(bytes)))
            // Each line read where it lies, as a splitter would pass it on.
            func read(_ start: Int, _ end: Int) {
                let line = keptLine(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                if !line.isEmpty { nonEmptyLines += 1 }
                reader.add(lent: line) { skipped.append($0) }
            }
            var start = 0
            while start < bytes.count, let lineFeed = firstLineFeed(in: UnsafeBufferPointer(rebasing: bytes[start...])) {
                read(start, start + lineFeed)
                start += lineFeed + 1
            }
            // A line without its line feed is read at the end of the listing, or where it is longer
            // than a splitter keeps: a splitter passes on the start of such a line as soon as it has it.
            if endingTheListing || bytes.count - start > maximumLineLength, start < bytes.count { read(start, bytes.count) }
        }
        reader.finish { skipped.append($0) }
        return Parsed(entries: reader.entries, skippedLines: skipped, nonEmptyLines: nonEmptyLines)
    }

    /// Where the batch may end: just after the last line feed that ends a line no reader holds
    /// back, looking only at the lines not looked at before (each is looked at once); nil when
    /// there is none.
    private func batchEnd() -> Int? {
        guard let last = lastLineFeed, last >= checkedUpTo else { return nil }
        let end = batch.withUnsafeBytes { Self.batchEnd(in: $0, lastLineFeed: last, linesEndingFrom: checkedUpTo) }
        if end == nil { checkedUpTo = last + 1 }
        return end
    }

    /// Where a batch of `bytes`, whose last line feed is at `lastLineFeed`, may end: just after the
    /// last line feed (at `start` or later) that ends a line no reader holds back; nil when there
    /// is none.
    static func batchEnd(in bytes: UnsafeRawBufferPointer, lastLineFeed: Int, linesEndingFrom start: Int) -> Int? {
        var lineFeed = lastLineFeed
        while lineFeed >= start {
            let lineStart = Self.lastLineFeed(in: UnsafeRawBufferPointer(rebasing: bytes[..<lineFeed])).map { $0 + 1 } ?? 0
            let line = keptLine(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineFeed]).assumingMemoryBound(to: UInt8.self))
            if !ListingReader.mayHoldBack(lent: line) { return lineFeed + 1 }
            guard lineStart > 0 else { return nil }
            lineFeed = lineStart - 1
        }
        return nil
    }

    /// The line the splitter passes on for the bytes between two line feeds: without a carriage
    /// return at the end, or, for a line too long, the start of it that the splitter keeps.
    private static func keptLine(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if bytes.count > maximumLineLength { return UnsafeBufferPointer(rebasing: bytes.prefix(maximumLineLength)) }
        return bytes.last == 0x0D ? UnsafeBufferPointer(rebasing: bytes.dropLast()) : bytes
    }

    /// The longest line the splitters keep.
    private static let maximumLineLength = LineSplitter().maximumLineLength

    /// The offset of the first line feed in `bytes` (by `memchr`, many bytes at a time).
    private static func firstLineFeed(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let start = bytes.baseAddress, let found = memchr(start, 0x0A, bytes.count) else { return nil }
        return start.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// How many line feeds `bytes` holds (by `memchr`, many bytes at a time).
    private static func lineFeedCount(in bytes: UnsafeRawBufferPointer) -> Int {
        guard var next = bytes.baseAddress else { return 0 }
        let end = next + bytes.count
        var count = 0
        while next < end, let found = memchr(next, 0x0A, next.distance(to: end)) {
            count += 1
            next = UnsafeRawPointer(found) + 1
        }
        return count
    }

    /// The offset of the last line feed in `bytes`.
    private static func lastLineFeed(in bytes: UnsafeRawBufferPointer) -> Int? {
        bytes.lastIndex(of: 0x0A)
    }
}

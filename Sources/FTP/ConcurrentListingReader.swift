import Dispatch
import Foundation
import FTPWire
import Net

/// Reads the lines of a LIST reply as one `ListingReader` over all of them would, but parses them
/// in batches on the other processors while the lines after them arrive. A server answers a large
/// folder in a burst once it has read the whole folder, so parsing the lines is most of what a
/// long listing costs the client after the server is done.
///
/// A batch ends only after a line of two fields or more. A VMS name alone on its line (one field)
/// waits for the next line, which may complete it: after a line of two fields nothing waits, so
/// each batch's own reader gives what the one reader would have. A run of more than
/// `maximumBatchLines` one-field lines is cut all the same, to keep memory bounded: there a lone
/// VMS name at the cut is counted unreadable (the listing incomplete) rather than joined.
///
/// Lines go in on one thread; at most `maximumBatchesInFlight` batches wait or are parsed at a
/// time (the reading thread waits beyond that, and the server with it), and entries and skipped
/// lines come out in the order of the lines.
final class ConcurrentListingReader: @unchecked Sendable {
    // @unchecked: the parsing threads touch only `parsedBatches` (locked) and `batchParsed`; the
    // rest belongs to the thread that adds the lines.
    /// The most lines in one batch.
    static let maximumBatchLines = 4096
    /// The most bytes of lines in one batch.
    static let maximumBatchBytes = 1 << 20

    /// What the reader gave of a batch's lines.
    private struct Parsed {
        var entries: [ListingEntry]
        var skippedLines: [[UInt8]]
    }

    private let parser: ListParser
    /// The entries of the batches taken out so far, in order.
    private(set) var entries: [ListingEntry] = []
    private let onSkippedLine: ([UInt8]) -> Void
    /// Whether batches go to other threads: not with one processor.
    private let isConcurrent: Bool
    private let maximumBatchesInFlight: Int

    private var batch: [[UInt8]] = []
    private var batchBytes = 0
    /// How many batches were handed out, and how many taken back.
    private var batchesSent = 0
    private var batchesTaken = 0
    /// The parsed batches not yet taken, by number; shared with the parsing threads.
    private let parsedBatches = Locked<[Int: Parsed]>([:])
    /// One signal for each batch parsed.
    private let batchParsed = DispatchSemaphore(value: 0)

    /// A reader that passes the lines that may hide an entry to `onSkippedLine`, in order, on the
    /// thread that adds the lines.
    init(parser: ListParser, processors: Int = ProcessInfo.processInfo.activeProcessorCount, onSkippedLine: @escaping ([UInt8]) -> Void) {
        self.parser = parser
        self.onSkippedLine = onSkippedLine
        isConcurrent = processors > 1
        maximumBatchesInFlight = 2 * min(max(processors, 1), 4)
    }

    /// Takes the next line.
    func add(_ line: [UInt8]) {
        batch.append(line)
        batchBytes += line.count
        let isFull = batch.count >= Self.maximumBatchLines || batchBytes >= Self.maximumBatchBytes
        if isFull, Self.hasTwoFields(line) || batch.count >= 2 * Self.maximumBatchLines || batchBytes >= 2 * Self.maximumBatchBytes {
            send()
        }
        takeParsedBatches(waiting: false)
    }

    /// Ends the listing: parses what is left and takes every batch back. The entries are then all
    /// in `entries`.
    func finish() {
        // The last batch is parsed here: this thread would only wait for it.
        if batchesSent == batchesTaken {
            let last = Self.parse(batch, with: parser)
            batch = []
            take(last)
            return
        }
        if !batch.isEmpty { send() }
        while batchesTaken < batchesSent { takeParsedBatches(waiting: true) }
    }

    /// Hands the batch to a parsing thread, or parses it here with one processor.
    private func send() {
        let lines = batch
        batch = []
        batchBytes = 0
        guard isConcurrent else { return take(Self.parse(lines, with: parser)) }
        // Too many batches out: wait for the oldest, which keeps memory bounded.
        while batchesSent - batchesTaken >= maximumBatchesInFlight { takeParsedBatches(waiting: true) }
        let number = batchesSent
        batchesSent += 1
        let parser = parser
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Self.parse(lines, with: parser)
            parsedBatches.withLock { $0[number] = result }
            batchParsed.signal()
        }
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

    /// Adds a batch's entries to the listing and passes on its skipped lines.
    private func take(_ batch: Parsed) {
        entries.append(contentsOf: batch.entries)
        batch.skippedLines.forEach(onSkippedLine)
    }

    /// One reader's entries and skipped lines for `lines`.
    private static func parse(_ lines: [[UInt8]], with parser: ListParser) -> Parsed {
        var reader = ListingReader(parser: parser)
        var skipped: [[UInt8]] = []
        for line in lines { reader.add(line) { skipped.append($0) } }
        reader.finish { skipped.append($0) }
        return Parsed(entries: reader.entries, skippedLines: skipped)
    }

    /// Whether a line has two fields or more: a blank or tab between two other bytes.
    static func hasTwoFields(_ line: [UInt8]) -> Bool {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        guard let first = line.firstIndex(where: { !isBlank($0) }),
              let gap = line[first...].firstIndex(where: isBlank)
        else { return false }
        return line[gap...].contains { !isBlank($0) }
    }
}

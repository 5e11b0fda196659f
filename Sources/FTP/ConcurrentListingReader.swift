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
/// each batch's own reader gives what the one reader would have. A batch that reaches twice its
/// size without such a line (one-field lines only) is cut all the same, to keep memory bounded:
/// there a lone VMS name at the cut is counted unreadable (the listing incomplete) rather than joined.
///
/// Lines go in on one thread; at most `maximumBatchesInFlight` batches wait or are parsed at a
/// time (the reading thread waits beyond that, and the server with it), and entries and skipped
/// lines come out in the order of the lines. A batch holds its lines end to end in one buffer,
/// and the lines it skips as copies of their own, so that its memory is what its lines weigh.
/// With one processor the lines go through one `ListingReader`, as they arrive.
final class ConcurrentListingReader: @unchecked Sendable {
    // @unchecked: the parsing threads touch only `parsedBatches` (locked) and `batchParsed`; the
    // rest belongs to the thread that adds the lines.

    /// The most lines in one batch.
    static let maximumBatchLines = 4096
    /// The most bytes of lines in one batch.
    static let maximumBatchBytes = 1 << 20

    /// Lines end to end, and where each ends.
    private struct Batch {
        var bytes: [UInt8] = []
        var ends: [Int] = []
    }

    /// What the reader gave of a batch's lines.
    private struct Parsed {
        var entries: [ListingEntry]
        var skippedLines: [[UInt8]]
    }

    private let parser: ListParser
    /// The entries of the batches taken back so far, in order.
    private(set) var entries: [ListingEntry] = []
    private let onSkippedLine: ([UInt8]) -> Void
    /// The one reader of every line when there is one processor; nil when batches go to other threads.
    private var sequential: ListingReader?
    private let maximumBatchesInFlight: Int

    private var batch = Batch()
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
        sequential = processors > 1 ? nil : ListingReader(parser: parser)
        maximumBatchesInFlight = 2 * min(max(processors, 1), 4)
    }

    /// Takes the next line.
    func add(_ line: [UInt8]) {
        if sequential != nil {
            sequential?.add(line, onSkippedLine: onSkippedLine)
            return
        }
        batch.bytes += line
        batch.ends.append(batch.bytes.count)
        let lines = batch.ends.count
        let bytes = batch.bytes.count
        if lines >= Self.maximumBatchLines || bytes >= Self.maximumBatchBytes,
           Self.hasTwoFields(line) || lines >= 2 * Self.maximumBatchLines || bytes >= 2 * Self.maximumBatchBytes {
            send()
        }
    }

    /// Ends the listing: parses what is left and takes every batch back. The entries are then all
    /// in `entries`.
    func finish() {
        if var reader = sequential {
            reader.finish(onSkippedLine: onSkippedLine)
            swap(&entries, &reader.entries)
            sequential = nil
            return
        }
        // The last batch is parsed here, while those out are parsed elsewhere, and taken last.
        let last = Self.parse(batch, with: parser)
        batch = Batch()
        while batchesTaken < batchesSent { takeParsedBatches(waiting: true) }
        take(last)
    }

    /// Hands the batch to a parsing thread.
    private func send() {
        let lines = batch
        batch = Batch()
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

    /// Adds a batch's entries to the listing and passes on its skipped lines.
    private func take(_ batch: Parsed) {
        entries.append(contentsOf: batch.entries)
        batch.skippedLines.forEach(onSkippedLine)
    }

    /// One reader's entries and skipped lines for the lines of `batch`, each read in one reused line.
    private static func parse(_ batch: Batch, with parser: ListParser) -> Parsed {
        var reader = ListingReader(parser: parser)
        var skipped: [[UInt8]] = []
        // A copy of its own: the line's memory is reused for the next.
        let keep = { (line: [UInt8]) in skipped.append(line.withUnsafeBufferPointer(Array.init)) }
        var line: [UInt8] = []
        var start = 0
        for end in batch.ends {
            line.removeAll(keepingCapacity: true)
            line += batch.bytes[start..<end]
            reader.add(line, onSkippedLine: keep)
            start = end
        }
        reader.finish(onSkippedLine: keep)
        return Parsed(entries: reader.entries, skippedLines: skipped)
    }

    /// Whether a line has two fields or more, as `ListParser` cuts it: a blank or tab between two
    /// other bytes, a carriage return at the end not counted.
    static func hasTwoFields(_ line: [UInt8]) -> Bool {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        let text = line.last == 0x0D ? line.dropLast() : line[...]
        guard let first = text.firstIndex(where: { !isBlank($0) }),
              let gap = text[first...].firstIndex(where: isBlank)
        else { return false }
        return text[gap...].contains { !isBlank($0) }
    }
}

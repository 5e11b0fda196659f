import Dispatch
import FTPWire
import Net

/// A LIST reply parsed in batches of lines on other threads while the rest of it arrives, giving
/// the same entries and skipped lines, in the same order, as one `ListingReader` over all lines.
///
/// A long listing arrives faster than one thread parses it: servers such as vsftpd read the whole
/// folder first and then send it at once. So each batch of `batchSize` lines is handed to its own
/// reader on another thread as soon as it is full, and the results are joined in order at the end;
/// the last batch (the whole of a short listing) is parsed on the calling thread.
///
/// A reader holds back a VMS name alone on its line until the next line, which may complete it.
/// A batch therefore ends only after a line without `;` (no VMS name can be alone on it), where a
/// reader over all lines holds nothing back: each batch starts as a new reader does.
struct ConcurrentListingReader {
    /// Lines per batch handed to another thread.
    static let batchSize = 2048
    private let parser: ListParser
    private var batch = LineBatch()
    private var parsing: [Locked<ParsedBatch?>] = []
    private let group = DispatchGroup()

    init(parser: ListParser) {
        self.parser = parser
    }

    /// Takes the next line (without its line ending).
    mutating func add(_ line: [UInt8]) {
        batch.append(line)
        guard batch.count >= Self.batchSize, !line.contains(UInt8(ascii: ";")) else { return }
        let full = batch
        batch = LineBatch()
        let result = Locked<ParsedBatch?>(nil)
        parsing.append(result)
        let parser = parser
        DispatchQueue.global().async(group: group) {
            let parsed = Self.parse(full, with: parser, finishing: false)
            result.withLock { $0 = parsed }
        }
    }

    /// The entries of all lines; lines that may hide an entry are passed to `onSkippedLine` in
    /// the order they came.
    mutating func finish(onSkippedLine: ([UInt8]) -> Void) -> [ListingEntry] {
        let last = Self.parse(batch, with: parser, finishing: true)
        batch = LineBatch()
        group.wait()
        let batches = parsing.map { result in result.withLock { $0 } ?? ParsedBatch() } + [last]
        parsing = []
        var entries: [ListingEntry] = []
        entries.reserveCapacity(batches.reduce(0) { $0 + $1.entries.count })
        for parsed in batches {
            entries.append(contentsOf: parsed.entries)
            parsed.skippedLines.forEach(onSkippedLine)
        }
        return entries
    }

    /// The entries and skipped lines of one batch, read by a reader of its own.
    private static func parse(_ batch: LineBatch, with parser: ListParser, finishing: Bool) -> ParsedBatch {
        var reader = ListingReader(parser: parser)
        var skippedLines: [[UInt8]] = []
        var line: [UInt8] = []
        for index in 0..<batch.count {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: batch.bytes[batch.range(of: index)])
            reader.add(line) { skippedLines.append($0) }
        }
        if finishing { reader.finish { skippedLines.append($0) } }
        return ParsedBatch(entries: reader.entries, skippedLines: skippedLines)
    }
}

/// Lines kept end to end in one buffer.
private struct LineBatch: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Where each line ends in `bytes`.
    private var ends: [Int] = []

    var count: Int { ends.count }

    mutating func append(_ line: [UInt8]) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
    }

    func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }
}

/// What the reader of one batch found.
private struct ParsedBatch: Sendable {
    var entries: [ListingEntry] = []
    var skippedLines: [[UInt8]] = []
}

import Dispatch
import FTP
import FTPWire
import Foundation

/// How `ls` writes a listing: each entry's own text, and the text around and between entries.
struct ListingStyle: Sendable {
    /// Before the first entry.
    let opening: StaticString
    /// Between two entries.
    let separator: StaticString
    /// After the last entry.
    let closing: StaticString
    /// The whole text of a listing without entries.
    let empty: StaticString
    /// Writes one entry's own text. Through a pointer: an entry passed as a value is copied on
    /// the way (its strings retained, then released).
    let writeEntry: @Sendable (UnsafePointer<ListingEntry>, inout StandardOutput) -> Void

    /// `ls`: the names, a line each, control characters made visible.
    static let names = ListingStyle(opening: "", separator: "\n", closing: "\n", empty: "") { entry, output in
        output.write(Sanitizer.visible(entry.pointee.name))
    }

    /// `ls -l`: `drwxr-xr-x         4096  2026-11-25T14:35:00Z  name`, a line each.
    static let long = ListingStyle(opening: "", separator: "\n", closing: "\n", empty: "") { entry, output in
        ListCommand.writeLongLine(entry.pointee, to: &output)
    }

    /// `ls --json`: one array of objects, an entry a line.
    static let json = ListingStyle(opening: "[\n", separator: ",\n", closing: "\n]\n", empty: "[]\n", writeEntry: ListingJSON.write)
}

/// Prints a listing sorted by name, making its text while the entries still arrive. Most servers
/// send a folder in name order: as long as the runs of entries handed in keep to it, the text of
/// each is made at once on another processor and kept, and at the end it is written out as it
/// is, so that little is left to do once the last entry is in. Once an entry breaks the order,
/// the text made is dropped, and all the entries are sorted and written at the end.
///
/// Runs are handed in on one thread, in order; `finish` comes on the same thread, after the last.
final class ListingPrinter: @unchecked Sendable {
    // @unchecked: the text-making threads touch only `texts` and `outOfOrder` (locked); the rest
    // belongs to the thread that hands the runs in.

    private let style: ListingStyle
    /// The runs handed in, in order.
    private var runs: [[ListingEntry]] = []
    /// How many pieces of text were started: each run is made in pieces of at most 4096 entries.
    private var piecesStarted = 0
    /// The text of each piece made, by number.
    private let texts = Locked<[Int: StandardOutput]>([:])
    /// Whether an entry was found out of order (before the one handed in before it).
    private let outOfOrder = Locked(false)
    private let making = DispatchGroup()

    init(style: ListingStyle) {
        self.style = style
    }

    /// Whether the entries came in name order, so that their text was made as they came; known
    /// once `finish` has written them.
    var cameInOrder: Bool { !outOfOrder.withLock { $0 } }

    /// Takes the next entries of the listing; while they are in order, their text is made on
    /// another processor.
    func add(_ run: [ListingEntry]) {
        guard !run.isEmpty else { return }
        let previous = runs.last?.last
        runs.append(run)
        if let previous, let first = run.first, first.name < previous.name { foundOutOfOrder() }
        guard !outOfOrder.withLock({ $0 }) else { return }
        for piece in Self.pieces(of: run) {
            let number = piecesStarted
            piecesStarted += 1
            DispatchQueue.global(qos: .userInitiated).async(group: making) { [self] in
                makeText(of: run, piece, number: number)
            }
        }
    }

    /// Writes the listing to `output`: the text made, or, when the entries came out of order,
    /// the sorted entries.
    func finish(to output: inout StandardOutput) {
        making.wait()
        guard !runs.isEmpty else { return output.write(ascii: style.empty) }
        output.write(ascii: style.opening)
        if outOfOrder.withLock({ $0 }) {
            writeSorted(to: &output)
        } else {
            let texts = texts.withLock { $0 }
            for number in 0..<piecesStarted {
                if let text = texts[number] { output.write(contentsOf: text) }
            }
        }
        output.write(ascii: style.closing)
    }

    /// Makes the text of `run[piece]`, or finds that its entries are out of order.
    private func makeText(of run: [ListingEntry], _ piece: Range<Int>, number: Int) {
        guard !outOfOrder.withLock({ $0 }) else { return }
        var text = StandardOutput(keepingUpTo: 1024 * 1024)
        let inOrder = run.withUnsafeBufferPointer { entries in
            guard let first = entries.baseAddress else { return true }
            for index in piece {
                if index > 0, entries[index].name < entries[index - 1].name { return false }
                if number > 0 || index > piece.lowerBound { text.write(ascii: style.separator) }
                style.writeEntry(first + index, &text)
            }
            return true
        }
        if inOrder { texts.withLock { $0[number] = text } } else { foundOutOfOrder() }
    }

    /// Stops making text, and drops what was made.
    private func foundOutOfOrder() {
        outOfOrder.withLock { $0 = true }
        texts.withLock { $0 = [:] }
    }

    /// Sorts the entries by name and writes them, their text made on every processor a few
    /// pieces at a time.
    private func writeSorted(to output: inout StandardOutput) {
        // Text a piece made after the order broke is of no use either.
        texts.withLock { $0 = [:] }
        var joined = ListingEntry.joined(&runs)
        // In place: a sorted copy would copy every entry of a long listing once more.
        joined.sort { $0.name < $1.name }
        let entries = joined
        let style = style
        output.write(runs: Self.pieces(of: entries)) { piece, output in
            entries.withUnsafeBufferPointer { entries in
                guard let first = entries.baseAddress else { return }
                for index in piece {
                    if index > 0 { output.write(ascii: style.separator) }
                    style.writeEntry(first + index, &output)
                }
            }
        }
    }

    /// The pieces the text of `entries` is made in: 4096 entries, fewer where names are long, so
    /// that the text of a piece stays small whatever the names hold (a control character takes
    /// six bytes in JSON).
    static func pieces(of entries: [ListingEntry]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = 0
        var nameBytes = 0
        entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                nameBytes += entries[index].name.utf8.count + (entries[index].target?.utf8.count ?? 0)
                if index + 1 - start == 4096 || nameBytes >= 256 * 1024 {
                    pieces.append(start..<index + 1)
                    start = index + 1
                    nameBytes = 0
                }
            }
        }
        if start < entries.count { pieces.append(start..<entries.count) }
        return pieces
    }
}

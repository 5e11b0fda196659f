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
/// or the text kept reaches `textBudget`, the text is dropped, and all the entries are sorted
/// and written at the end, a few pieces of text in memory at a time.
///
/// Runs are handed in on one thread, in order; `finish` comes on the same thread, after the last.
final class ListingPrinter: @unchecked Sendable {
    // @unchecked: the text-making threads touch only `made` (locked); the rest belongs to the
    // thread that hands the runs in.

    /// Why the text is no longer made as the entries come.
    enum Stop: Equatable {
        /// An entry came before the one handed in before it.
        case outOfOrder
        /// The text kept would pass `textBudget`.
        case tooMuchText
        /// A piece of the text was not made, for no reason known (never seen).
        case pieceMissing
    }

    /// The text made so far, and whether making it has stopped (the text then dropped).
    private struct Made {
        var texts: [Int: StandardOutput] = [:]
        var byteCount = 0
        var stop: Stop?
    }

    /// The most bytes of text kept while the entries come: a listing at the limits (a million
    /// lines, names full of bytes that JSON escapes) must not keep its text whole.
    static let textBudget = 64 << 20

    private let style: ListingStyle
    private let textBudget: Int
    /// The runs handed in, in order; the sorted entries once written.
    private var runs: [[ListingEntry]] = []
    /// How many pieces of text were started: each run is made in pieces of at most 4096 entries.
    private var piecesStarted = 0
    private let made = Locked(Made())
    private let making = DispatchGroup()

    init(style: ListingStyle, textBudget: Int = ListingPrinter.textBudget) {
        self.style = style
        self.textBudget = textBudget
    }

    /// Why the text was not made as the entries came; nil when it was. Known once `finish` has
    /// written them.
    var stop: Stop? { made.withLock { $0.stop } }

    /// Takes the next entries of the listing; while they are in order, their text is made on
    /// another processor.
    func add(_ run: [ListingEntry]) {
        guard !run.isEmpty else { return }
        let previous = runs.last?.last
        runs.append(run)
        if let previous, let first = run.first, first.name < previous.name { stopMaking(.outOfOrder) }
        guard stop == nil else { return }
        for piece in Self.pieces(of: run) {
            let number = piecesStarted
            piecesStarted += 1
            DispatchQueue.global(qos: .userInitiated).async(group: making) { [self] in
                makeText(of: run, piece, number: number)
            }
        }
    }

    /// Writes the listing to `output`: the text made, or, when it was not made whole, the
    /// sorted entries.
    func finish(to output: inout StandardOutput) {
        making.wait()
        guard !runs.isEmpty else { return output.write(ascii: style.empty) }
        output.write(ascii: style.opening)
        let texts = made.withLock { made in made.stop == nil ? made.texts : nil }
        if let texts, texts.count == piecesStarted {
            for number in 0..<piecesStarted {
                if let text = texts[number] { output.write(contentsOf: text) }
            }
        } else {
            if texts != nil { stopMaking(.pieceMissing) }
            writeSorted(to: &output)
        }
        output.write(ascii: style.closing)
    }

    /// Makes the text of `run[piece]` and keeps it, unless its entries are out of order or it
    /// would pass the budget.
    private func makeText(of run: [ListingEntry], _ piece: Range<Int>, number: Int) {
        guard stop == nil else { return }
        var text = StandardOutput(keepingUpTo: 1024 * 1024)
        let inOrder = run.withUnsafeBufferPointer { entries in
            guard !piece.contains(where: { $0 > 0 && entries[$0].name < entries[$0 - 1].name }) else { return false }
            Self.write(entries, piece, startingTheListing: number == 0, style: style, to: &text)
            return true
        }
        guard inOrder else { return stopMaking(.outOfOrder) }
        made.withLock { made in
            guard made.stop == nil else { return }
            guard made.byteCount + text.keptByteCount <= textBudget else {
                made = Made(stop: .tooMuchText)
                return
            }
            made.texts[number] = text
            made.byteCount += text.keptByteCount
        }
    }

    /// Stops making text, and drops what was made.
    private func stopMaking(_ stop: Stop) {
        made.withLock { made in
            if made.stop == nil { made = Made(stop: stop) }
        }
    }

    /// Sorts the entries by name and writes them, their text made on every processor a few
    /// pieces at a time.
    private func writeSorted(to output: inout StandardOutput) {
        var joined = ListingEntry.joined(&runs)
        // In place: a sorted copy would copy every entry of a long listing once more.
        joined.sort { $0.name < $1.name }
        let entries = joined
        let style = style
        output.write(runs: Self.pieces(of: entries)) { piece, output in
            entries.withUnsafeBufferPointer { Self.write($0, piece, startingTheListing: piece.lowerBound == 0, style: style, to: &output) }
        }
        // Kept: the process ends with the entries in memory, as freeing them one by one takes time.
        runs = [entries]
    }

    /// Writes `entries[piece]` in `style`, each after a separator but the first of the listing
    /// (the piece's first, when it is `startingTheListing`).
    private static func write(
        _ entries: UnsafeBufferPointer<ListingEntry>, _ piece: Range<Int>, startingTheListing: Bool, style: ListingStyle,
        to output: inout StandardOutput
    ) {
        guard let first = entries.baseAddress else { return }
        for index in piece {
            if !startingTheListing || index > piece.lowerBound { output.write(ascii: style.separator) }
            style.writeEntry(first + index, &output)
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

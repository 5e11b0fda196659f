@testable import ferry
import FTPWire
import Testing

/// `ls` prints a listing sorted by name whichever way its runs of entries come: in order (the
/// text made as they come), out of order between runs, within a run or where a run's pieces
/// meet, with equal names, or with more text than it keeps.
@Suite("ls printing runs of entries")
struct ListingPrinterTests {
    /// What the printer writes for `runs`, and why it did not make the text as they came.
    static func printed(_ runs: [[String]], style: ListingStyle, textBudget: Int = ListingPrinter.textBudget) -> (text: String, stop: ListingPrinter.Stop?) {
        let printer = ListingPrinter(style: style, textBudget: textBudget)
        for run in runs { printer.add(run.map { ListingEntry(name: $0, kind: .file, size: 7) }) }
        var output = StandardOutput(keepingUpTo: 1 << 20)
        printer.finish(to: &output)
        return (String(decoding: output.keptBytes, as: UTF8.self), printer.stop)
    }

    static func json(_ names: [String]) -> String {
        guard !names.isEmpty else { return "[]\n" }
        let objects = names.map {
            "  {\"name\": \"\($0)\", \"type\": \"file\", \"size\": 7, \"modified\": null, \"target\": null, \"permissions\": null}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    static func lines(_ names: [String]) -> String { names.map { $0 + "\n" }.joined() }

    static func expectSorted(_ runs: [[String]], stop: ListingPrinter.Stop?, textBudget: Int = ListingPrinter.textBudget) {
        let sorted = runs.flatMap { $0 }.sorted()
        let asJSON = printed(runs, style: .json, textBudget: textBudget)
        #expect(asJSON.text == json(sorted))
        #expect(asJSON.stop == stop)
        let asNames = printed(runs, style: .names, textBudget: textBudget)
        #expect(asNames.text == lines(sorted))
        #expect(asNames.stop == stop)
    }

    /// Zero-padded names, in order.
    static func names(_ range: Range<Int>) -> [String] {
        range.map { "f" + String(repeating: "0", count: 6 - String($0).count) + String($0) }
    }

    @Test func runsInOrderAreWrittenAsMade() {
        Self.expectSorted([Self.names(0..<5000), Self.names(5000..<5001), Self.names(5001..<9000)], stop: nil)
    }

    @Test func aRunBeforeTheOneBeforeItIsSortedIn() {
        Self.expectSorted([["a", "c"], ["b"]], stop: .outOfOrder)
    }

    @Test func anEntryOutOfOrderInARunIsSortedIn() {
        Self.expectSorted([["a", "d"], ["e", "c", "f"]], stop: .outOfOrder)
    }

    /// The first entry of a run's second piece (pieces of 4096) before the last of its first.
    @Test func anEntryOutOfOrderWhereTwoPiecesMeetIsSortedIn() {
        var run = Self.names(0..<5000)
        run.swapAt(4095, 4096)
        Self.expectSorted([run], stop: .outOfOrder)
    }

    @Test func equalNamesAcrossRunsAreInOrder() {
        Self.expectSorted([["a", "b"], ["b", "c"], ["c"]], stop: nil)
    }

    @Test func textPastTheBudgetIsDroppedAndTheEntriesSorted() {
        Self.expectSorted([Self.names(0..<5000), Self.names(5000..<9000)], stop: .tooMuchText, textBudget: 1000)
    }

    /// Names that need escapes or are made visible, written as they come and, the runs handed in
    /// backwards, after sorting: the same bytes in every style.
    @Test func hostileNamesAreWrittenAlikeEitherWay() {
        let names = [
            "esc\u{1B}[31mred", "tab\there", "quote\"d", "back\\slash", "del\u{7F}", "c1\u{85}next", "bidi\u{202E}txt.exe",
            "sep\u{2028}line", "Übersicht", "ship 🚢",
        ].sorted()
        let inOrder = names.map { [$0] }
        for style in [ListingStyle.names, .long, .json] {
            let asSent = Self.printed(inOrder, style: style)
            let sorted = Self.printed(inOrder.reversed(), style: style)
            #expect(asSent.stop == nil && sorted.stop == .outOfOrder)
            #expect(asSent.text == sorted.text)
            #expect(!asSent.text.contains("\u{1B}") && !asSent.text.contains("\u{85}"))
        }
    }

    @Test func anEmptyListing() {
        #expect(Self.printed([], style: .json).text == "[]\n")
        #expect(Self.printed([], style: .names).text == "")
        #expect(Self.printed([[]], style: .long).text == "")
    }
}

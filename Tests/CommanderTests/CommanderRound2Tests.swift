import Commander
import Foundation
import FTPWire
import ScreenKit
import Testing

/// Copies onto names that exist, F6 typed as a name or a path, and the queue steered by keys.
@Suite("Commander: conflicts, moves and the queue")
struct CommanderRound2Tests {
    static let now = CommanderTests.now
    static let remote = CommanderTests.remote
    static let readme = CommanderTests.sampleEntries()[2]
    static let bigISO = CommanderTests.sampleEntries()[3]

    /// The usual two panes, the local one holding a shorter README.txt and a big.iso as large.
    static func stateWithCopiesThere() -> AppState {
        var state = CommanderTests.listedState()
        _ = update(&state, .listed(pane: 0, location: .local("/home/anna"), focus: nil, result: .success([
            ListingEntry(name: "README.txt", kind: .file, size: 1000, modified: now.addingTimeInterval(-86_400)),
            ListingEntry(name: "big.iso", kind: .file, size: 5_368_709_120, modified: now.addingTimeInterval(-60)),
        ]), at: now))
        return state
    }

    /// Moves the cursor of the remote pane to README.txt (docs, images, README.txt).
    static func onReadme(_ state: inout AppState) {
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
    }

    @Test func copyingOntoANameThatExistsAsksWithBothSizesAndDates() {
        var state = Self.stateWithCopiesThere()
        Self.onReadme(&state)
        _ = update(&state, .key(.function(5)))
        #expect(update(&state, .key(.enter)).isEmpty)
        #expect(state.dialog?.kind == .conflict)
        #expect(state.transfers.isEmpty)
        let screen = render(state, theme: .mono).dump()
        #expect(screen.contains("\"README.txt\" already exists in /home/anna"))
        #expect(screen.contains("1234 bytes, Nov 25 10:00"))
        #expect(screen.contains("1000 bytes, Nov 24 12:00"))
        #expect(screen.contains("c  continue"))
        expectSnapshot(render(state, theme: .mono), named: "conflict-dialog")

        // A shorter file can be continued: the answer goes with the request.
        let effects = update(&state, .key(.character("c")))
        let request = TransferRequest(source: Self.remote, entry: Self.readme, destination: .local("/home/anna"), onConflict: .resume)
        #expect(effects == [.startTransfer(id: 1, request: request)])
        #expect(state.dialog == nil)
    }

    @Test func aSkippedCopySaysSo() {
        var state = Self.stateWithCopiesThere()
        Self.onReadme(&state)
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        _ = update(&state, .key(.character("s")))
        _ = update(&state, .transferStarted(id: 1))
        _ = update(&state, .transferFinished(id: 1, error: nil, skipped: 1))
        #expect(state.transfers[0].completedBytes == 0)
        #expect(render(state, theme: .mono).dump().contains("README.txt              skipped: it exists"))
    }

    @Test func escapeCancelsTheWholeCopyAndQueuesNothing() {
        var state = Self.stateWithCopiesThere()
        Self.onReadme(&state)
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        #expect(update(&state, .key(.escape)).isEmpty)
        #expect(state.dialog == nil)
        #expect(state.transfers.isEmpty)
    }

    @Test func continuingIsNotOfferedForAFileAsLarge() {
        var state = Self.stateWithCopiesThere()
        for _ in 0..<4 { _ = update(&state, .key(.down)) }
        #expect(state.activePane.current?.name == "big.iso")
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        #expect(!render(state, theme: .mono).dump().contains("c  continue"))
        #expect(update(&state, .key(.character("c"))).isEmpty)
        #expect(state.dialog?.kind == .conflict)
        let effects = update(&state, .key(.character("n")))
        #expect(effects == [.startTransfer(id: 1, request: TransferRequest(
            source: Self.remote, entry: Self.bigISO, destination: .local("/home/anna"), onConflict: .newer))])
    }

    @Test func anUpperCaseLetterAnswersForTheRestOfTheCopy() {
        var state = Self.stateWithCopiesThere()
        _ = update(&state, .key(.character("*")))
        #expect(state.activePane.marked == ["README.txt", "big.iso", "latest"])
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        #expect(render(state, theme: .mono).dump().contains("1 more after this one"))
        let effects = update(&state, .key(.character("S")))
        #expect(state.dialog == nil)
        let local = Location.local("/home/anna")
        // The entries without a conflict go as they are, then the two answered for.
        #expect(effects.count == 3)
        #expect(effects.contains(.startTransfer(id: 2, request: TransferRequest(source: Self.remote, entry: Self.readme, destination: local, onConflict: .skip))))
        #expect(effects.contains(.startTransfer(id: 3, request: TransferRequest(source: Self.remote, entry: Self.bigISO, destination: local, onConflict: .skip))))
    }

    @Test func f6ClearedWithControlUAndANameRenamesInPlace() {
        var state = CommanderTests.listedState()
        Self.onReadme(&state)
        _ = update(&state, .key(.function(6)))
        #expect(state.dialog?.kind == .input(text: "/home/anna/README.txt", secret: false))
        _ = update(&state, .key(.control("u")))
        #expect(state.dialog?.kind == .input(text: "", secret: false))
        for character in "READ.ME" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.rename(pane: 1, location: Self.remote, entry: Self.readme, to: "READ.ME")])
    }

    /// Several marked entries go into a folder of the same side named with a trailing `/`;
    /// without it, F6 says how.
    @Test func f6OfSeveralEntriesMovesThemIntoAFolderOnTheSameSide() {
        var state = CommanderTests.listedState()
        Self.onReadme(&state)
        _ = update(&state, .key(.character(" ")))
        _ = update(&state, .key(.character(" ")))
        _ = update(&state, .key(.function(6)))
        _ = update(&state, .key(.control("u")))
        for character in "docs" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)).isEmpty)
        #expect(state.message?.contains("end its name or path with /") == true)
        _ = update(&state, .key(.function(6)))
        _ = update(&state, .key(.control("u")))
        for character in "docs/" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.moveInto(pane: 1, location: Self.remote, entries: [Self.readme, Self.bigISO], folder: "docs/")])
        // The marks stay until the pane is listed again, which drops those of the entries gone.
        #expect(state.activePane.marked.count == 2)
        state.panes[1].marked = []
        // One entry (the one under the cursor, no marks left) and a folder named so go the same way.
        _ = update(&state, .key(.function(6)))
        _ = update(&state, .key(.control("u")))
        for character in "docs/" { _ = update(&state, .key(.character(character))) }
        let single = update(&state, .key(.enter))
        guard case .moveInto(1, Self.remote, let entries, "docs/")? = single.first, single.count == 1 else {
            Issue.record("\(single)")
            return
        }
        #expect(entries.count == 1)
    }

    /// With the other pane on a server's root, an absolute path deeper than `/` names a folder
    /// of this side (a local one), not a move to the server.
    @Test func f6ToAnAbsolutePathStaysOnThisSideWhenTheOtherPaneIsAtTheRoot() {
        let root = Location.remote(site: "ftp://anna@example.org", path: "/")
        var state = AppState(left: .local("/home/anna"), right: root, width: 80, height: 24, now: CommanderTests.now)
        _ = update(&state, .listed(pane: 0, location: .local("/home/anna"), focus: nil, result: .success([
            ListingEntry(name: "a.txt", kind: .file, size: 1), ListingEntry(name: "b.txt", kind: .file, size: 1),
        ]), at: CommanderTests.now))
        _ = update(&state, .listed(pane: 1, location: root, focus: nil, result: .success([]), at: CommanderTests.now))
        state.active = 0
        // Past the parent row: a.txt and b.txt, each marked with Space.
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.character(" ")))
        _ = update(&state, .key(.character(" ")))
        _ = update(&state, .key(.function(6)))
        _ = update(&state, .key(.control("u")))
        for character in "/home/anna/old/" { _ = update(&state, .key(.character(character))) }
        let effects = update(&state, .key(.enter))
        #expect(effects.count == 1)
        guard case .moveInto(0, .local("/home/anna"), let entries, "/home/anna/old/")? = effects.first else {
            Issue.record("\(effects)")
            return
        }
        #expect(entries.map(\.name) == ["a.txt", "b.txt"])
    }

    @Test func f6IntoTheOtherSideMovesAndAsksAboutANameThere() {
        var state = Self.stateWithCopiesThere()
        Self.onReadme(&state)
        _ = update(&state, .key(.function(6)))
        _ = update(&state, .key(.enter))
        #expect(state.dialog?.kind == .conflict)
        let effects = update(&state, .key(.character("o")))
        let request = TransferRequest(source: Self.remote, entry: Self.readme, destination: .local("/home/anna"), movesSource: true, onConflict: .overwrite)
        #expect(effects == [.startTransfer(id: 1, request: request)])
    }

    /// Two downloads running: README.txt half done, big.iso a little.
    static func twoRunning() -> AppState {
        var state = CommanderTests.listedState(width: 100, height: 24)
        _ = update(&state, .key(.character("*")))
        state.panes[1].marked = ["README.txt", "big.iso"]
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        _ = update(&state, .transferStarted(id: 1))
        _ = update(&state, .transferStarted(id: 2))
        _ = update(&state, .transferProgress(id: 1, currentName: "README.txt", completed: 617, total: 1234, bytesPerSecond: 300))
        _ = update(&state, .transferProgress(id: 2, currentName: "big.iso", completed: 1 << 30, total: 5_368_709_120, bytesPerSecond: 1_048_576))
        return state
    }

    @Test func theQueueShowsATotalAndTakesTheFocus() {
        var state = Self.twoRunning()
        let screen = render(state, theme: .mono).dump()
        #expect(screen.contains("Transfers: 2 running, 0 queued   Total 1.0G/5.0G"))
        #expect(screen.contains("1.0M/s  ETA 68:14   Q steer"))
        _ = update(&state, .key(.character("Q")))
        #expect(state.queueFocused)
        _ = update(&state, .key(.down))
        #expect(update(&state, .key(.character("p"))) == [.pauseTransfer(id: 2, paused: true)])
        #expect(state.transfers[1].paused)
        expectSnapshot(render(state, theme: .mono), named: "queue-steered")
        #expect(render(state, theme: .mono).dump().contains("paused  1.0G/5.0G"))
        #expect(update(&state, .key(.character("p"))) == [.pauseTransfer(id: 2, paused: false)])
        // The panes' keys do not reach the panes while the queue has the focus.
        #expect(update(&state, .key(.function(5))).isEmpty)
        #expect(state.dialog == nil)
        _ = update(&state, .key(.escape))
        #expect(!state.queueFocused)
    }

    @Test func cancelRetryAndRemoveActOnTheSelectedTransfer() {
        var state = Self.twoRunning()
        _ = update(&state, .key(.character("Q")))
        #expect(update(&state, .key(.character("x"))) == [.cancelTransfer(id: 1)])
        // The cancelled one is listed after the running one now.
        _ = update(&state, .key(.down))
        // Until its run has stopped, it is not run again beside it.
        #expect(update(&state, .key(.character("R"))).isEmpty)
        #expect(state.message?.contains("still stopping") == true)
        _ = update(&state, .transferFinished(id: 1, error: nil))
        #expect(state.transfers[0].state == .cancelled)
        // Run again under a new id: what the old run still says is not taken for the new one's.
        #expect(update(&state, .key(.character("R"))) == [.startTransfer(id: 3, request: state.transfers[0].request)])
        #expect(state.transfers[0].state == .queued)
        _ = update(&state, .transferFinished(id: 1, error: "late news of the cancelled run"))
        #expect(state.transfers[0].state == .queued)
        _ = update(&state, .transferStarted(id: 3))
        _ = update(&state, .transferFinished(id: 3, error: nil, verified: true))
        _ = update(&state, .key(.up))
        #expect(update(&state, .key(.delete)).isEmpty)
        #expect(state.message?.contains("Cancel it first") == true)
        _ = update(&state, .key(.down))
        #expect(render(state, theme: .mono).dump().contains("done  1.2K  ✓ verified"))
        _ = update(&state, .key(.delete))
        #expect(state.transfers.map(\.id) == [2])
    }

    @Test func theHelpListsTheQueueAndConflictKeys() {
        var state = CommanderTests.listedState()
        _ = update(&state, .key(.function(1)))
        let help = state.dialog?.message ?? ""
        #expect(help.contains("Q                   steer the transfer queue"))
        #expect(help.contains("Transfer queue (Q):"))
        #expect(help.contains("  p                   pause or resume it"))
        #expect(help.contains("  S                   skip all"))
        #expect(help.contains("  Ctrl-U              erase the whole line"))
    }
}

extension CommanderRound2Tests {
    @Test func theSelectionStaysOnItsTransferWhileTheListMoves() {
        var state = Self.twoRunning()
        _ = update(&state, .key(.character("Q")))
        _ = update(&state, .key(.down))
        // README.txt ends and moves below big.iso: the selection follows big.iso to the top.
        _ = update(&state, .transferFinished(id: 1, error: nil))
        #expect(state.queueCursor == 0)
        #expect(update(&state, .key(.character("p"))) == [.pauseTransfer(id: 2, paused: true)])
        _ = update(&state, .transferFinished(id: 2, error: nil))
        #expect(render(state, theme: .mono).dump().contains("Transfers: 0 running, 0 queued   p pause"))
    }
}

import Commander
import Foundation
import FTPWire
import ScreenKit
import Testing

/// What a server lists, however hostile, neither traps the commander nor leads it outside.
@Suite("Commander and hostile listings")
struct HostileInputTests {
    static func state(with entries: [ListingEntry]) -> AppState {
        var state = CommanderTests.listedState(width: 100, height: 30)
        _ = update(&state, .listed(pane: 1, location: CommanderTests.remote, focus: nil, result: .success(entries), at: CommanderTests.now))
        return state
    }

    @Test func markedSizesNear2To64AddUpWithoutTrapping() {
        var state = Self.state(with: [
            ListingEntry(name: "a", kind: .file, size: UInt64.max - 1),
            ListingEntry(name: "b", kind: .file, size: UInt64.max - 1),
            ListingEntry(name: "c", kind: .file, size: 1 << 63),
        ])
        _ = update(&state, .key(.character("*")))
        #expect(state.activePane.marked.count == 3)
        #expect(render(state, theme: .mono).dump().contains("3 marked, 16E"))
    }

    @Test func endlessRatesAreDrawn() {
        var state = Self.state(with: [ListingEntry(name: "a", kind: .file, size: 10)])
        _ = update(&state, .key(.character("c")))
        for rate in [Double.infinity, .nan, -1, 1e300] {
            if let id = state.transfers.first?.id {
                _ = update(&state, .transferProgress(id: id, currentName: nil, completed: 5, total: 10, bytesPerSecond: rate))
            }
            _ = render(state, theme: .mono)
        }
    }

    @Test(arguments: ["../", "..", "x/../..", "a/b", "a\u{0}b"])
    func foldersWithNamesThatLeadOutsideAreNotOpened(_ name: String) {
        var state = Self.state(with: [ListingEntry(name: name, kind: .directory)])
        if name.hasPrefix(".") { _ = update(&state, .key(.character("."))) }
        for _ in 0..<3 where state.activePane.current?.name != name { _ = update(&state, .key(.down)) }
        #expect(state.activePane.current?.name == name)
        #expect(update(&state, .key(.enter)) == [])
        #expect(state.message?.contains("not a plain file name") == true)
    }

    /// The fuzz target's exercise (any bytes shown as a listing, keys pressed, the screen drawn)
    /// on listings a hostile server could send, on screens from tiny to wide.
    @Test(arguments: [
        "", "\u{1B}[2J\r\n", String(repeating: "-rw-r--r-- 1 u g 18446744073709551615 Jan 1 2024 big\r\n", count: 40),
        "drwxr-xr-x 1 u g 0 Jan 1 2024 ../\r\n-rw-r--r-- 1 u g 1 Jan 1 2024 ..\\..\\x\r\n",
        "type=dir; \u{202E}evil\r\ntype=file;size=1; \t\r\n+/,\t\r\n", "\u{0}\u{1}\u{2}\u{FF}*+/F8\r\n",
    ])
    func theFuzzExerciseTakesHostileListings(_ listing: String) {
        for size in [[UInt8(0), 0], [255, 255], [70, 21]] {
            #expect(CommanderExercise.run(size + Array(listing.utf8)) > 0)
        }
    }

    /// The listing and what is known of its completeness arrive together: no key pressed between
    /// the two can take an incomplete listing for a whole one.
    @Test func anIncompleteListingIsKnownSoFromTheMomentItIsShown() {
        var state = CommanderTests.listedState(width: 100, height: 30)
        _ = update(&state, .listed(
            pane: 1, location: CommanderTests.remote, focus: nil, result: .success([ListingEntry(name: "a", kind: .file)]),
            at: CommanderTests.now, incomplete: "1 line unreadable\u{1B}[2J"))
        #expect(state.panes[1].isIncomplete)
        #expect(state.message?.hasPrefix("1 line unreadable") == true)
        #expect(state.message?.contains("\u{1B}") == false)
        _ = update(&state, .listed(pane: 1, location: CommanderTests.remote, focus: nil, result: .success([]), at: CommanderTests.now))
        #expect(!state.panes[1].isIncomplete)
    }

    /// A mark on a row that is no longer shown (dot files hidden) is dropped: the status line
    /// counts only what a copy or a delete would act on.
    @Test func hidingDotFilesDropsTheirMarks() {
        var state = Self.state(with: [ListingEntry(name: ".env", kind: .file), ListingEntry(name: "a", kind: .file)])
        _ = update(&state, .key(.character(".")))
        let row = state.activePane.rows.firstIndex { $0.name == ".env" } ?? 0
        while state.activePane.cursor < row { _ = update(&state, .key(.down)) }
        _ = update(&state, .key(.insert))
        #expect(state.activePane.marked == [RemotePath(".env")])
        #expect(state.activePane.selection.map(\.name) == [".env"])
        _ = update(&state, .key(.character(".")))
        #expect(state.activePane.marked.isEmpty)
        #expect(!render(state, theme: .mono).dump().contains("marked"))
        #expect(state.activePane.selection.map(\.name) != [".env"])
    }
}

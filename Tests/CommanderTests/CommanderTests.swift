import Commander
import Foundation
import FTPWire
import ScreenKit
import Testing

/// The commander driven with events and read as text, with no terminal.
@Suite("Commander")
struct CommanderTests {
    /// 2026-11-25 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_608_000)
    static let remote = Location.remote(site: "ftp://anna@example.org", path: "/pub")

    static func sampleEntries() -> [ListingEntry] {
        [
            ListingEntry(name: "docs", kind: .directory, modified: now.addingTimeInterval(-3600)),
            ListingEntry(name: "images", kind: .directory, modified: now.addingTimeInterval(-86_400 * 400)),
            ListingEntry(name: "README.txt", kind: .file, size: 1234, modified: now.addingTimeInterval(-7200)),
            ListingEntry(name: "big.iso", kind: .file, size: 5_368_709_120, modified: now.addingTimeInterval(-86_400 * 30)),
            ListingEntry(name: "latest", kind: .link, modified: now, target: "big.iso"),
            ListingEntry(name: ".hidden", kind: .file, size: 1, modified: now),
        ]
    }

    /// A commander whose left pane is local and right pane remote, both listed.
    static func listedState(width: Int = 80, height: Int = 24) -> AppState {
        var state = AppState(left: .local("/home/anna"), right: remote, width: width, height: height, now: now, timeZone: TimeZone(identifier: "UTC") ?? .current)
        _ = update(&state, .listed(pane: 0, location: .local("/home/anna"), focus: nil, result: .success([
            ListingEntry(name: "notes.md", kind: .file, size: 42, modified: now.addingTimeInterval(-60)),
            ListingEntry(name: "photos", kind: .directory, modified: now.addingTimeInterval(-86_400)),
        ]), at: now))
        _ = update(&state, .listed(pane: 1, location: remote, focus: nil, result: .success(sampleEntries()), at: now))
        state.active = 1
        return state
    }

    @Test func startupAt80x24() {
        expectSnapshot(render(Self.listedState(), theme: .mono), named: "startup-80x24")
    }

    @Test func startupAt120x40() {
        expectSnapshot(render(Self.listedState(width: 120, height: 40), theme: .standard), named: "startup-120x40")
    }

    @Test func theActivePaneIsObviousWithoutColour() {
        let screen = render(Self.listedState(), theme: .mono)
        let top = screen.dump().split(separator: "\n")[0]
        #expect(top.contains("[ ftp://anna@example.org/pub ]"))
        #expect(!top.contains("[ /home/anna ]"))
        // The cursor bar is drawn in reverse only in the active pane.
        let cursorRow = 2
        #expect(screen[45, cursorRow].style.reverse)
        #expect(!(0..<40).contains { screen[$0, cursorRow].style.reverse })
    }

    @Test func navigationKeepsTheCursorOnScreen() {
        var state = Self.listedState()
        let many = (0..<1000).map { ListingEntry(name: String(format: "file%04d", $0), kind: .file, size: UInt64($0)) }
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: nil, result: .success(many), at: Self.now))
        for _ in 0..<3 { _ = update(&state, .key(.pageDown)) }
        let rows = Layout(state).listRows
        #expect(state.activePane.cursor == 3 * (rows - 1))
        #expect(state.activePane.top <= state.activePane.cursor && state.activePane.cursor < state.activePane.top + rows)
        _ = update(&state, .key(.end))
        #expect(state.activePane.cursor == 1000)
        #expect(state.activePane.top == 1001 - rows)
        _ = update(&state, .key(.home))
        #expect(state.activePane.top == 0)
        expectSnapshot(render(state, theme: .mono), named: "thousand-entries-home")
    }

    @Test func enterOpensFoldersAndBackspaceGoesUp() {
        var state = Self.listedState()
        _ = update(&state, .key(.down))
        #expect(state.activePane.current?.name == "docs")
        #expect(update(&state, .key(.enter)) == [.list(pane: 1, location: .remote(site: "ftp://anna@example.org", path: "/pub/docs"), focus: nil)])
        _ = update(&state, .listed(pane: 1, location: .remote(site: "ftp://anna@example.org", path: "/pub/docs"), focus: nil, result: .success([]), at: Self.now))
        #expect(update(&state, .key(.backspace)) == [.list(pane: 1, location: Self.remote, focus: "docs")])
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: "docs", result: .success(Self.sampleEntries()), at: Self.now))
        #expect(state.activePane.current?.name == "docs")
    }

    @Test func copyAsksThenQueuesTransfers() {
        var state = Self.listedState()
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
        #expect(state.activePane.current?.name == "README.txt")
        #expect(update(&state, .key(.function(5))).isEmpty)
        #expect(state.dialog?.title == "Copy")
        expectSnapshot(render(state, theme: .mono), named: "copy-dialog")
        let effects = update(&state, .key(.enter))
        let request = TransferRequest(source: Self.remote, entry: Self.sampleEntries()[2], destination: .local("/home/anna"))
        #expect(effects == [.startTransfer(id: 1, request: request)])
        #expect(state.dialog == nil)
        _ = update(&state, .transferStarted(id: 1))
        _ = update(&state, .transferProgress(id: 1, currentName: "README.txt", completed: 617, total: 1234, bytesPerSecond: 300))
        expectSnapshot(render(state, theme: .mono), named: "transfer-running")
        _ = update(&state, .transferFinished(id: 1, error: nil))
        #expect(state.transfers[0].state == .done)
    }

    @Test func escapeThenDigitIsAnFKey() {
        var state = Self.listedState()
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.character("1")))
        #expect(state.dialog?.kind == .help)
        _ = update(&state, .key(.escape))
        #expect(state.dialog == nil)
        _ = update(&state, .key(.escape))
        #expect(update(&state, .key(.character("0"))) == [.quit])
        #expect(!state.isRunning)
    }

    @Test func letterAlternativesForFKeys() {
        var state = Self.listedState()
        _ = update(&state, .key(.character("n")))
        #expect(state.dialog?.title == "Make folder")
        for character in "new" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.makeDirectory(pane: 1, location: Self.remote, name: "new")])
    }

    @Test func quittingWhileTransfersRunAsksFirst() {
        var state = Self.listedState()
        _ = update(&state, .key(.end))
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        #expect(update(&state, .key(.character("q"))).isEmpty)
        #expect(state.dialog?.title == "Quit")
        #expect(update(&state, .key(.enter)) == [.cancelTransfer(id: 1), .quit])
    }

    @Test func marksSortingHiddenFilesAndQuickSearch() {
        var state = Self.listedState(width: 120, height: 40)
        _ = update(&state, .key(.character("+")))
        for _ in 0..<1 { _ = update(&state, .key(.backspace)) }
        for character in "*.iso" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.enter))
        #expect(state.activePane.marked == ["big.iso"])
        _ = update(&state, .key(.character(".")))
        #expect(state.activePane.rows.contains { $0.name == ".hidden" })
        _ = update(&state, .key(.character("s")))
        _ = update(&state, .key(.character("s")))
        #expect(state.activePane.sort == .time)
        _ = update(&state, .key(.character("/")))
        for character in "rea" { _ = update(&state, .key(.character(character))) }
        #expect(state.activePane.current?.name == "README.txt")
        expectSnapshot(render(state, theme: .mono), named: "marks-and-search-120x40")
    }

    @Test func hostileNamesAreDrawnInert() {
        var state = Self.listedState(width: 120, height: 24)
        let hostile = [
            ListingEntry(name: "evil\u{1B}]0;pwned\u{07}.txt", kind: .file, size: 1),
            ListingEntry(name: "clear\u{1B}[2J", kind: .file, size: 2),
            ListingEntry(name: "rtl\u{202E}gpj.exe", kind: .file, size: 3),
            ListingEntry(name: "日本語のファイル名.txt", kind: .file, size: 4),
        ]
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: nil, result: .success(hostile), at: Self.now))
        let screen = render(state, theme: .mono)
        #expect(!screen.cells.contains { $0.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E } })
        let text = screen.dump()
        #expect(text.contains("evil\\x1b]0;pwned\\x07.txt"))
        #expect(text.contains("rtl\\u{202e}gpj.exe"))
        expectSnapshot(screen, named: "hostile-and-wide-names")
    }

    @Test func resizeKeepsBothPanes() {
        var state = Self.listedState(width: 100, height: 30)
        _ = update(&state, .resize(width: 80, height: 24))
        let lines = render(state, theme: .mono).dump().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 24)
        #expect(lines[0].contains("/home/anna") && lines[0].contains("example.org"))
    }

    @Test func failedListingsSayWhy() {
        var state = Self.listedState()
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: nil, result: .failure(ListingFailure("550 No such directory")), at: Self.now))
        #expect(render(state, theme: .mono).dump().contains("550 No such directory"))
    }

    @Test func viewerShowsTextAndHex() {
        var state = Self.listedState()
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
        let effects = update(&state, .key(.function(3)))
        let readme = Self.sampleEntries()[2]
        #expect(effects == [.viewRange(pane: 1, location: Self.remote, entry: readme, offset: 0, length: Viewer.rangeLength)])
        let text = (1...100).map { "line \($0)\twith a tab and an \u{1B}[31mescape" }.joined(separator: "\n")
        _ = update(&state, .viewRangeLoaded(location: Self.remote, entry: readme, offset: 0, result: .success(Array(text.utf8))))
        #expect(state.viewer?.isHex == false)
        _ = update(&state, .key(.pageDown))
        expectSnapshot(render(state, theme: .mono), named: "viewer-text")
        _ = update(&state, .key(.character("q")))
        #expect(state.viewer == nil)
        let blob = ListingEntry(name: "blob", kind: .file, size: 64)
        state.viewer = Viewer(title: "blob", pane: 1, location: Self.remote, entry: blob)
        _ = update(&state, .viewRangeLoaded(location: Self.remote, entry: blob, offset: 0, result: .success((0..<64).map { UInt8($0 * 4) })))
        #expect(state.viewer?.isHex == true)
        #expect(state.viewer?.lines.first == "00000000  00 04 08 0c 10 14 18 1c 20 24 28 2c 30 34 38 3c  |........ $(,048<|")
        expectSnapshot(render(state, theme: .mono), named: "viewer-hex")
    }

    @Test func pathsOfEntriesHaveOneSlashBetweenFolderAndName() {
        let file = ListingEntry(name: "file.txt", kind: .file, size: 1)
        #expect(Location.remote(site: "ftp://h", path: "/").appending(file).description == "ftp://h/file.txt")
        #expect(Location.remote(site: "ftp://h", path: "/pub/").appending(file).description == "ftp://h/pub/file.txt")
        #expect(Self.remote.appending(file).description == "ftp://anna@example.org/pub/file.txt")
        #expect(Location.local("/").appending(file).description == "/file.txt")
        #expect(Location.local("/tmp").appending(file).description == "/tmp/file.txt")
    }

    @Test func reverseSortKeepsDirectoriesFirst() {
        var state = Self.listedState()
        _ = update(&state, .key(.character("r")))
        let names = state.activePane.rows.map(\.name)
        #expect(names == ["..", "images", "docs", "latest", "big.iso", "README.txt"])
    }

    @Test func namesSortByTheirBytesAndLookAlikesStayTwo() {
        var state = Self.listedState()
        let composed = RemotePath(bytes: [0xC3, 0xA9])
        let decomposed = RemotePath(bytes: [0x65, 0xCC, 0x81])
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: nil, result: .success([
            ListingEntry(remoteName: composed, kind: .file, size: 1),
            ListingEntry(name: "f", kind: .file, size: 2),
            ListingEntry(remoteName: decomposed, kind: .file, size: 3),
            ListingEntry(name: "ea", kind: .file, size: 4),
            ListingEntry(name: "e", kind: .file, size: 5),
        ]), at: Self.now))
        #expect(state.activePane.rows.map(\.remoteName) == [RemotePath(".."), RemotePath("e"), RemotePath("ea"), decomposed, RemotePath("f"), composed])
        _ = update(&state, .key(.character("r")))
        #expect(state.activePane.rows.dropFirst().map(\.size) == [1, 2, 3, 4, 5])
    }

    @Test func escapeCancelsALoadingListing() {
        var state = Self.listedState()
        _ = update(&state, .key(.down))
        let docs = Location.remote(site: "ftp://anna@example.org", path: "/pub/docs")
        #expect(update(&state, .key(.enter)) == [.list(pane: 1, location: docs, focus: nil)])
        #expect(state.activePane.loading)
        #expect(update(&state, .key(.escape)) == [.cancelListing(pane: 1)])
        #expect(!state.activePane.loading)
        _ = update(&state, .listed(pane: 1, location: docs, focus: nil, result: .success([]), at: Self.now))
        #expect(state.activePane.location == Self.remote)
        #expect(state.activePane.rows.count == 6)
    }

    @Test func moveBetweenPanesCopiesThenDeletes() {
        var state = Self.listedState()
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
        _ = update(&state, .key(.function(6)))
        #expect(state.dialog?.kind == .input(text: "/home/anna/README.txt", secret: false))
        let effects = update(&state, .key(.enter))
        let request = TransferRequest(source: Self.remote, entry: Self.sampleEntries()[2], destination: .local("/home/anna"), movesSource: true)
        #expect(effects == [.startTransfer(id: 1, request: request)])
        _ = update(&state, .transferFinished(id: 1, error: nil))
        #expect(state.transfers[0].state == .done)
    }

    @Test func moveWithinAServerRenamesIntoTheOtherPane() {
        var state = Self.listedState()
        let other = Location.remote(site: "ftp://anna@example.org", path: "/archive")
        _ = update(&state, .listed(pane: 0, location: other, focus: nil, result: .success([]), at: Self.now))
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
        _ = update(&state, .key(.character("m")))
        #expect(state.dialog?.kind == .input(text: "/archive/README.txt", secret: false))
        #expect(update(&state, .key(.enter)) == [.rename(pane: 1, location: Self.remote, entry: Self.sampleEntries()[2], to: "/archive/README.txt")])
    }

    @Test func hostileSizesDoNotBreakTheQueue() {
        var state = Self.listedState()
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
        _ = update(&state, .key(.function(5)))
        _ = update(&state, .key(.enter))
        _ = update(&state, .transferStarted(id: 1))
        _ = update(&state, .transferProgress(id: 1, currentName: nil, completed: 1, total: UInt64.max, bytesPerSecond: 1))
        #expect(render(state, theme: .mono).dump().contains("ETA"))
        #expect(Bookmark(name: "x", url: "ftp://u:p@ss@host/a@b").shownURL == "ftp://u:****@host/a@b")
    }

    @Test func longNamesAreShortenedInTheMiddleKeepingTheExtension() {
        #expect(shortenedInTheMiddle("a-very-long-archive-name-backup-2026.tar.gz", width: 34) == "a-very-long-archive-na…2026.tar.gz")
        #expect(shortenedInTheMiddle("a-very-long-archive-name-backup-2026.tar.gz", width: 12) == "a-ve….tar.gz")
        #expect(shortenedInTheMiddle("short.txt", width: 9) == "short.txt")
        #expect(shortenedInTheMiddle(".a-very-long-dot-file-name", width: 12) == ".a-very-…ame")
        let wide = shortenedInTheMiddle("日本語のとても長いファイルの名前です.txt", width: 16)
        #expect(wide == "日本語のと….txt")
        #expect(DisplayWidth.of(wide) <= 16)
        for width in 1...40 {
            #expect(DisplayWidth.of(shortenedInTheMiddle("日本語のとても長いファイルの名前です.tar.gz", width: width)) <= width)
        }

        var state = Self.listedState()
        let long = [
            ListingEntry(name: "a-very-long-archive-name-backup-2026.tar.gz", kind: .file, size: 12_000),
            ListingEntry(name: "日本語のとても長いファイルの名前です.txt", kind: .file, size: 1),
            ListingEntry(name: "quarterly-report-final-final-v2.pdf", kind: .file, size: 2),
        ]
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: nil, result: .success(long), at: Self.now))
        let text = render(state, theme: .mono).dump()
        #expect(text.contains(" a-very-….tar.gz "))
        #expect(text.contains(" 日本語のと….txt "))
        expectSnapshot(render(state, theme: .mono), named: "long-names-80x24")
    }

    @Test func markedSizesAddUpWithoutOverflowAndSayWhatTheyCount() {
        var state = Self.listedState()
        let huge = [
            ListingEntry(name: "huge-1", kind: .file, size: UInt64.max),
            ListingEntry(name: "huge-2", kind: .file, size: UInt64.max - 1),
            ListingEntry(name: "small", kind: .file, size: 12_288),
        ]
        _ = update(&state, .listed(pane: 1, location: Self.remote, focus: nil, result: .success(huge), at: Self.now))
        _ = update(&state, .key(.character("*")))
        #expect(state.activePane.marked.count == 3)
        #expect(state.activePane.markedSize == UInt64.max)
        let lines = render(state, theme: .mono).dump().split(separator: "\n")
        #expect(lines[21].contains(" 3 marked, 16E "))
        #expect(lines[22] == " 3 marked, 16E   ftp://anna@example.org/pub")
        _ = update(&state, .key(.character("*")))
        _ = update(&state, .key(.end))
        _ = update(&state, .key(.insert))
        let marked = render(state, theme: .mono).dump().split(separator: "\n")
        #expect(marked[22].hasPrefix(" 1 marked, 12K   "))
    }

    /// F1 at 80×24: every binding of the keymap and of the viewer, the help and the dialogs, all
    /// reachable by scrolling, with a footer that says how to close it.
    @Test func helpListsEveryKeyAndScrollsAt80x24() {
        var state = Self.listedState()
        _ = update(&state, .key(.function(1)))
        let lines = state.dialog?.message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) ?? []
        #expect(state.dialog?.kind == .help)
        expectSnapshot(render(state, theme: .mono), named: "help-80x24")
        var screens: [String] = []
        for _ in 0..<lines.count {
            screens.append(render(state, theme: .mono).dump())
            _ = update(&state, .key(.down))
        }
        #expect(screens.allSatisfy { $0.contains("Up/Down PgUp/PgDn scroll   Esc, q or F1 closes") })
        let unreachable = lines.filter { line in !line.isEmpty && !screens.contains { $0.contains(line) } }
        #expect(unreachable.isEmpty, "not reachable at 80×24: \(unreachable)")
        #expect(screens.last?.contains("of \(lines.count)   Up/Down") == true)

        func listed(_ keys: String, _ help: String) -> Bool {
            lines.contains { $0.hasPrefix("  " + keys + " ") && $0.hasSuffix(help) }
        }
        #expect(listed("x", "cancel the running transfer"))
        #expect(listed("R", "retry failed transfers"))
        #expect(listed("Ctrl-R", "reload both panes"))
        #expect(listed("/ Ctrl-S", "quick search"))
        #expect(listed("q Esc F3 F10 v", "close the viewer"))
        #expect(listed("a", "trust always"))
        #expect(listed("Backspace", "erase the last character"))
        for (key, action) in Keymap.standard.bindings {
            #expect(lines.contains { $0.contains(Keymap.name(of: key)) && $0.hasSuffix(action.help) }, "\(key) \(action)")
        }
        for table in [KeyTable.viewer, KeyTable.help] {
            for binding in table.bindings { #expect(lines.contains { $0.hasSuffix(binding.help) }) }
        }
        for table in KeyTable.dialogs {
            #expect(lines.contains(table.title + ":"))
            for binding in table.bindings { #expect(lines.contains { $0.hasSuffix(binding.help) }) }
        }

        let rows = Layout.helpRows(height: 24)
        _ = update(&state, .key(.home))
        #expect(state.dialog?.top == 0)
        _ = update(&state, .key(.pageDown))
        #expect(state.dialog?.top == rows)
        _ = update(&state, .key(.up))
        #expect(state.dialog?.top == rows - 1)
        _ = update(&state, .key(.end))
        #expect(state.dialog?.top == lines.count - rows)
        expectSnapshot(render(state, theme: .mono), named: "help-80x24-end")
        _ = update(&state, .key(.character("x")))
        #expect(state.dialog?.kind == .help)
        _ = update(&state, .key(.character("q")))
        #expect(state.dialog == nil)
        #expect(state.isRunning)
    }

    /// The dialogs act on the keys their tables (and so the help) give.
    @Test func dialogsAnswerTheKeysTheHelpLists() {
        var state = Self.listedState()
        let question = CertificateQuestion(reason: "self-signed", subject: "CN=x", names: "x", expires: "2030", fingerprint: "AB:CD")
        for (key, always) in [(Key.character("o"), false), (.character("a"), true)] {
            _ = update(&state, .certificateUntrusted(pane: 1, location: Self.remote, question: question))
            #expect(update(&state, .key(.character("z"))).isEmpty && state.dialog?.kind == .certificate)
            #expect(update(&state, .key(key)) == [.trustCertificate(pane: 1, location: Self.remote, fingerprint: "AB:CD", always: always)])
            #expect(state.dialog == nil)
        }
        _ = update(&state, .certificateUntrusted(pane: 1, location: Self.remote, question: question))
        #expect(update(&state, .key(.escape)).isEmpty)
        #expect(state.dialog == nil && state.message == "Certificate rejected: not connected")

        let session = EditSession(pane: 1, location: Self.remote, entry: Self.sampleEntries()[2], localPath: "/tmp/copy", stamp: "1234")
        _ = update(&state, .editConflict(session))
        #expect(update(&state, .key(.character("o"))) == [.uploadEdit(session, force: true)])
        _ = update(&state, .editConflict(session))
        _ = update(&state, .key(.character("s")))
        #expect(state.dialog?.kind == .input(text: "README.txt.mine", secret: false))
        _ = update(&state, .key(.backspace))
        _ = update(&state, .key(.character("2")))
        var renamed = session
        renamed.name = "README.txt.min2"
        #expect(update(&state, .key(.enter)) == [.uploadEdit(renamed, force: true)])
    }

    @Test func theKeyBarIsReadableAt80Columns() {
        let keyBar = render(Self.listedState(), theme: .mono).dump().split(separator: "\n").last.map(String.init) ?? ""
        #expect(keyBar == "1Help   2       3View   4Edit   5Copy   6RenMov 7Mkdir  8Delete 9Conn   10Quit")
        let wide = render(Self.listedState(width: 120, height: 40), theme: .mono).dump().split(separator: "\n").last ?? ""
        #expect(wide.contains("9Connect "))
    }

    @Test func aSpinnerTurnsWhileAListingLoads() {
        var state = Self.listedState()
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.enter))
        #expect(state.isWaiting)
        let first = render(state, theme: .mono).dump().split(separator: "\n")[0]
        _ = update(&state, .tick)
        let second = render(state, theme: .mono).dump().split(separator: "\n")[0]
        #expect(first.contains("pub |") && second.contains("pub /"))
    }
}

/// What the commander offers when an earlier run left transfers unfinished.
@Suite("Commander: unfinished transfers")
struct UnfinishedTransfersTests {
    @Test func theOfferSaysHowManyAndEachAnswerDoesWhatItSays() {
        var state = CommanderTests.listedState()
        #expect(update(&state, .unfinishedTransfers(count: 3)).isEmpty)
        let screen = render(state, theme: .mono).dump()
        #expect(screen.contains("3 unfinished transfers"))
        #expect(screen.contains("r  resume now"))
        #expect(update(&state, .key(.character("x"))).isEmpty)
        #expect(state.dialog != nil)
        #expect(update(&state, .key(.character("r"))) == [.resumeUnfinishedTransfers])
        #expect(state.dialog == nil)

        _ = update(&state, .unfinishedTransfers(count: 1))
        #expect(render(state, theme: .mono).dump().contains("1 unfinished transfer from"))
        #expect(update(&state, .key(.character("d"))) == [.discardUnfinishedTransfers])

        _ = update(&state, .unfinishedTransfers(count: 2))
        #expect(update(&state, .key(.character("k"))).isEmpty)
        #expect(state.dialog == nil)
        #expect(state.message?.contains("ferry resume") == true)
    }
}

/// `M` changes permissions: the dialog offers the current mode in octal, and a bad mode is refused.
@Suite("Commander: permissions")
struct ChangeModeTests {
    @Test func theModeIsAskedInOctalAndSentAsANumber() {
        var state = CommanderTests.listedState()
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.down))
        let entry = state.activePane.current
        #expect(update(&state, .key(.character("M"))).isEmpty)
        guard case .input(let text, _) = state.dialog?.kind else {
            Issue.record("no input dialog")
            return
        }
        #expect(text == entry?.permissions.flatMap(octalMode) ?? "")
        for _ in text { _ = update(&state, .key(.backspace)) }
        for character in "755" { _ = update(&state, .key(.character(character))) }
        let effects = update(&state, .key(.enter))
        #expect(effects.count == 1)
        if case .changeMode(_, _, let entries, let mode) = effects.first {
            #expect(mode == 0o755)
            #expect(entries.map(\.name) == [entry?.name].compactMap { $0 })
        } else {
            Issue.record("no chmod effect: \(effects)")
        }
        _ = update(&state, .key(.character("M")))
        for character in "9z" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)).isEmpty)
        #expect(state.message?.contains("octal") == true)
        #expect(octalMode("rwxr-xr-x") == "755")
        #expect(octalMode("rw-r--r--") == "644")
        #expect(octalMode("nonsense") == nil)
    }
}

/// `t` shows the folders as a tree; branches open, are listed when first opened, and Enter shows a folder's files.
@Suite("Commander: folder tree")
struct FolderTreeTests {
    @Test func branchesOpenListAndOpenTheFolder() {
        var state = CommanderTests.listedState()
        #expect(update(&state, .key(.character("t"))).isEmpty)
        var screen = render(state, theme: .mono).dump()
        #expect(screen.contains("▸ docs"))
        #expect(screen.contains("▸ images"))
        #expect(!screen.contains("README.txt"))
        _ = update(&state, .key(.down))
        let docs = Location.remote(site: "ftp://anna@example.org", path: "/pub/docs")
        #expect(update(&state, .key(.right)) == [.listFolders(pane: 1, location: docs)])
        _ = update(&state, .foldersListed(pane: 1, location: docs, result: .success([
            ListingEntry(name: "guides", kind: .directory), ListingEntry(name: "a.txt", kind: .file), ListingEntry(name: "../up", kind: .directory),
        ])))
        screen = render(state, theme: .mono).dump()
        #expect(screen.contains("▾ docs"))
        #expect(screen.contains("    ▸ guides"))
        #expect(!screen.contains("a.txt"))
        #expect(!screen.contains("../up"))
        // Closing and opening again lists it afresh.
        _ = update(&state, .key(.left))
        #expect(!render(state, theme: .mono).dump().contains("guides"))
        #expect(update(&state, .key(.right)) == [.listFolders(pane: 1, location: docs)])
        _ = update(&state, .foldersListed(pane: 1, location: docs, result: .success([ListingEntry(name: "guides", kind: .directory)])))
        _ = update(&state, .key(.down))
        let effects = update(&state, .key(.enter))
        #expect(effects == [.list(pane: 1, location: .remote(site: "ftp://anna@example.org", path: "/pub/docs/guides"), focus: nil)])
        #expect(state.activePane.tree == nil)
        #expect(helpLines(state).contains { $0.contains("show the folders as a tree") })
    }

    private func helpLines(_ state: AppState) -> [String] {
        var state = state
        _ = update(&state, .key(.function(1)))
        return (state.dialog?.message ?? "").split(separator: "\n").map(String.init)
    }
}

import Foundation
import Testing
import TestSupport

// Without tmux these suites are skipped (shown as such, not as passed); under CI they always run,
// and a missing tmux fails them (TmuxSession throws).

/// The real `ferry` binary in a real terminal (tmux), against the loopback server.
@Suite("Commander in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderTerminalTests {
    func commanderURL(_ fixture: ServerFixture) -> String {
        "ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/"
    }

    @Test func browseCopyResizeAndQuit() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(3_000_000)
        try fixture.root.write("big.bin", contents)
        try fixture.root.write("naïve ファイル.txt", Data("utf8".utf8))
        try fixture.root.write("evil\u{1B}[2J.txt", Data("x".utf8))
        try local.write("local-note.txt", Data("here".utf8))
        fixture.server.faults.throttle(bytesPerSecond: 1_000_000)
        let session = try TmuxSession(
            "\(FerryProcess.executable) \(commanderURL(fixture))", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path])
        var screen = try session.waitFor("both panes") { $0.contains("big.bin") && $0.contains("local-note.txt") }
        #expect(screen.contains("naïve ファイル.txt"))
        #expect(screen.contains("evil\\x1b[2J.txt"))
        #expect(!screen.contains(ServerFixture.password))
        #expect(screen.contains("[ ftp://alice@127.0.0.1:\(fixture.port)/ ]"))

        // The remote pane is active, at the server's root: big.bin is the first entry. F5, Enter.
        try session.send("F5")
        try session.waitFor("Copy \"big.bin\"")
        try session.send("Enter")
        screen = try session.waitFor("a progress bar") { $0.range(of: #"\d+%  [0-9.]+[KM]/"#, options: .regularExpression) != nil }
        #expect(screen.contains("Transfers: 1 running"), "\(screen)")
        screen = try session.waitFor("done", timeout: 30)
        #expect(local.read("big.bin") == contents)

        try session.resize(width: 80, height: 24)
        screen = try session.waitFor("an 80-column screen") { screen in
            let top = screen.split(separator: "\n").first ?? ""
            return top.count <= 80 && top.contains("┐┌")
        }
        let top = screen.split(separator: "\n").first.map(String.init) ?? ""
        #expect(top.contains("127.0.0.1"))
        #expect(top.contains("┐┌"))

        // F6 on the remote pane moves the UTF-8 file to the local folder: copied, then deleted there.
        try session.send("End")
        try session.waitFor(" 3/3 ")
        try session.send("F6")
        try session.waitFor("Rename or move")
        try session.send("Enter")
        try session.waitFor("moves-done") { _ in local.read("naïve ファイル.txt") != nil && !fixture.root.exists("naïve ファイル.txt") }
        #expect(local.read("naïve ファイル.txt") == Data("utf8".utf8))
        // The files are in place a moment before the worker's report reaches the commander: until
        // then the move still runs there, and F10 would ask whether to cancel it.
        try session.waitFor("no transfer running") { $0.contains("Transfers: 0 running") }

        try session.send("F10")
        screen = try session.waitFor("FERRY-EXITED-0")
        #expect(!screen.contains("┌"))
    }

    @Test func noColorDrawsNoColours() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("file.txt", Data("x".utf8))
        let session = try TmuxSession(
            "\(FerryProcess.executable) \(commanderURL(fixture))", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "NO_COLOR": "1", "HOME": local.path])
        try session.waitFor("file.txt")
        let coloured = try session.capture(escapes: true)
        // SGR colour codes: 30-37, 39, 40-47, 49, 90-97, 100-107, 38;5 and 48;5.
        let colour = #"\x1b\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]"#
        #expect(coloured.range(of: colour, options: .regularExpression) == nil)
        #expect(coloured.contains("\u{1B}[7m") || coloured.contains("\u{1B}[0;7m") || coloured.contains(";7m"))
        try session.send("q")
        try session.waitFor("FERRY-EXITED-0")
    }

    /// The theme's colours reach the terminal: the default theme's cyan cursor bar, and a user
    /// theme's `#d75f00` one as its nearest entry of xterm's 256 colours (166), or of the 8 basic
    /// ones (red) on a terminal that has only those.
    @Test(arguments: [
        ("xterm-256color", "default", "46"),
        ("xterm-256color", "orange", "48;5;166"),
        ("xterm", "orange", "41"),
    ])
    func themesDrawTheirColours(terminal: String, theme: String, cursorBackground: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("file.txt", Data("x".utf8))
        try local.write(".config/ferry/themes/orange.toml", Data("[roles]\ncursor = { fg = \"black\", bg = \"#d75f00\" }\n".utf8))
        let session = try TmuxSession(
            "\(FerryProcess.executable) --theme \(theme) \(commanderURL(fixture))", in: local.path,
            environment: ["FERRY_PASSWORD": ServerFixture.password, "HOME": local.path, "XDG_CONFIG_HOME": local.path + "/.config", "TERM": terminal])
        try session.waitFor("file.txt")
        // The remote pane is active and its cursor on its first entry, file.txt.
        let cursorRow = try session.capture(escapes: true).split(separator: "\n").first { $0.contains("file.txt") } ?? ""
        let background = "\u{1B}\\[([0-9;]*;)?\(cursorBackground)(;[0-9;]*)?m"
        #expect(cursorRow.range(of: background, options: .regularExpression) != nil, "\(cursorRow.debugDescription)")
        try session.send("q")
        try session.waitFor("FERRY-EXITED-0")
    }

    /// The demo: the sample tree on the right, and on the left a scratch folder of its own (never
    /// the folder it was started in), named in the first status message and gone afterwards.
    @Test func demoOpensOnTheSampleTree() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("not-for-the-demo.txt", Data("mine".utf8))
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let session = try TmuxSession(
            "\(FerryProcess.executable) demo", in: local.path, environment: ["HOME": local.path, "TMPDIR": temporary.path])
        let screen = try session.waitFor("the sample tree") { $0.contains("docs") && $0.contains("README.txt") }
        #expect(screen.contains("[ ftp://anonymous@127.0.0.1:"))
        #expect(!screen.contains("not-for-the-demo.txt"))
        let status = screen.split(separator: "\n").first { $0.contains("Local pane: scratch folder ") } ?? ""
        let scratch = status.split(separator: " ").first { $0.hasPrefix(temporary.path + "/ferry-demo-local-") }.map(String.init) ?? ""
        #expect(!scratch.isEmpty, "\(screen)")
        // The left pane's title: its path, as much of its end as fits.
        let folderName = scratch.split(separator: "/").last.map(String.init) ?? "?"
        #expect(screen.split(separator: "\n").first?.contains(folderName + "  ") == true, "\(screen)")
        var facts = stat()
        #expect(stat(scratch, &facts) == 0 && facts.st_mode & 0o777 == 0o700)
        // README.txt is the last entry: F3 shows it, q closes the viewer.
        try session.send("End")
        try session.send("F3")
        let viewer = try session.waitFor("This is Ferry's demo server")
        #expect(viewer.range(of: #"ftp://anonymous@127\.0\.0\.1:\d+/README\.txt  text"#, options: .regularExpression) != nil, "\(viewer)")
        try session.send("q")
        try session.waitFor("9Connect")
        // A 64 MiB binary file: its first range, shown as hex.
        try session.send("Home", "Down", "Enter")
        try session.waitFor("large-file.bin")
        try session.send("End", "F3")
        let hex = try session.waitFor("00000000  00 00 00 00")
        #expect(hex.contains("hex  0% of 64M"), "\(hex)")
        try session.send("q")
        try session.waitFor("9Connect")
        try session.send("Escape", "0")
        try session.waitFor("FERRY-EXITED-0")
        #expect(!FileManager.default.fileExists(atPath: scratch))
    }

    /// The demo journals its transfers in a scratch folder of its own: unfinished transfers of
    /// real work are neither offered (where `d` would discard them) nor touched.
    @Test func theDemoLeavesTheJournalOfRealWorkAlone() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let state = TemporaryDirectory.stateFolder(of: local.path)
        try JournalFixture.stoppedDownload(
            of: "ftp://alice@127.0.0.1:1/big.bin", to: local.file("big.bin"), size: 800_000, modified: nil, in: local.journalFolder)
        let before = try FileManager.default.contentsOfDirectory(atPath: local.journalFolder)
        #expect(!before.isEmpty)

        let session = try TmuxSession(
            "\(FerryProcess.executable) demo", in: local.path,
            environment: ["HOME": local.path, "TMPDIR": temporary.path, "XDG_STATE_HOME": state])
        try session.waitFor("the sample tree") { $0.contains("docs") && $0.contains("README.txt") }
        // A copy from the demo server is journalled in the demo's own folder.
        try session.send("End", "F5")
        try session.waitFor("Copy \"README.txt\"")
        try session.send("Enter")
        try session.waitFor("the copy in the scratch folder") { _ in
            let scratch = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path))?.first { $0.hasPrefix("ferry-demo-local-") }
            return scratch.map { FileManager.default.fileExists(atPath: temporary.file($0 + "/README.txt")) } ?? false
        }
        #expect(!(try session.capture()).contains("unfinished transfer"))
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.journalFolder) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    }
}

/// F4: a server's file fetched, edited with `$EDITOR`, sent back; a change made meanwhile on the
/// server is noticed and asked about.
@Suite("Commander editing in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderEditTests {
    func editor(_ script: String, in folder: TemporaryDirectory) throws -> String {
        let path = try folder.write("editor.sh", Data(script.utf8))
        return "sh \(path)"
    }

    @Test func editedFilesGoBackAndConflictsAreAsked() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("notes.txt", Data("draft v1\n".utf8))
        let url = "ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/"

        let plain = try editor("sed -i s/draft/final/ \"$1\"\n", in: local)
        let session = try TmuxSession("\(FerryProcess.executable) \(url)", in: local.path,
                                      environment: ["HOME": local.path, "FERRY_PASSWORD": ServerFixture.password, "EDITOR": plain])
        try session.waitFor("notes.txt")
        try session.send("F4")
        try session.waitFor("Uploaded notes.txt")
        #expect(fixture.root.read("notes.txt") == Data("final v1\n".utf8))
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")

        // This editor also changes the server's copy, as someone else would meanwhile. Asked,
        // "save yours as" takes the name offered, notes.txt.mine.
        func editSavingAs(_ script: String, thenSee outcome: String) throws {
            let editing = try editor(script, in: local)
            let session = try TmuxSession("\(FerryProcess.executable) \(url)", in: local.path,
                                          environment: ["HOME": local.path, "FERRY_PASSWORD": ServerFixture.password, "EDITOR": editing])
            try session.waitFor("notes.txt")
            try session.send("F4")
            try session.waitFor("save yours as")
            try session.send("s")
            try session.waitFor("notes.txt.mine")
            try session.send("Enter")
            try session.waitFor(outcome)
            try session.send("F10")
            try session.waitFor("FERRY-EXITED-0")
        }
        try editSavingAs("sed -i s/final/mine/ \"$1\"\nprintf 'theirs\\n' > '\(fixture.root.file("notes.txt"))'\n", thenSee: "Uploaded notes.txt.mine")
        #expect(fixture.root.read("notes.txt") == Data("theirs\n".utf8))
        #expect(fixture.root.read("notes.txt.mine") == Data("mine v1\n".utf8))

        // Saved as a name that is taken (notes.txt.mine, from before): nothing is replaced.
        try editSavingAs("printf 'third\\n' > \"$1\"\nprintf 'theirs 3\\n' > '\(fixture.root.file("notes.txt"))'\n", thenSee: "exists: not replaced")
        #expect(fixture.root.read("notes.txt.mine") == Data("mine v1\n".utf8))
    }
}

/// Ctrl-Z gives the terminal back to the shell; `fg` brings the commander back, whole.
@Suite("Commander suspends in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct CommanderSuspendTests {
    @Test func controlZSuspendsAndFgResumes() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let session = try TmuxSession("bash --norc --noprofile", in: local.path, environment: ["HOME": local.path, "PS1": "prompt$ "])
        try session.waitFor("prompt$")
        try session.send("-l", "\(FerryProcess.executable) demo")
        try session.send("Enter")
        try session.waitFor("README.txt")
        try session.send("C-z")
        let stopped = try session.waitFor("Stopped")
        #expect(!stopped.contains("┌"))
        try session.send("-l", "fg")
        try session.send("Enter")
        let back = try session.waitFor("README.txt")
        #expect(back.contains("┐┌"))
        try session.send("F10")
        // The shell's prompt comes back as the last line, the commander gone.
        try session.waitFor("the prompt after quitting") { screen in
            !screen.contains("┐┌") && screen.split(separator: "\n").last?.hasPrefix("prompt$") == true
        }
    }
}

/// A fatal signal (a crash, a trap) still gives the terminal back: the main screen, the cursor.
@Suite("Commander dies cleanly in a terminal", .serialized)
struct CommanderFatalSignalTests {
    @Test(arguments: [SIGSEGV, SIGABRT, SIGILL])
    func fatalSignalsRestoreTheTerminal(_ number: Int32) throws {
        guard TmuxSession.isAvailable else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("tmux is missing under CI") }
            return
        }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("note.txt", Data("x".utf8))
        let session = try TmuxSession(FerryProcess.executable, in: local.path, environment: ["HOME": local.path])
        try session.waitFor("note.txt")
        #expect(try session.display("#{alternate_on}") == "1")
        let shell = try #require(Int32(try session.display("#{pane_pid}")))
        let ferry = try #require(Self.child(of: shell))
        #expect(kill(ferry, number) == 0)
        try session.waitFor("FERRY-EXITED-\(128 + number)")
        #expect(try session.display("#{alternate_on}") == "0")
        #expect(try session.display("#{cursor_flag}") == "1")
    }

    /// The first process whose parent is `parent`, from /proc.
    static func child(of parent: Int32) -> Int32? {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")")
                else { continue }
                // After the name in parentheses: state, then the parent's pid.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 1, Int32(fields[1]) == parent { return pid }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}

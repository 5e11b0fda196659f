import CNcurses
import Glibc
import ScreenKit

/// The only code that talks to ncurses: it starts and restores the terminal and draws the cells
/// of a `Screen` that changed since the last one. Keys it reads from standard input itself and
/// decodes with `KeyDecoder`, as the tests' `MemoryTerminal` does.
///
/// Confined to the thread that made it (the main thread): ncurses is not thread-safe.
public final class TerminalUI: TerminalDevice {
    private let window: UnsafeMutablePointer<WINDOW>
    private var shown: Screen?
    private var pairs: [Int32: Int16] = [:]
    private var active = true
    private var decoder = KeyDecoder()
    /// How long the rest of an escape sequence may take to arrive before what came is taken as
    /// typed: a lone Esc, or Alt with a character.
    private static let escapeDelay = 0.025
    /// How many colours styles may use: 0 in monochrome (`NO_COLOR`, or a terminal with fewer
    /// than 8), else 8, 16 or 256.
    public let colors: Int

    /// Takes over the terminal. `monochrome` forces attributes only. Fails (rather than exiting,
    /// as `initscr` would) when standard input and output are not a terminal ncurses knows.
    public init(monochrome: Bool) throws {
        Self.useUTF8Locale()
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the commander needs a terminal; scripts can use ferry ls, get and put")
        }
        FatalSignals.install()
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r"),
              newterm(nil, output, input) != nil, let terminalWindow = ferry_stdscr()
        else {
            FatalSignals.uninstall()
            let name = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw TerminalError(description: "cannot start the terminal: ncurses does not know TERM=\(name)")
        }
        window = terminalWindow
        cbreak()
        noecho()
        nonl()
        // ncurses only draws: it never reads standard input, nor peeks at it while drawing.
        typeahead(-1)
        curs_set(0)
        // ncurses says how many colours there are only once colour has started.
        if !monochrome, has_colors() {
            start_color()
            colors = Self.paletteSize(reported: Int(ferry_colors()))
            if colors > 0 { use_default_colors() }
        } else {
            colors = 0
        }
    }

    deinit { restore() }

    /// The palette styles may use on a terminal that reports `reported` colours: 256, 16 or 8,
    /// the largest of those it has; 0 (monochrome) below 8. An 88-colour terminal gets 16: its
    /// upper entries are not xterm's.
    public static func paletteSize(reported: Int) -> Int {
        [256, 16, 8].first { reported >= $0 } ?? 0
    }

    /// The terminal's size in cells.
    public var size: (width: Int, height: Int) { (Int(getmaxx(window)), Int(getmaxy(window))) }

    /// Gives the terminal back as it was. Safe to call more than once.
    public func restore() {
        guard active else { return }
        active = false
        curs_set(1)
        endwin()
        FatalSignals.uninstall()
    }

    /// Sleeps in poll(2) on standard input and `descriptors` up to `timeout`, then returns the
    /// keys typed. A sequence cut short waits `escapeDelay` for the rest.
    public func readInput(timeout: Double?, waking descriptors: [Int32]) -> [TerminalInput] {
        guard Self.wait(for: [STDIN_FILENO] + descriptors, timeout: timeout) else { return [] }
        var keys = decoder.decode(Self.availableBytes())
        while decoder.isWaiting {
            let more = Self.wait(for: [STDIN_FILENO], timeout: Self.escapeDelay) ? Self.availableBytes() : []
            keys += more.isEmpty ? decoder.flush() : decoder.decode(more)
        }
        return keys.map(TerminalInput.key)
    }

    /// The bytes waiting on standard input, without blocking.
    private static func availableBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while wait(for: [STDIN_FILENO], timeout: 0) {
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            guard count > 0 else { break }
            bytes += buffer.prefix(count)
        }
        return bytes
    }

    /// Whether one of `descriptors` became readable within `timeout` seconds (nil: no limit).
    private static func wait(for descriptors: [Int32], timeout: Double?) -> Bool {
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        return poll(&polled, nfds_t(polled.count), timeout.map { Int32(max(0, $0 * 1000)) } ?? -1) > 0
    }

    /// Takes the terminal's new size after a SIGWINCH (which the caller catches: in a program
    /// with threads, ncurses's own handler may run on a thread that is not polling) and returns
    /// the resize to report, if the size changed.
    public func adoptNewSize() -> TerminalInput? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        let (width, height) = (Int(size.ws_col), Int(size.ws_row))
        guard width != self.size.width || height != self.size.height else { return nil }
        resizeterm(Int32(height), Int32(width))
        shown = nil
        return .resize(width: width, height: height)
    }

    /// Draws what changed since the last call (everything, the first time and after a resize).
    public func draw(_ screen: Screen) {
        for change in screen.changes(since: shown) {
            var column = change.x
            for cell in change.cells {
                defer { column += 1 }
                if cell.isContinuation { continue }
                var text = cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                text.append(0)
                _ = ferry_put_cell(window, Int32(change.y), Int32(column), text, flags(cell.style), pair(cell.style))
            }
        }
        shown = screen
        wrefresh(window)
    }

    /// Gives the terminal to another program (an editor) for the time of `body`, then takes it
    /// back and repaints everything.
    public func runOutside<Result>(_ body: () throws -> Result) rethrows -> Result {
        def_prog_mode()
        endwin()
        defer {
            reset_prog_mode()
            invalidate()
            wrefresh(window)
        }
        return try body()
    }

    /// Forgets what is on the screen, so the next draw repaints all (after a suspend, say).
    public func invalidate() {
        shown = nil
        clearok(window, true)
    }

    private func flags(_ style: Style) -> Int32 {
        var flags: Int32 = 0
        if style.bold { flags |= Int32(FERRY_BOLD) }
        if style.underline { flags |= Int32(FERRY_UNDERLINE) }
        if style.reverse { flags |= Int32(FERRY_REVERSE) }
        return flags
    }

    /// The colour pair of a style's colours, made on first use.
    private func pair(_ style: Style) -> Int16 {
        guard colors > 0 else { return 0 }
        let indices = style.paletteIndices(colors: colors)
        let foreground = Int16(indices.foreground ?? -1)
        let background = Int16(indices.background ?? -1)
        if foreground == -1, background == -1 { return 0 }
        let key = Int32(foreground) << 16 | Int32(UInt16(bitPattern: background))
        if let existing = pairs[key] { return existing }
        guard pairs.count + 1 < Int(ferry_color_pairs()), pairs.count < Int(Int16.max) - 1 else { return 0 }
        let number = Int16(pairs.count + 1)
        init_pair(number, foreground, background)
        pairs[key] = number
        return number
    }

    /// ncurses needs a UTF-8 locale for wide characters and line drawing.
    private static func useUTF8Locale() {
        let chosen = setlocale(LC_ALL, "").map { String(cString: $0) } ?? "C"
        if chosen == "C" || chosen == "POSIX" || !chosen.uppercased().contains("UTF") {
            _ = setlocale(LC_ALL, "C.UTF-8")
        }
    }

    /// The display width glibc's `wcwidth` gives a scalar, for tests that ScreenKit agrees.
    public static func systemWidth(of scalar: Unicode.Scalar) -> Int {
        useUTF8Locale()
        return Int(ferry_wcwidth(wchar_t(bitPattern: scalar.value)))
    }
}

/// The terminal could not be taken over.
public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

import CNcurses
import Glibc
import ScreenKit

/// The only code that talks to ncurses: it starts and restores the terminal, decodes keys and
/// draws the cells of a `Screen` that changed since the last one.
///
/// Confined to the thread that made it (the main thread): ncurses is not thread-safe.
public final class TerminalUI: TerminalDevice {
    private let window: UnsafeMutablePointer<WINDOW>
    private var shown: Screen?
    private var pairs: [Int32: Int16] = [:]
    private var active = true
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
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(25)
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
    /// keys and resizes waiting.
    public func readInput(timeout: Double?, waking descriptors: [Int32]) -> [TerminalInput] {
        var polled = ([STDIN_FILENO] + descriptors).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        _ = poll(&polled, nfds_t(polled.count), timeout.map { Int32(max(0, $0 * 1000)) } ?? -1)
        return readInput()
    }

    /// The keys and resizes waiting, without blocking.
    public func readInput() -> [TerminalInput] {
        var inputs: [TerminalInput] = []
        var character: wint_t = 0
        while true {
            let result = wget_wch(window, &character)
            if result == ERR { break }
            if result == KEY_CODE_YES {
                if Int32(character) == KEY_RESIZE {
                    shown = nil
                    inputs.append(.resize(width: size.width, height: size.height))
                } else if let key = Self.functionKey(Int32(character)) {
                    inputs.append(.key(key))
                }
            } else if let key = Self.characterKey(UInt32(character)) {
                inputs.append(.key(key))
            }
        }
        return inputs
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
        let foreground = Int16(style.foreground?.paletteIndex(colors: colors) ?? -1)
        let background = Int16(style.background?.paletteIndex(colors: colors) ?? -1)
        if foreground == -1, background == -1 { return 0 }
        let key = Int32(foreground) << 16 | Int32(UInt16(bitPattern: background))
        if let existing = pairs[key] { return existing }
        guard pairs.count + 1 < Int(ferry_color_pairs()), pairs.count < Int(Int16.max) - 1 else { return 0 }
        let number = Int16(pairs.count + 1)
        init_pair(number, foreground, background)
        pairs[key] = number
        return number
    }

    private static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME, KEY_A1: return .home
        case KEY_END, KEY_C1: return .end
        case KEY_PPAGE, KEY_A3: return .pageUp
        case KEY_NPAGE, KEY_C3: return .pageDown
        case KEY_IC: return .insert
        case KEY_DC: return .delete
        case KEY_BACKSPACE: return .backspace
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        default:
            let number = code - ferry_key_f(0)
            return (1...24).contains(number) ? .function(Int(number)) : nil
        }
    }

    /// A character ncurses read: below 128 as `KeyDecoder` reads a byte, above as itself.
    private static func characterKey(_ value: UInt32) -> Key? {
        if let byte = UInt8(exactly: value), byte < 0x80 { return KeyDecoder.plain(byte) }
        return Unicode.Scalar(value).map { .character(Character($0)) }
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

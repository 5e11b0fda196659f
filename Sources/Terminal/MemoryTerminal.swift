import Glibc
import ScreenKit

/// A terminal in memory: the last screen drawn, and input a test types (as the bytes a
/// terminal would send, through `KeyDecoder`, or as keys). For stepping the commander's event
/// loop without a terminal; confined to one thread.
public final class MemoryTerminal: TerminalDevice {
    public private(set) var size: (width: Int, height: Int)
    public let colors: Int
    /// The last screen drawn; nil before the first draw.
    public private(set) var screen: Screen?
    /// How many times something was drawn.
    public private(set) var draws = 0
    private var input: [TerminalInput] = []
    private var decoder = KeyDecoder()

    /// A `width`×`height` terminal with `colors` colours (0: attributes only).
    public init(width: Int = 80, height: Int = 24, colors: Int = 256) {
        size = (width, height)
        self.colors = colors
    }

    /// Types bytes as a terminal sends them: `"\u{1B}OP"` is F1, `"\u{1B}[A"` the up arrow.
    public func type(_ text: String) {
        input += decoder.decode(Array(text.utf8)).map(TerminalInput.key)
    }

    /// Presses keys.
    public func press(_ keys: Key...) {
        input += keys.map(TerminalInput.key)
    }

    /// Resizes the terminal, reported as the next input.
    public func resize(width: Int, height: Int) {
        size = (width, height)
        input.append(.resize(width: width, height: height))
    }

    /// The screen's text, a line per row with trailing spaces trimmed; empty before the first draw.
    public var text: String { screen?.dump() ?? "" }

    public func draw(_ screen: Screen) {
        self.screen = screen
        draws += 1
    }

    /// The input typed so far, at once; else waits on `descriptors` up to `timeout`. Nothing
    /// more is typed while it waits, so an unfinished sequence is taken as typed.
    public func readInput(timeout: Double?, waking descriptors: [Int32]) -> [TerminalInput] {
        input += decoder.flush().map(TerminalInput.key)
        if input.isEmpty {
            var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&polled, nfds_t(polled.count), timeout.map { Int32(max(0, $0 * 1000)) } ?? -1)
        }
        defer { input = [] }
        return input
    }

    public func adoptNewSize() -> TerminalInput? { nil }

    public func runOutside<Result>(_ body: () throws -> Result) rethrows -> Result {
        try body()
    }
}

import ScreenKit

/// What the terminal reports: keys and size changes.
public enum TerminalInput: Equatable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
}

/// A terminal as the commander's event loop uses it: a screen to draw, keys to read with a
/// timeout, a size and a palette. `TerminalUI` is the real one (ncurses); `MemoryTerminal`
/// holds its cells and input in memory, for tests that step the loop without a terminal.
///
/// Confined to one thread, the loop's.
public protocol TerminalDevice: AnyObject {
    /// The size in cells.
    var size: (width: Int, height: Int) { get }

    /// How many colours styles may use: 0 for attributes only, else 8, 16 or 256.
    var colors: Int { get }

    /// Shows a screen (writing only what changed, where the device can tell).
    func draw(_ screen: Screen)

    /// Waits up to `timeout` seconds (nil: for as long as it takes) until there is input, or
    /// until one of `descriptors` is readable, and returns the keys and resizes that arrived
    /// (none when the time ran out or a descriptor woke it).
    func readInput(timeout: Double?, waking descriptors: [Int32]) -> [TerminalInput]

    /// Takes the terminal's new size after SIGWINCH, and returns the resize to report if the
    /// size changed.
    func adoptNewSize() -> TerminalInput?

    /// Gives the terminal to something else (an editor, the shell while suspended) for the
    /// time of `body`, then takes it back and repaints everything.
    func runOutside<Result>(_ body: () throws -> Result) rethrows -> Result
}

import Commander
import Foundation
import Terminal

/// The commander on the real terminal: takes it over, catches the signals, and runs the event
/// loop (`CommanderLoop`) until the commander quits.
struct CommanderApp {
    let left: Location
    let right: Location
    let theme: Theme
    let monochrome: Bool
    let keymap: Keymap
    let bookmarks: [Bookmark]
    let workers: CommanderWorkers
    let mailbox: Mailbox<LoopMessage>
    /// Whether the right pane has the focus at the start (when a URL was given).
    let startsOnRight: Bool
    /// The first status message, if any.
    let greeting: String?

    func run() throws {
        let terminal: TerminalUI
        do {
            terminal = try TerminalUI(monochrome: monochrome)
        } catch {
            throw Failure(.usage, "\(error)")
        }
        defer { terminal.restore() }
        // After the terminal started: these replace ncurses's SIGWINCH and SIGTSTP handlers.
        let signals = try SignalPipe(catching: [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP])
        let size = terminal.size
        var state = AppState(left: left, right: right, width: size.width, height: size.height, now: Date(), keymap: keymap)
        state.active = startsOnRight ? 1 : 0
        state.bookmarks = bookmarks
        state.message = greeting
        CommanderLoop(state: state, terminal: terminal, theme: theme, workers: workers, mailbox: mailbox, signals: signals).run()
    }
}

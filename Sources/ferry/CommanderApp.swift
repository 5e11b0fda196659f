import Commander
import Foundation
import ScreenKit
import Spawn
import Terminal

/// The commander's event loop: keys and worker reports in, `update`, effects out, a redraw.
///
/// It sleeps in poll(2) on the terminal, the mailbox and the signal pipe, so an idle commander
/// costs no CPU; while transfers run it redraws at most ten times a second.
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
        // A terminal with fewer than 8 colours gets attributes only: a colour theme's cursor
        // would not show there.
        let theme = terminal.colors == 0 ? Theme.mono : self.theme
        // After the terminal started: these replace ncurses's SIGWINCH and SIGTSTP handlers.
        let signals = try SignalPipe(catching: [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP])
        let size = terminal.size
        var state = AppState(left: left, right: right, width: size.width, height: size.height, now: Date(), keymap: keymap)
        state.active = startsOnRight ? 1 : 0
        state.bookmarks = bookmarks
        state.message = greeting
        for pane in state.panes.indices {
            state.panes[pane].loading = true
            workers.perform(.list(pane: pane, location: state.panes[pane].location, focus: nil))
        }
        var lastDraw = Date.distantPast
        var dirty = true
        while state.isRunning {
            let now = Date()
            let throttled = state.transfers.contains { $0.state == .running }
            let sinceDraw = now.timeIntervalSince(lastDraw)
            if dirty, !throttled || sinceDraw >= 0.1 {
                terminal.draw(render(state, theme: theme))
                lastDraw = now
                dirty = false
            }
            var descriptors = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: mailbox.wakeDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            // Asleep until something happens, but for the spinner while a listing loads.
            let timeout: Int32 = dirty ? Int32(max(1, (0.1 - sinceDraw) * 1000)) : (state.isWaiting ? 120 : -1)
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            var events: [Event] = ready == 0 && state.isWaiting ? [.tick] : []
            events += terminal.readInput().map { input in
                switch input {
                case .key(let key): .key(key)
                case .resize(let width, let height): .resize(width: width, height: height)
                }
            }
            for message in signals.drain().compactMap(Self.message(for:)) + mailbox.drain() {
                switch message {
                case .event(let event): events.append(event)
                case .terminate: state.isRunning = false
                case .terminalResized:
                    if case .resize(let width, let height) = terminal.adoptNewSize() { events.append(.resize(width: width, height: height)) }
                case .suspend:
                    terminal.runOutside { _ = kill(getpid(), SIGSTOP) }
                    if case .resize(let width, let height) = terminal.adoptNewSize() { events.append(.resize(width: width, height: height)) }
                    dirty = true
                }
            }
            while !events.isEmpty {
                let event = events.removeFirst()
                for effect in update(&state, event) {
                    // The editor needs the terminal, which only this thread may hand over.
                    if case .runEditor(let session) = effect {
                        let changed = Self.edit(session.localPath, on: terminal)
                        if !changed { CommanderWorkers.removeEditCopy(session.localPath) }
                        events.append(.editorFinished(session, changed: changed))
                    } else {
                        workers.perform(effect)
                    }
                }
                dirty = true
            }
        }
    }

    /// Runs `$VISUAL` or `$EDITOR` (else `vi`) on a file with the terminal handed over, and says
    /// whether the file changed.
    private static func edit(_ path: String, on terminal: TerminalUI) -> Bool {
        let before = FileStamp(path: path)
        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        terminal.runOutside {
            // The editor may carry arguments ("code -w"): let the shell split it; the path stays one word.
            do {
                _ = try ChildProcess(
                    "/bin/sh", arguments: ["-c", editor + " \"$1\"", "ferry-editor", path],
                    environment: editorEnvironment(environment)
                ).wait()
            } catch {
                printError("ferry: cannot run \(editor): \(error)")
            }
        }
        return FileStamp(path: path) != before
    }

    /// The editor's environment: Ferry's own, without the password an editor (and whatever it
    /// runs: plugins, language servers, shells) has no business seeing.
    static func editorEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { $0.key != "FERRY_PASSWORD" }
    }

    /// What a signal asks of the loop: Ctrl-C, TERM and HUP end it so the terminal is restored
    /// on the way out; a window size change redraws; Ctrl-Z suspends with the terminal restored.
    private static func message(for signal: Int32) -> LoopMessage? {
        switch signal {
        case SIGINT, SIGTERM, SIGHUP: .terminate
        case SIGWINCH: .terminalResized
        case SIGTSTP: .suspend
        default: nil
        }
    }
}

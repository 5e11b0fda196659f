import Commander
import Foundation
import Terminal

/// The commander's event loop: keys, signals and worker reports in, `update`, effects out
/// through `CommanderEffects`, a redraw. The program runs it on the real terminal; a test
/// steps it turn by turn on a `MemoryTerminal` and reads the screen between turns.
///
/// It sleeps in the terminal's wait (poll(2)) on the keyboard, the mailbox and the signal pipe,
/// so an idle commander costs no CPU; while transfers run it redraws at most ten times a second.
final class CommanderLoop {
    private(set) var state: AppState
    private let terminal: any TerminalDevice
    private let theme: Theme
    private let effects: CommanderEffects
    private let mailbox: Mailbox<LoopMessage>
    private let signals: SignalPipe?
    private var lastDraw = Date.distantPast
    private var dirty = true

    /// A loop over `state` on `terminal`; `signals` (the program's, none in a test) are
    /// polled with the terminal and the mailbox the workers report to.
    init(state: AppState, terminal: any TerminalDevice, theme: Theme, workers: CommanderWorkers, mailbox: Mailbox<LoopMessage>, signals: SignalPipe? = nil) {
        self.state = state
        self.terminal = terminal
        // A terminal with fewer than 8 colours gets attributes only: a colour theme's cursor
        // would not show there.
        self.theme = terminal.colors == 0 ? Theme.mono : theme
        effects = CommanderEffects(workers: workers, terminal: terminal)
        self.mailbox = mailbox
        self.signals = signals
    }

    /// Runs until the commander quits.
    func run() {
        start()
        while state.isRunning { step() }
    }

    /// Lists both panes and draws the first screen.
    func start() {
        var events: [Event] = []
        for pane in state.panes.indices {
            state.panes[pane].loading = true
            events += effects.carryOut(.list(pane: pane, location: state.panes[pane].location, focus: nil))
        }
        handle(events)
        drawIfDue()
    }

    /// One turn: waits for input, a report or a signal (at most `maxWait` seconds, when given,
    /// else as long as nothing needs doing), hands what came to `update`, carries out the
    /// effects and draws what changed.
    func step(maxWait: Double? = nil) {
        let sinceDraw = Date().timeIntervalSince(lastDraw)
        // Asleep until something happens, but for the spinner while a listing loads.
        var timeout: Double? = dirty ? max(0.001, 0.1 - sinceDraw) : (state.isWaiting ? 0.12 : nil)
        if let maxWait { timeout = min(timeout ?? maxWait, maxWait) }
        let waking = [mailbox.wakeDescriptor] + (signals.map { [$0.readDescriptor] } ?? [])
        var events: [Event] = terminal.readInput(timeout: timeout, waking: waking).map { input in
            switch input {
            case .key(let key): .key(key)
            case .resize(let width, let height): .resize(width: width, height: height)
            }
        }
        for message in (signals?.drain().compactMap(Self.message(for:)) ?? []) + mailbox.drain() {
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
        if events.isEmpty, state.isWaiting { events = [.tick] }
        handle(events)
        drawIfDue()
    }

    /// Each event through `update`, and each effect carried out; the events effects bring at
    /// once (the editor's end) follow.
    private func handle(_ events: [Event]) {
        var events = events
        while !events.isEmpty {
            let event = events.removeFirst()
            for effect in update(&state, event) { events += effects.carryOut(effect) }
            dirty = true
        }
    }

    /// Draws when something changed, at most ten times a second while transfers run.
    private func drawIfDue() {
        let now = Date()
        let throttled = state.transfers.contains { $0.state == .running }
        guard dirty, !throttled || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        terminal.draw(render(state, theme: theme))
        lastDraw = now
        dirty = false
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

import Commander
import Foundation
import FTP
import ScreenKit
import Terminal
import TestSupport
import Transfers
@testable import ferry

/// The commander as the program runs it (its event loop, workers and effects), on a terminal
/// in memory: a test presses keys, steps the loop and reads the screen, with no tmux. The left
/// pane shows a local folder; the right one the loopback server, when there is one, and has the
/// focus then, as `ferry URL` starts, at `path` on it; the left one a second server's root when
/// `leftServer` is given. `options` are the command line's connection options (`--retries 0`).
final class CommanderHarness {
    let terminal: MemoryTerminal
    let loop: CommanderLoop
    private let workers: CommanderWorkers

    init(
        local: TemporaryDirectory, server fixture: ServerFixture? = nil, at path: String = "", leftServer: ServerFixture? = nil,
        leftHost: String = "127.0.0.1", options: [String] = [], width: Int = 100, height: Int = 30
    ) throws {
        let mailbox = try Mailbox<LoopMessage>()
        let connection = try ConnectionOptions.parse(options)
        workers = CommanderWorkers(mailbox: mailbox, connection: connection, journalFolder: Journal(directory: local.journalFolder))
        let workers = workers
        func register(_ fixture: ServerFixture, at path: String, host: String = "127.0.0.1") throws -> Location {
            let url = try FTPURL("ftp://\(ServerFixture.user)@\(host):\(fixture.port)/\(path)")
            var endpoint = try connection.endpoint(for: url, interactive: false)
            endpoint.password = ServerFixture.password
            return workers.register(url, endpoint: endpoint)
        }
        let right = try fixture.map { try register($0, at: path) } ?? .local(local.path)
        let left = try leftServer.map { try register($0, at: "", host: leftHost) } ?? .local(local.path)
        terminal = MemoryTerminal(width: width, height: height)
        var state = AppState(left: left, right: right, width: width, height: height, now: Date())
        state.active = fixture == nil ? 0 : 1
        loop = CommanderLoop(state: state, terminal: terminal, theme: .standard, workers: workers, mailbox: mailbox)
        loop.start()
    }

    /// The screen's text.
    var screen: String { terminal.text }

    /// Presses keys, a turn of the loop for each.
    func press(_ keys: Key...) {
        for key in keys {
            terminal.press(key)
            loop.step(maxWait: 0)
        }
    }

    /// Types bytes as a terminal sends them (through the key decoder), then a turn of the loop.
    func type(_ text: String) {
        terminal.type(text)
        loop.step(maxWait: 0)
    }

    /// Turns the loop (up to `timeout` seconds) until `condition` holds for the screen, and
    /// returns the screen; throws with the last screen if it never does.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 20, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(screen) {
            guard Date() < deadline else { throw NeverShown(what: what, screen: screen) }
            loop.step(maxWait: 0.05)
        }
        return screen
    }

    /// Turns the loop until the screen shows `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 20) throws -> String {
        try waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    /// Turns the loop for `seconds`, for work that should not show.
    func idle(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { loop.step(maxWait: 0.05) }
    }

    /// The screen never showed what a test waited for.
    struct NeverShown: Error, CustomStringConvertible {
        let what: String
        let screen: String
        var description: String { "the screen never showed \(what); it shows:\n\(screen)" }
    }
}

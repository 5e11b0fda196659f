import Foundation
import Spawn
import Testing

/// A program running in a real terminal: a detached tmux session, driven with send-keys and read
/// with capture-pane, as a person would use it.
public final class TmuxSession: Sendable {
    public let name: String

    /// Whether tmux is installed.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    }

    /// Whether terminal tests run: when tmux is installed, and always under CI (`CI=true`), where
    /// its absence must fail them. For `.enabled(if:)`, so that elsewhere they show as skipped.
    public static var shouldTest: Bool { isAvailable || TestEnvironment.isCI }

    /// Why terminal tests are skipped, for `.enabled(if:_:)`.
    public static let skipReason: Comment = "needs tmux"

    /// tmux is not installed.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "tmux is not installed" }
    }

    /// Starts `command` (a shell command line) in `directory`, in a `width`×`height` terminal.
    public init(_ command: String, in directory: String, width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        guard Self.isAvailable else { throw Missing() }
        name = "ferry-test-\(UUID().uuidString.prefix(8))"
        let exports = (["LANG": "C.UTF-8", "TERM": "tmux-256color"].merging(environment) { $1 })
            .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
        // The shell stays after the program ends, so the restored terminal can be read. The tmux
        // server passes on the environment of whoever started it: NO_COLOR only when asked for.
        let line = "cd '\(directory)' && env -u NO_COLOR \(exports) \(command); echo FERRY-EXITED-$?; sleep 600"
        let started = try Self.tmux(server: name, ["new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), line])
        guard started.status == .exited(0) else { throw StartFailed(status: started.status) }
    }

    /// tmux could not start the session.
    public struct StartFailed: Error, CustomStringConvertible {
        let status: ChildProcess.Termination
        public var description: String { "tmux new-session failed (\(status))" }
    }

    /// The session's server (one a session, so that none ends while another test starts one)
    /// goes with it.
    deinit { _ = try? Self.tmux(server: name, ["kill-server"]) }

    /// Sends keys in tmux's notation: `Down`, `F5`, `Enter`, `Escape`, or literal text.
    public func send(_ keys: String...) throws {
        try tmux(["send-keys", "-t", name] + keys)
    }

    /// The screen as text; with `escapes`, with the colour and attribute codes.
    public func capture(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-t", name, "-p"] + (escapes ? ["-e"] : []))
    }

    /// Waits (up to `timeout` seconds, polling) until the screen satisfies `condition`, and
    /// returns it; throws with the last screen if it never does.
    @discardableResult
    public func waitFor(_ what: String, timeout: Double = 20, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = try capture()
        while !condition(screen) {
            guard Date() < deadline else { throw ScreenTimeout(what: what, screen: screen) }
            Thread.sleep(forTimeInterval: 0.05)
            screen = try capture()
        }
        return screen
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 20) throws -> String {
        try waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    /// The screen never showed what a test waited for.
    public struct ScreenTimeout: Error, CustomStringConvertible {
        public let what: String
        public let screen: String
        public var description: String { "the screen never showed \(what); it shows:\n\(screen)" }
    }

    /// A tmux format expanded for the pane: `#{alternate_on}`, `#{cursor_flag}`, `#{pane_pid}`.
    public func display(_ format: String) throws -> String {
        try tmux(["display-message", "-p", "-t", name, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    /// Runs tmux on this session's server and returns what it printed.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        try Self.tmux(server: name, arguments).output
    }

    /// Runs tmux on the server of socket name `server` (for at most 20 seconds): what it printed
    /// and how it ended. Output goes through a file: a tmux server started by `new-session`
    /// would hold a pipe open for ever.
    private static func tmux(server: String, _ arguments: [String]) throws -> (output: String, status: ChildProcess.Termination) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess(
            "/usr/bin/env", arguments: ["tmux", "-L", server] + arguments,
            standardInput: .null, standardOutput: .file(output), standardError: .null)
        let status = child.wait(timeout: 20)
        return (String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self), status)
    }
}

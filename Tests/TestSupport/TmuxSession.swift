import Foundation

/// A program running in a real terminal: a detached tmux session, driven with send-keys and read
/// with capture-pane, as a person would use it.
public final class TmuxSession: Sendable {
    public let name: String

    /// Whether tmux is installed.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    }

    /// Starts `command` (a shell command line) in `directory`, in a `width`×`height` terminal.
    public init(_ command: String, in directory: String, width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        name = "ferry-test-\(UUID().uuidString.prefix(8))"
        let exports = (["LANG": "C.UTF-8", "TERM": "tmux-256color"].merging(environment) { $1 })
            .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
        // The shell stays after the program ends, so the restored terminal can be read.
        let line = "cd '\(directory)' && env \(exports) \(command); echo FERRY-EXITED-$?; sleep 600"
        try Self.tmux(["new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), line])
    }

    deinit { try? Self.tmux(["kill-session", "-t", name]) }

    /// Sends keys in tmux's notation: `Down`, `F5`, `Enter`, `Escape`, or literal text.
    public func send(_ keys: String...) throws {
        try Self.tmux(["send-keys", "-t", name] + keys)
    }

    /// The screen as text; with `escapes`, with the colour and attribute codes.
    public func capture(escapes: Bool = false) throws -> String {
        try Self.tmux(["capture-pane", "-t", name, "-p"] + (escapes ? ["-e"] : []))
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

    public func resize(width: Int, height: Int) throws {
        try Self.tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    /// Runs tmux and returns what it printed. Only `capture-pane` output is read: a tmux server
    /// started by `new-session` would hold a pipe open for ever.
    @discardableResult
    private static func tmux(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux"] + arguments
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard arguments.first == "capture-pane" else {
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return ""
        }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

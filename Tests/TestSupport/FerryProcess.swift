import Foundation
import Spawn

/// What a program that ran to its end printed, and how it ended.
public struct ProgramResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String

    /// Standard error without ferry's warning of a password in a URL, which every run given a
    /// URL with a password prints (as the tests' URLs have one).
    public var standardErrorBesidesPasswordWarning: String {
        standardError.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("ferry: warning: a password in a URL") }
            .joined(separator: "\n")
    }
}

/// Runs programs for tests, each bounded by a timeout: standard output and error go to files
/// (a pipe would wait for every process that inherited it), and the child is reaped by its id.
public enum Program {
    /// Runs `executable` with `arguments` in `directory`, killing it after `timeout` seconds.
    /// `HOME` is the directory (or the temporary folder), `XDG_STATE_HOME` a folder beside it,
    /// and `FERRY_PASSWORD` is unset unless `environment` says otherwise.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        timeout: Double = 120
    ) throws -> ProgramResult {
        let output = try TemporaryDirectory("ferry-output")
        defer { output.remove() }
        let child = try start(
            executable, arguments, in: directory, environment: environment,
            standardOutput: output.file("stdout"), standardError: output.file("stderr"))
        let status = child.wait(timeout: timeout).status
        return ProgramResult(
            status: status,
            standardOutput: String(decoding: output.read("stdout") ?? Data(), as: UTF8.self),
            standardError: String(decoding: output.read("stderr") ?? Data(), as: UTF8.self))
    }

    /// Starts `executable` in `directory` with its output going to the given files (and its
    /// input coming from `standardInput`, else from /dev/null); the caller waits for it.
    public static func start(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        standardInput: String? = nil, standardOutput: String, standardError: String
    ) throws -> ChildProcess {
        var merged = ProcessInfo.processInfo.environment
        merged["HOME"] = directory ?? NSTemporaryDirectory()
        // The journal goes beside the folder, not into it: tests check what a command wrote there.
        merged["XDG_STATE_HOME"] = directory.map(TemporaryDirectory.stateFolder(of:)) ?? NSTemporaryDirectory() + "/ferry-test-state"
        merged.removeValue(forKey: "FERRY_PASSWORD")
        for (key, value) in environment { merged[key] = value }
        // posix_spawn cannot change the folder: a shell does, then becomes the program.
        return try ChildProcess(
            "/bin/sh", arguments: ["-c", #"cd -- "$1" && shift && exec "$@""#, "sh", directory ?? ".", executable] + arguments,
            environment: merged, standardInput: standardInput.map { .file($0) } ?? .null, standardOutput: .file(standardOutput), standardError: .file(standardError))
    }
}

/// Runs the `ferry` executable that was built beside the test bundle.
public enum FerryProcess {
    /// The binary: `$FERRY_BIN`, else `ferry` next to the running test executable.
    public static var executable: String {
        if let override = ProcessInfo.processInfo.environment["FERRY_BIN"] { return override }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
        // On Linux the test runner may sit inside a `.xctest` bundle folder.
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("ferry").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("ferry").path
    }

    /// Runs `ferry` with `arguments` in `directory`, waiting at most `timeout` seconds.
    public static func run(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], timeout: Double = 120
    ) throws -> ProgramResult {
        try Program.run(executable, arguments, in: directory, environment: environment, timeout: timeout)
    }
}

import Foundation

/// The result of running the `ferry` binary.
public struct FerryResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
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
    ) throws -> FerryResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["HOME"] = directory ?? NSTemporaryDirectory()
        merged.removeValue(forKey: "FERRY_PASSWORD")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = Collector(output.fileHandleForReading)
        let errorData = Collector(error.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return FerryResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData.wait(), as: UTF8.self),
            standardError: String(decoding: errorData.wait(), as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own, so a chatty child never blocks on a full pipe.
private final class Collector: @unchecked Sendable {
    // @unchecked: `data` is written by the reading thread before `done` is signalled and read after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

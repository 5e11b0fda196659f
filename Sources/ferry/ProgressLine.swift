import Foundation
import FTPWire
import Synchronization
import Transfers

/// The live progress line on standard error, drawn only on a terminal, at most ten times a
/// second, and silent with `--no-progress`. With one connection it shows the file: name,
/// percent, bytes, rate, ETA, and each file keeps its line. With several it is one line for the
/// batch: files done, files running, bytes and rate.
final class ProgressLine: Sendable {
    private let enabled: Bool
    private let files: Int
    private let workers: Int
    private let state = Mutex(State())

    private struct State {
        var lastDraw = Date.distantPast
        var drawn = false
        let start = Date()
        /// The running files by worker, with when their attempt started.
        var running: [Int: (progress: TransferProgress, attemptStart: Date)] = [:]
        var filesDone = 0
        /// Bytes moved in this run by files that ended.
        var bytesDone: UInt64 = 0
    }

    init(enabled: Bool, files: Int = 1, workers: Int = 1) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
        self.files = files
        self.workers = workers
    }

    /// Notes `progress` of the file `worker` transfers, and redraws unless the line was drawn less
    /// than 0.1 s ago and the file is not done.
    func update(_ progress: TransferProgress, worker: Int) {
        guard enabled else { return }
        state.withLock { state in
            let now = Date()
            let attemptStart = progress.completedBytes == progress.resumedFrom ? now : state.running[worker]?.attemptStart ?? now
            state.running[worker] = (progress, attemptStart)
            let finished = progress.totalBytes.map { progress.completedBytes >= $0 } ?? false
            guard finished || now.timeIntervalSince(state.lastDraw) >= 0.1 else { return }
            draw(workers == 1 ? Self.fileLine(progress, since: attemptStart, now: now) : batchLine(state, now: now), in: &state)
        }
    }

    private func draw(_ text: String, in state: inout State) {
        state.lastDraw = Date()
        state.drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    /// Notes that the file `worker` transferred ended, well or not.
    func fileEnded(worker: Int) {
        state.withLock { state in
            if let (progress, _) = state.running.removeValue(forKey: worker) {
                state.bytesDone = Formatting.sum(state.bytesDone, progress.completedBytes - min(progress.completedBytes, progress.resumedFrom))
            }
            state.filesDone += 1
            if workers == 1 {
                Self.endLine(&state)
            } else if state.drawn {
                draw(batchLine(state, now: Date()), in: &state)
            }
        }
    }

    /// Prints a message on standard error on a line of its own, ending the progress line first.
    func say(_ message: String) {
        state.withLock { state in
            Self.endLine(&state)
            printError(message)
        }
    }

    /// Ends the line at the end of the batch.
    func end() {
        state.withLock { Self.endLine(&$0) }
    }

    private static func endLine(_ state: inout State) {
        guard state.drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        state.drawn = false
    }

    /// `name  42%  1.5 MiB/3.6 MiB  800 KiB/s  ETA 0:03`.
    private static func fileLine(_ progress: TransferProgress, since attemptStart: Date, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(attemptStart), 0.001)
        let rate = Double(progress.completedBytes - min(progress.completedBytes, progress.resumedFrom)) / elapsed
        var parts = [Formatting.clip(Sanitizer.visible(progress.name), to: 30)]
        if let total = progress.totalBytes, total > 0 {
            parts.append(String(format: "%3d%%", Int(Double(min(progress.completedBytes, total)) * 100 / Double(total))))
            parts.append("\(Formatting.bytes(progress.completedBytes))/\(Formatting.bytes(total))")
        } else {
            parts.append(Formatting.bytes(progress.completedBytes))
        }
        parts.append("\(Formatting.rate(rate))/s")
        let finished = progress.totalBytes.map { progress.completedBytes >= $0 } ?? false
        if let total = progress.totalBytes, rate > 0, !finished {
            parts.append("ETA " + Formatting.duration(Double(total - min(total, progress.completedBytes)) / rate))
        }
        return parts.joined(separator: "  ")
    }

    /// `12/40 files  3 running  45 MiB  5.1 MiB/s`.
    private func batchLine(_ state: State, now: Date) -> String {
        let running = state.running.values.reduce(UInt64(0)) { Formatting.sum($0, $1.progress.completedBytes - min($1.progress.completedBytes, $1.progress.resumedFrom)) }
        let moved = Formatting.sum(state.bytesDone, running)
        let rate = Double(moved) / max(now.timeIntervalSince(state.start), 0.001)
        return "\(state.filesDone)/\(files) files  \(state.running.count) running  \(Formatting.bytes(moved))  \(Formatting.rate(rate))/s"
    }
}

/// Human-readable sizes, times and names.
enum Formatting {
    /// `1.5 MiB`, `512 B`.
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// A rate in bytes per second as `bytes` shows sizes; one no UInt64 holds is the largest.
    static func rate(_ bytesPerSecond: Double) -> String {
        bytes(bytesPerSecond.isNaN || bytesPerSecond >= 18_446_744_073_709_551_615.0 ? .max : UInt64(max(0, bytesPerSecond)))
    }

    /// The sum of two byte counts, stopping at the largest UInt64 rather than trap.
    static func sum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (total, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : total
    }

    /// `1:05` or `2:03:04`; at most 99:59:59.
    static func duration(_ seconds: Double) -> String {
        let total = seconds.isNaN ? 0 : Int(min(max(seconds, 0), 359_999).rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }

    /// The text cut to `width` characters with an ellipsis.
    static func clip(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}

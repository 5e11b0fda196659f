import Foundation
import Net
import FTPWire
import Transfers

/// The live progress line on standard error, drawn only on a terminal, at most ten times a
/// second, and silent with `--no-progress`. With one connection it shows the file: name,
/// percent, bytes, smoothed rate, ETA (from the engine's `ProgressMeter`), and each file keeps
/// its line. With several it is one line for the batch: files done, files running, bytes and rate.
final class ProgressLine: Sendable {
    private let enabled: Bool
    private let files: Int
    private let workers: Int
    private let state = Locked(State())

    private struct State {
        var lastDraw = Date.distantPast
        var drawn = false
        let start = Date()
        /// The running files by transfer, with the meter of each.
        var running: [Int: (progress: TransferProgress, meter: ProgressMeter)] = [:]
        var filesDone = 0
        /// Bytes moved in this run by files that ended.
        var bytesDone: UInt64 = 0
    }

    init(enabled: Bool, files: Int = 1, workers: Int = 1) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
        self.files = files
        self.workers = workers
    }

    /// Notes `progress` of the transfer `id`, and redraws: with one connection when its meter
    /// reports (ten times a second, and at the end), with several at most ten times a second.
    func update(_ progress: TransferProgress, id: Int) {
        guard enabled else { return }
        state.withLock { state in
            var meter = state.running[id]?.meter ?? ProgressMeter()
            let report = meter.update(progress)
            state.running[id] = (progress, meter)
            if workers == 1 {
                if let report { draw(Self.fileLine(report), in: &state) }
            } else if Date().timeIntervalSince(state.lastDraw) >= ProgressMeter.interval {
                draw(batchLine(state, now: Date()), in: &state)
            }
        }
    }

    private func draw(_ text: String, in state: inout State) {
        state.lastDraw = Date()
        state.drawn = true
        StandardStream.error.write("\r\u{1B}[K" + text)
    }

    /// Notes that the transfer `id` ended, well or not.
    func fileEnded(id: Int) {
        state.withLock { state in
            if let (progress, _) = state.running.removeValue(forKey: id) {
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
        StandardStream.error.write("\n")
        state.drawn = false
    }

    /// `name  42%  1.5 MiB/3.6 MiB  800 KiB/s  ETA 0:03`.
    private static func fileLine(_ report: ProgressMeter.Report) -> String {
        var parts = [Formatting.clip(Sanitizer.visible(report.name), to: 30)]
        if let total = report.total, total > 0 {
            let percent = Int(Double(min(report.bytes, total)) * 100 / Double(total))
            parts.append(String(format: "%3d%%", percent))
            parts.append("\(Formatting.bytes(report.bytes))/\(Formatting.bytes(total))")
        } else {
            parts.append(Formatting.bytes(report.bytes))
        }
        parts.append(Formatting.rate(report.bytesPerSecond))
        if let left = report.secondsLeft, report.bytes < report.total ?? 0 { parts.append("ETA " + Formatting.duration(left)) }
        return parts.joined(separator: "  ")
    }

    /// `12/40 files  3 running  45 MiB  5.1 MiB/s`.
    private func batchLine(_ state: State, now: Date) -> String {
        let running = state.running.values.reduce(UInt64(0)) { Formatting.sum($0, $1.progress.completedBytes - min($1.progress.completedBytes, $1.progress.resumedFrom)) }
        let moved = Formatting.sum(state.bytesDone, running)
        let rate = Double(moved) / max(now.timeIntervalSince(state.start), 0.001)
        return "\(state.filesDone)/\(files) files  \(state.running.count) running  \(Formatting.bytes(moved))  \(Formatting.rate(rate))"
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

    /// `800 KiB/s`; a rate no UInt64 holds is the largest, and anything not a number is 0.
    static func rate(_ bytesPerSecond: Double) -> String {
        let whole = bytesPerSecond.isNaN ? 0 : bytesPerSecond >= 18_446_744_073_709_551_615.0 ? .max : UInt64(max(0, bytesPerSecond))
        return bytes(whole) + "/s"
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

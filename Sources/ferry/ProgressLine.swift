import Foundation
import FTPWire
import Transfers

/// The live progress line on standard error: file, bytes, rate, ETA. Drawn only on a terminal,
/// at most ten times a second; silent with `--no-progress`.
final class ProgressLine {
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private var attemptStart = Date()
    private var drawn = false

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    /// Shows `progress`, unless the line was drawn less than 0.1 s ago and the file is not done.
    func update(_ progress: TransferProgress) {
        guard enabled else { return }
        let now = Date()
        if progress.completedBytes == progress.resumedFrom { attemptStart = now }
        let finished = progress.totalBytes.map { progress.completedBytes >= $0 } ?? false
        guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        drawn = true
        let elapsed = max(now.timeIntervalSince(attemptStart), 0.001)
        let rate = Double(progress.completedBytes - progress.resumedFrom) / elapsed
        var parts = [Formatting.clip(Sanitizer.visible(progress.name), to: 30)]
        if let total = progress.totalBytes, total > 0 {
            parts.append(String(format: "%3d%%", Int(Double(progress.completedBytes) * 100 / Double(total))))
            parts.append("\(Formatting.bytes(progress.completedBytes))/\(Formatting.bytes(total))")
        } else {
            parts.append(Formatting.bytes(progress.completedBytes))
        }
        parts.append("\(Formatting.bytes(UInt64(rate)))/s")
        if let total = progress.totalBytes, rate > 0, !finished {
            parts.append("ETA " + Formatting.duration(Double(total - min(total, progress.completedBytes)) / rate))
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + parts.joined(separator: "  ")).utf8))
    }

    /// Ends the line, so that what follows starts on a new one.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drawn = false
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

    /// `1:05` or `2:03:04`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(min(seconds, 359_999).rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }

    /// The text cut to `width` characters with an ellipsis.
    static func clip(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}

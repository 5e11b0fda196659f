import Foundation

/// Turns a transfer's progress callbacks into reports of bytes, a smoothed rate and the time
/// left, at most about ten a second (and always when the file is complete), so that a progress
/// bar moves evenly and the callback costs nothing between reports.
public struct ProgressMeter: Sendable {
    /// One report.
    public struct Report: Sendable, Equatable {
        /// The file's name.
        public var name: String
        /// Bytes at the destination, counting those there before a resume.
        public var bytes: UInt64
        /// The file's size, when known.
        public var total: UInt64?
        /// The rate, smoothed over the last seconds.
        public var bytesPerSecond: Double
        /// The time left at that rate, when the size is known and bytes move.
        public var secondsLeft: Double?
    }

    /// The shortest time between two reports.
    public static let interval = 0.1
    /// How long the rate remembers: a change of pace shows in about this many seconds.
    public static let smoothing = 2.0

    private var lastTime: Double?
    private var lastBytes: UInt64 = 0
    private var rate = 0.0

    public init() {}

    /// The report for `progress`, or nil when the last one was less than `interval` ago and the
    /// file is not complete. `now` is in seconds on any steady clock.
    public mutating func update(_ progress: TransferProgress, now: Double = ProgressMeter.now()) -> Report? {
        let complete = progress.totalBytes.map { progress.completedBytes >= $0 } ?? false
        guard let lastTime else {
            // The first call of an attempt: bytes already there (a resume) are not counted as moved.
            self.lastTime = now
            lastBytes = progress.completedBytes
            return report(progress)
        }
        let elapsed = now - lastTime
        guard complete || elapsed >= Self.interval - 1e-6 else { return nil }
        if progress.completedBytes < lastBytes || progress.completedBytes == progress.resumedFrom {
            // A new attempt began: measure afresh.
            lastBytes = progress.completedBytes
        }
        if elapsed > 0 {
            let current = Double(progress.completedBytes - lastBytes) / elapsed
            let weight = 1 - exp(-elapsed / Self.smoothing)
            rate = rate == 0 ? current : rate + weight * (current - rate)
        }
        self.lastTime = now
        lastBytes = progress.completedBytes
        return report(progress)
    }

    private func report(_ progress: TransferProgress) -> Report {
        var secondsLeft: Double?
        if let total = progress.totalBytes, rate > 0 {
            secondsLeft = Double(total - min(total, progress.completedBytes)) / rate
        }
        return Report(
            name: progress.name, bytes: progress.completedBytes, total: progress.totalBytes, bytesPerSecond: rate, secondsLeft: secondsLeft)
    }

    /// Seconds on the system's steady clock.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

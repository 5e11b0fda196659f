import Foundation

/// The size and modification time a transfer's source had when its job began writing the
/// destination. Partial bytes at the destination belong to that source only while its size and
/// time are still these: anything else starts again from byte 0.
public struct SourceStamp: Codable, Sendable, Equatable {
    /// The size in bytes, where known.
    public var size: UInt64?
    /// Whole seconds since 1970, where known.
    public var modified: Int64?

    public init(size: UInt64?, modified: Int64?) {
        self.size = size
        self.modified = modified
    }

    /// The stamp of a size and a time from a server or the disk; a time too far out to count
    /// in seconds is left out.
    public init(size: UInt64?, modified date: Date?) {
        self.init(size: size, modified: date.flatMap { Int64(exactly: $0.timeIntervalSince1970.rounded(.down)) })
    }

    /// The stamp of a local file, following links; nil when it cannot be read.
    public init?(localPath: String) {
        var status = stat()
        guard stat(localPath, &status) == 0 else { return nil }
        self.init(size: UInt64(clamping: status.st_size), modified: Int64(status.st_mtim.tv_sec))
    }

    /// Whether it says enough to recognise a source again: at least its size.
    public var identifies: Bool { size != nil }
}

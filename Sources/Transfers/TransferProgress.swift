/// How far one file's transfer has got.
public struct TransferProgress: Sendable, Equatable {
    /// The file's name, for display.
    public var name: String
    /// Bytes of the file now at the destination, counting those there before a resume.
    public var completedBytes: UInt64
    /// The file's size, when known.
    public var totalBytes: UInt64?
    /// Bytes that were already at the destination when this attempt started.
    public var resumedFrom: UInt64

    public init(name: String, completedBytes: UInt64, totalBytes: UInt64?, resumedFrom: UInt64 = 0) {
        self.name = name
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
        self.resumedFrom = resumedFrom
    }
}

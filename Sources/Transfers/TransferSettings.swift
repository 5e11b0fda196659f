import FTP
import FTPWire

/// How one transfer runs, whichever way it goes: whether it may continue, from whose bytes,
/// verified or not, in which mode, in blocks of what size, and held to what rate.
public struct TransferSettings: Sendable {
    /// Whether to continue what the destination holds (`-c`). Retries always continue; either
    /// only continues bytes that `ownedStamp` vouches for.
    public var continues: Bool
    /// The source's stamp for which a Ferry job wrote the destination (from the journal); nil
    /// when no job is known to have written it.
    public var ownedStamp: SourceStamp?
    /// Whether to compare the server's digest of the file, where it offers one.
    public var verifies: Bool
    /// Binary, or ASCII with line endings converted.
    public var transferType: FTPClient.TransferType
    /// Bytes per read or write on the network.
    public var blockSize: Int
    /// The bucket that holds this transfer (with the others of its command) to a rate; nil for none.
    public var rateLimiter: RateLimiter?

    /// The block size, smaller while a rate limit holds the transfer back, so that it moves evenly.
    var effectiveBlockSize: Int { rateLimiter?.blockSize(atMost: blockSize) ?? blockSize }

    public init(
        continues: Bool = false, ownedStamp: SourceStamp? = nil, verifies: Bool = true, transferType: FTPClient.TransferType = .binary,
        blockSize: Int = FTPClient.defaultBlockSize, rateLimiter: RateLimiter? = nil
    ) {
        self.continues = continues
        self.ownedStamp = ownedStamp
        self.verifies = verifies
        self.transferType = transferType
        self.blockSize = blockSize
        self.rateLimiter = rateLimiter
    }
}

import FTPWire
import Net

extension FTPClient {
    /// The block size transfers use unless told otherwise: large enough that per-call costs
    /// vanish at loopback speeds, small enough to keep memory flat.
    public static let defaultBlockSize = 256 * 1024

    /// Downloads a file (RETR), handing each chunk to `onChunk` as it arrives.
    ///
    /// - Parameters:
    ///   - offset: where to start, for resuming (sent as REST); 0 for the whole file.
    ///   - blockSize: the most bytes handed over in one chunk.
    ///   - digest: the digest the caller will ask for next (`digest(of:using:size:)`), if any:
    ///     while pipelining, it is requested as soon as the data has arrived, together with
    ///     `upcomingRetrieval`, and its reply read when asked for.
    ///   - onChunk: receives the bytes; valid only during the call. Throwing from it aborts the
    ///     transfer (ABOR) and the error is rethrown once the control connection is in step.
    /// In ASCII mode CRLF line endings arrive as LF.
    public func retrieve(
        _ path: RemotePath, offset: UInt64 = 0, blockSize: Int = FTPClient.defaultBlockSize, digest: DigestCommand? = nil,
        onChunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        // No gathering: each chunk is handed over as it comes.
        let retrieval = try beginRetrieval(path, offset: offset, digest: digest, gathering: 0)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, blockSize), alignment: 16)
        defer { buffer.deallocate() }
        try guarded {
            do {
                while true {
                    let count = try retrieval.read(into: buffer)
                    if count == 0 { return }
                    try onChunk(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                }
            } catch {
                // Thrown by `onChunk`: ABOR. A failed read has put the connection in step itself.
                retrieval.abandon()
                throw error
            }
        }
    }

    /// Uploads a file (STOR), pulling its bytes from `read` until it returns 0.
    ///
    /// - Parameters:
    ///   - offset: where the server should start writing, for resuming (sent as REST); `read`
    ///     must then produce the bytes from that offset on.
    ///   - asksSize: whether the caller will ask the file's SIZE next, and `digest` the digest
    ///     it will ask for then (`digest(of:using:size:)`): while pipelining, both are requested
    ///     in one write as soon as the closing reply says the server has the file, and their
    ///     replies read when asked for.
    ///   - read: fills the buffer and returns the count, 0 at the end. Throwing from it
    ///     aborts the transfer.
    ///   - onProgress: told the number of bytes of each block sent.
    /// In ASCII mode LF line endings are sent as CRLF.
    public func store(
        _ path: RemotePath, offset: UInt64 = 0, blockSize: Int = FTPClient.defaultBlockSize, asksSize: Bool = false, digest: DigestCommand? = nil,
        from read: (UnsafeMutableRawBufferPointer) throws -> Int, onProgress: (Int) -> Void = { _ in }
    ) throws {
        try guarded {
            try upload(FTPCommand("STOR", path: path), offset: offset, blockSize: blockSize, from: read, onProgress: onProgress)
            try sendAhead(afterStoring: path, size: asksSize, digest: digest)
        }
    }

    /// Appends to a file (APPE), pulling bytes from `read` until it returns 0.
    public func append(
        _ path: RemotePath, blockSize: Int = FTPClient.defaultBlockSize,
        from read: (UnsafeMutableRawBufferPointer) throws -> Int, onProgress: (Int) -> Void = { _ in }
    ) throws {
        try guarded {
            try upload(FTPCommand("APPE", path: path), offset: 0, blockSize: blockSize, from: read, onProgress: onProgress)
        }
    }

    /// Sends ABOR outside a transfer and reads the replies, like ftplib's `abort`. During a
    /// transfer, throw from its callback instead.
    public func abort() throws {
        try guarded {
            let command = try FTPCommand("ABOR")
            try sendSettlingAhead([command])
            var reply = try control.readReply(to: command)
            if reply.code == .transferAborted { reply = try control.readReply(to: command) }
            guard [ReplyCode.dataConnectionOpen, .closingDataConnection, .transferAborted].contains(reply.code)
                    || reply.code.kind == .positiveCompletion
            else { throw FTPError.unexpected(reply, to: command) }
        }
    }

    /// Reads a data connection to its end into a buffer of `blockSize` bytes, handing each chunk
    /// read to `onChunk`, then reads the transfer's closing reply, which it returns: for
    /// listings, which keep a pace of their own (`ListingPace`); files are read with `Retrieval`.
    func receive(
        _ transfer: OpenTransfer, blockSize: Int, onChunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Reply {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, blockSize), alignment: 16)
        defer { buffer.deallocate() }
        var pace = DataPace(window: .infinity)
        do {
            while true {
                let count = try readData(of: transfer, into: buffer, pace: &pace)
                if count == 0 { break }
                try onChunk(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        } catch {
            throw failedTransfer(transfer, error, pace: pace)
        }
        return try closeDrained(transfer, whenDrained: {})
    }

    /// One read from a transfer's data connection, its wait counted by `pace`; 0 at the end.
    func readData(of transfer: OpenTransfer, into space: UnsafeMutableRawBufferPointer, pace: inout DataPace) throws -> Int {
        let asked = ContinuousClock.now
        let count = try FTPError.converting { try transfer.transport.read(into: space) }
        try pace.moved(count, waitingSince: asked, in: transfer.command)
        return count
    }

    /// Ends a download whose data connection was read to its end: notes how its TLS ended,
    /// runs `whenDrained` (which may send commands ahead), then reads the closing reply, which
    /// it returns.
    func closeDrained(_ transfer: OpenTransfer, whenDrained: () throws -> Void) throws -> Reply {
        dataEndedWithoutCloseNotify = (transfer.transport as? TLSStream)?.endedWithoutCloseNotify == true
        do {
            try whenDrained()
        } catch {
            closeData(transfer.transport)
            throw error
        }
        let closing = try finishTransfer(transfer)
        connectAheadIfAnswered()
        return closing
    }

    private func upload(
        _ command: FTPCommand, offset: UInt64, blockSize: Int,
        from read: (UnsafeMutableRawBufferPointer) throws -> Int, onProgress: (Int) -> Void
    ) throws {
        let transfer = try openTransfer(command, offset: offset, type: transferType)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, blockSize), alignment: 16)
        defer { buffer.deallocate() }
        var lineEndings = transferType == .ascii ? LineEndingEncoder() : nil
        var pace = DataPace(window: options.effectiveReplyDeadline)
        do {
            while true {
                let count = try read(buffer)
                if count == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<min(count, buffer.count)])
                let offered = ContinuousClock.now
                if lineEndings == nil {
                    try FTPError.converting { try transfer.transport.write(chunk) }
                } else {
                    try FTPError.converting { try transfer.transport.write(lineEndings?.encode(chunk) ?? []) }
                }
                try pace.moved(chunk.count, waitingSince: offered, in: transfer.command)
                onProgress(chunk.count)
            }
        } catch {
            throw failedTransfer(transfer, error, pace: pace)
        }
        try finishTransfer(transfer)
    }

    /// Cleans up after a transfer that broke on either side and picks the error to report:
    /// `pace`'s verdict when it found the data too slow, else the server's own reply when it
    /// explains the break, else the local error.
    func failedTransfer(_ transfer: OpenTransfer, _ error: any Error, pace: DataPace) -> any Error {
        guard let ftpError = error as? FTPError, ftpError.kind == .connection || ftpError.kind == .timeout else {
            abandonTransfer(transfer)
            return error
        }
        // The data connection broke: the server usually says why on the control connection.
        closeData(transfer.transport)
        let reply = try? control.readReply(to: transfer.command)
        // Too slow is the client's verdict: the server's 426 for the connection closed under it
        // says nothing of why.
        if let verdict = pace.verdict { return verdict }
        if let reply, reply.code.kind != .positiveCompletion { return FTPError.unexpected(reply, to: transfer.command) }
        return error
    }
}

/// How slowly a transfer's data may move. Each read and write is bounded by the timeout, but a
/// server that moves a byte every few seconds would keep a transfer going for ever. Only the
/// time spent waiting for the connection counts — not a pause, a rate limit or the disk, which
/// leave it idle — and every `window` seconds of it (the reply deadline) must move at least
/// `minimumBytes`: any real link does (1 KiB in two minutes by default), a trickle does not.
struct DataPace {
    /// The bytes each window of waiting must move.
    static let minimumBytes = 1024
    /// Seconds of waiting per window.
    let window: Double
    /// The error `moved` threw, once it threw one.
    private(set) var verdict: FTPError?
    private var waited: Duration = .zero
    private var bytes = 0

    init(window: Double) { self.window = window }

    /// Counts `count` bytes moved by a read or write that began at `start`; throws a timeout
    /// when a whole window of waiting moved too few.
    mutating func moved(_ count: Int, waitingSince start: ContinuousClock.Instant, in command: FTPCommand) throws {
        waited += ContinuousClock.now - start
        bytes += count
        let seconds = waited.inSeconds
        guard seconds >= window else { return }
        guard bytes >= Self.minimumBytes else {
            let slow = FTPError(
                kind: .timeout, command: command.verb,
                detail: "the data moves too slowly (\(bytes) bytes in \(formatSeconds(seconds)) of waiting); given up")
            verdict = slow
            throw slow
        }
        waited = .zero
        bytes = 0
    }
}

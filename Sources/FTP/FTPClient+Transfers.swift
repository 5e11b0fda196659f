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
        try guarded {
            if upcomingRetrieval?.path == path { upcomingRetrieval = nil }
            let transfer = try openTransfer(FTPCommand("RETR", path: path), offset: offset, type: transferType)
            var lineEndings = transferType == .ascii ? LineEndingDecoder() : nil
            try receive(transfer, blockSize: blockSize, whenDrained: { try sendAhead(afterRetrieving: path, digest: digest) }) { chunk in
                if lineEndings == nil { return try onChunk(chunk) }
                try lineEndings?.decode(chunk, into: onChunk)
            }
            try lineEndings?.finish(into: onChunk)
        }
    }

    /// Downloads a file (RETR) into memory the caller lends (`ReceivingBuffer`), as
    /// `retrieve(_:offset:blockSize:digest:onChunk:)` does, but with the bytes read from the
    /// connection straight into it: no copy from a buffer of the client's. In ASCII mode, whose
    /// line endings change on the way, the converted bytes are copied into it.
    public func retrieve(_ path: RemotePath, offset: UInt64 = 0, digest: DigestCommand? = nil, into buffer: some ReceivingBuffer) throws {
        guard transferType == .binary else {
            try retrieve(path, offset: offset, digest: digest) { chunk in
                var copied = 0
                while copied < chunk.count {
                    let space = try buffer.space()
                    let count = min(space.count, chunk.count - copied)
                    UnsafeMutableRawBufferPointer(rebasing: space[0..<count])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: chunk[copied..<copied + count]))
                    try buffer.received(count)
                    copied += count
                }
            }
            return
        }
        try guarded {
            if upcomingRetrieval?.path == path { upcomingRetrieval = nil }
            let transfer = try openTransfer(FTPCommand("RETR", path: path), offset: offset, type: transferType)
            try receive(transfer, whenDrained: { try sendAhead(afterRetrieving: path, digest: digest) }, into: buffer)
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

    /// Reads a data connection to its end into `buffer`, runs `whenDrained` (which may send
    /// commands ahead), then reads the transfer's closing reply. A trickle is given up on
    /// (`DataPace`) unless the caller keeps a pace of its own (`paced: false`, as listings do);
    /// the time `buffer` takes to give room is not the connection's. Returns the closing reply.
    @discardableResult
    func receive(_ transfer: OpenTransfer, paced: Bool = true, whenDrained: () throws -> Void = {}, into buffer: some ReceivingBuffer) throws -> Reply {
        var pace = DataPace(window: paced ? options.effectiveReplyDeadline : .infinity)
        do {
            while true {
                let space = try buffer.space()
                // A read into no room gives 0, which would pass for the end of the file.
                precondition(!space.isEmpty, "a ReceivingBuffer gave no room")
                let asked = ContinuousClock.now
                let count = try FTPError.converting { try transfer.transport.read(into: space) }
                try pace.moved(count, waitingSince: asked, in: transfer.command)
                if count == 0 { break }
                try buffer.received(count)
            }
        } catch {
            let reported = failedTransfer(transfer, error)
            // Too slow is the client's verdict: the server's 426 for the connection closed
            // under it says nothing of why.
            throw pace.verdict ?? reported
        }
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

    /// `receive(_:paced:whenDrained:into:)` into a buffer of `blockSize` bytes of its own, each
    /// chunk read handed to `onChunk`.
    @discardableResult
    func receive(
        _ transfer: OpenTransfer, blockSize: Int, paced: Bool = true, whenDrained: () throws -> Void = {},
        onChunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Reply {
        try withoutActuallyEscaping(onChunk) { onChunk in
            try receive(transfer, paced: paced, whenDrained: whenDrained, into: ChunkHandout(blockSize: blockSize, onChunk: onChunk))
        }
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
            let reported = failedTransfer(transfer, error)
            throw pace.verdict ?? reported
        }
        try finishTransfer(transfer)
    }

    /// Cleans up after a transfer that broke on either side and picks the error to report: the
    /// server's own reply when it explains the break, else the local error.
    private func failedTransfer(_ transfer: OpenTransfer, _ error: any Error) -> any Error {
        if let ftpError = error as? FTPError, ftpError.kind == .connection || ftpError.kind == .timeout {
            // The data connection broke: the server usually says why on the control connection.
            closeData(transfer.transport)
            if let reply = try? control.readReply(to: transfer.command), reply.code.kind != .positiveCompletion {
                return FTPError.unexpected(reply, to: transfer.command)
            }
            return error
        }
        abandonTransfer(transfer)
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
        let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
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

/// Memory a download's bytes are read into, lent by the caller of
/// `FTPClient.retrieve(_:offset:digest:into:)`, so that they go from the connection straight to
/// where the caller keeps them.
public protocol ReceivingBuffer: AnyObject {
    /// Memory for the next bytes, at least one byte (none is a programming error); it may wait
    /// for room. Throwing aborts the
    /// transfer (ABOR), and the error is rethrown once the control connection is in step.
    func space() throws -> UnsafeMutableRawBufferPointer
    /// `count` bytes (one or more) were read into the start of the memory `space` gave last.
    func received(_ count: Int) throws
}

/// One buffer of the client's own, each chunk read into it handed on.
private final class ChunkHandout: ReceivingBuffer {
    private let buffer: UnsafeMutableRawBufferPointer
    private let onChunk: (UnsafeRawBufferPointer) throws -> Void

    init(blockSize: Int, onChunk: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        buffer = .allocate(byteCount: max(1, blockSize), alignment: 16)
        self.onChunk = onChunk
    }

    deinit { buffer.deallocate() }

    func space() -> UnsafeMutableRawBufferPointer { buffer }

    func received(_ count: Int) throws {
        try onChunk(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}

import FTPWire
import Net

extension FTPClient {
    /// Begins a download (RETR) that the caller reads itself, on its own thread, a buffer at a
    /// time (`Retrieval`): in binary mode the bytes go from the data connection straight into
    /// the caller's memory, with neither a thread nor a copy between. The client is the
    /// retrieval's until it has been read to its end, has failed or has been abandoned.
    ///
    /// - Parameters:
    ///   - offset: where to start, for resuming (sent as REST); 0 for the whole file.
    ///   - digest: the digest the caller will ask for next, sent ahead as with
    ///     `retrieve(_:offset:blockSize:digest:onChunk:)`.
    ///   - gathering: how long a read waits for more bytes once some came (see `Retrieval.read`).
    /// Returns once the server accepted the transfer; its refusal is thrown here.
    public func beginRetrieval(
        _ path: RemotePath, offset: UInt64 = 0, digest: DigestCommand? = nil, gathering: Double = Retrieval.gatheringTime
    ) throws -> Retrieval {
        try guarded {
            if upcomingRetrieval?.path == path { upcomingRetrieval = nil }
            let transfer = try openTransfer(FTPCommand("RETR", path: path), offset: offset, type: transferType)
            return Retrieval(client: self, transfer: transfer, path: path, digest: digest, gathering: gathering)
        }
    }
}

/// A download whose caller reads it (`FTPClient.beginRetrieval`): each `read` reads the data
/// connection into the caller's buffer, and the one that finds its end reads the closing reply
/// (sending the next requests ahead first, where the client pipelines). A download given up
/// before its end is `abandon`ed (ABOR). A trickle is given up on as `FTPClient.retrieve` gives
/// it up (`DataPace`); the time the caller spends between reads is not the connection's. In
/// ASCII mode CRLF line endings arrive as LF, converted in a buffer of the retrieval's own.
public final class Retrieval {
    /// How long a read waits for more bytes once some came, unless told otherwise: writes to
    /// the disk then come in whole blocks from a fast connection (and go to it directly), and a
    /// slow one still gives what came within that time.
    public static let gatheringTime = 0.02

    private let client: FTPClient
    private let transfer: FTPClient.OpenTransfer
    private let path: RemotePath
    private let digest: DigestCommand?
    private let gathering: Double
    private var pace: DataPace
    private var state = State.reading
    /// In ASCII mode: the line endings (nil once the data ended), the bytes as they came, and
    /// the converted bytes not yet handed out.
    private let decodesLineEndings: Bool
    private var lineEndings: LineEndingDecoder?
    private var unconverted: [UInt8] = []
    private var converted: [UInt8] = []
    private var convertedStart = 0

    private enum State {
        case reading
        /// Read to its end, and the closing reply read.
        case closed(endedWithoutCloseNotify: Bool)
        case failed(any Error)
        /// Given up by its caller (`abandon`).
        case abandoned
    }

    fileprivate init(client: FTPClient, transfer: FTPClient.OpenTransfer, path: RemotePath, digest: DigestCommand?, gathering: Double) {
        self.client = client
        self.transfer = transfer
        self.path = path
        self.digest = digest
        self.gathering = gathering
        pace = DataPace(window: client.options.effectiveReplyDeadline)
        decodesLineEndings = client.transferType == .ascii
        lineEndings = decodesLineEndings ? LineEndingDecoder() : nil
    }

    deinit { abandon() }

    /// Fills `buffer` (at least one byte of it) with the next bytes: waits for the first, then
    /// reads on for at most the gathering time, so that a fast connection fills it whole and a
    /// slow one gives what came in that time. Returns 0 at the end, once the server's closing
    /// reply confirmed the transfer. A failure, and every read after it, throws (with the data
    /// connection closed and the control connection in step again).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(!buffer.isEmpty, "a read into no room gives 0, which would pass for the end of the file")
        guard decodesLineEndings else { return try readRaw(into: buffer) }
        while convertedStart == converted.count {
            // Past the end, the end again (or the failure to close).
            guard lineEndings != nil else { return try readRaw(into: buffer) }
            converted.removeAll(keepingCapacity: true)
            convertedStart = 0
            if unconverted.count < buffer.count { unconverted = [UInt8](repeating: 0, count: buffer.count) }
            let count = try unconverted.withUnsafeMutableBytes { try readRaw(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<buffer.count])) }
            if count == 0 {
                try lineEndings?.finish { converted.append(contentsOf: $0) }
                lineEndings = nil
            } else {
                // A CR at the end waits for the next byte: a read may convert to nothing yet.
                try unconverted.withUnsafeBytes { bytes in
                    try lineEndings?.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<count])) { converted.append(contentsOf: $0) }
                }
            }
        }
        let count = min(buffer.count, converted.count - convertedStart)
        converted.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[convertedStart..<(convertedStart + count)]))
        }
        convertedStart += count
        return count
    }

    /// Gives up a download not read to its end: closes the data connection and sends ABOR, so
    /// that the client can be used again. Nothing once it has ended.
    public func abandon() {
        guard case .reading = state else { return }
        client.abandonTransfer(transfer)
        state = .abandoned
    }

    /// The failure that ended the download, once one did, whether a read has thrown it yet or
    /// not (it comes after the bytes that came before it); nil while it goes well, after its end
    /// and after `abandon`.
    public var failure: (any Error)? {
        guard case .failed(let error) = state else { return nil }
        return error
    }

    /// Whether the data ended without a TLS close_notify (see
    /// `FTPClient.dataEndedWithoutCloseNotify`), once read to its end.
    public var endedWithoutCloseNotify: Bool {
        guard case .closed(let endedWithoutCloseNotify) = state else { return false }
        return endedWithoutCloseNotify
    }

    /// `read` of the bytes as they come from the connection. A failure after some bytes came
    /// comes with the next read, after them: they are good, and a resume goes on after them.
    private func readRaw(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try client.guarded {
            switch state {
            case .reading: break
            case .closed: return 0
            case .failed(let error): throw error
            case .abandoned: throw FTPError(kind: .cancelled, command: "RETR", detail: "the download was abandoned")
            }
            var count = 0
            var ended = false
            do {
                count = try client.readData(of: transfer, into: buffer, pace: &pace)
                ended = count == 0
                let deadline = ContinuousClock.now + .seconds(gathering)
                while !ended, count < buffer.count {
                    let left = deadline - .now
                    guard left > .zero, transfer.transport.hasInput(within: left.inSeconds) else { break }
                    let read = try client.readData(of: transfer, into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]), pace: &pace)
                    ended = read == 0
                    count += read
                }
            } catch {
                let reported = client.failedTransfer(transfer, error, pace: pace)
                state = .failed(reported)
                if count == 0 { throw reported }
                return count
            }
            if ended {
                // Closed at once, so that the requests sent ahead go out now.
                do {
                    _ = try client.closeDrained(transfer, whenDrained: { try client.sendAhead(afterRetrieving: path, digest: digest) })
                    state = .closed(endedWithoutCloseNotify: client.dataEndedWithoutCloseNotify)
                } catch {
                    state = .failed(error)
                    if count == 0 { throw error }
                }
            }
            return count
        }
    }
}

import Foundation
import FTP
import FTPWire

/// The bytes of one file, read in order from where it was opened (`FileSystem.openReader`).
public protocol ByteReader: AnyObject {
    /// Fills `buffer` with the next bytes; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Ends the read, stopping it where bytes are left, and returns the failure that stopped it
    /// on its own side, if one did: that failure, not the one it caused downstream, explains
    /// a copy that broke.
    func finish() -> (any Error)?
    /// Whether the bytes ended in a way that cannot tell the file's end from a connection cut
    /// (a TLS data connection without close_notify), once they have all been read.
    var mayBeCutShort: Bool { get }
}

extension ByteReader {
    public var mayBeCutShort: Bool { false }
}

extension LocalFile: ByteReader {
    /// A disk read fails only as it happens: nothing is left to report.
    func finish() -> (any Error)? { nil }
}

/// A server's file read with REST and RETR on a thread of its own into a bounded channel (the
/// bytes read from the connection straight into its memory), from which the reader takes blocks
/// as it wants them. The client is the thread's alone until
/// `finish()` returns. The threads are reused from file to file (`threads`): a small file's
/// read is over before making a thread would be.
final class RemoteReader: ByteReader {
    /// The threads the reads run on: wide enough for every read at once (a batch runs at most
    /// 32 connections); a read beyond it would wait for a place, holding up only its own copy.
    static let threads = ThreadPool(name: "ferry-reader", width: 256)

    private let channel: ByteChannel
    private let done = DispatchSemaphore(value: 0)
    private let failure = LockedError()
    private let endedWithoutCloseNotify = Locked(false)
    private var finished = false

    /// `digestAfter`: the digest the reader's owner will ask of the file, sent ahead with the
    /// next file's request where the client pipelines.
    init(client: FTPClient, path: RemotePath, offset: UInt64, blockSize: Int, digestAfter: DigestCommand?) {
        let channel = ByteChannel(blockSize: blockSize, blockCount: 16)
        self.channel = channel
        let (done, failure, endedWithoutCloseNotify) = (done, failure, endedWithoutCloseNotify)
        let handed = HandedOver(client)
        Self.threads.run {
            do {
                try handed.value.retrieve(path, offset: offset, digest: digestAfter, into: channel)
                endedWithoutCloseNotify.withLock { $0 = handed.value.dataEndedWithoutCloseNotify }
                channel.finish()
            } catch {
                // A stop from the reading side is that side's doing, not a failure of this one.
                if !(error is ByteChannel.Stopped) { failure.set(error) }
                channel.fail(error)
            }
            done.signal()
        }
    }

    deinit { _ = finish() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try channel.read(into: buffer) }

    var mayBeCutShort: Bool { endedWithoutCloseNotify.withLock { $0 } }

    func finish() -> (any Error)? {
        if !finished {
            finished = true
            channel.fail(ByteChannel.Stopped())
            done.wait()
        }
        return failure.error
    }
}

/// A server's small file read whole with REST and RETR when it is opened, on the caller's
/// thread: for a file of one block, a thread reading ahead would cost more than the read. It
/// holds at most what `RemoteReader` would hold ahead (16 blocks); a file that turned out larger
/// is cut there, and the copy fails as one that ended early (tried again with its new size).
/// Its bytes are read first, then the failure that stopped the read, if one did.
final class InlineRemoteReader: ByteReader {
    private let bytes: [UInt8]
    private var position = 0
    private let failure: (any Error)?

    init(client: FTPClient, path: RemotePath, offset: UInt64, expected: UInt64, blockSize: Int, digestAfter: DigestCommand?) {
        let limit = 16 * max(1, blockSize)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(expected, UInt64(limit))))
        do {
            try client.retrieve(path, offset: offset, blockSize: blockSize, digest: digestAfter) { chunk in
                guard bytes.count + chunk.count <= limit else {
                    throw IncompleteTransfer(received: UInt64(bytes.count + chunk.count), expected: expected)
                }
                bytes.append(contentsOf: chunk)
            }
            failure = nil
        } catch {
            failure = error
        }
        self.bytes = bytes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else {
            if let failure { throw failure }
            return 0
        }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }

    func finish() -> (any Error)? { failure }
}

/// A value given to another thread, which alone uses it until it signals that it is done.
struct HandedOver<Value>: @unchecked Sendable {
    // @unchecked: the giving thread does not touch the value until the taker is done with it.
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An error one thread leaves for another: the first one left, which the others may follow from.
final class LockedError: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var stored: (any Error)?

    func set(_ error: any Error) { lock.withLock { stored = stored ?? error } }
    var error: (any Error)? { lock.withLock { stored } }
}

/// A reliable, ordered byte stream: a TCP connection, or TLS over one.
///
/// Calls block, each bounded by the transport's timeout, and throw `NetError`. `shutdown()` may be called from any
/// thread to make a blocked call return: a read at the end of the stream, or with an error.
public protocol Transport: AnyObject, Sendable {
    /// Reads at most `buffer.count` bytes; returns 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(NetError) -> Int
    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(NetError)
    /// Whether bytes (or the end of the stream) are there to read, or come within `seconds`.
    func hasInput(within seconds: Double) -> Bool
    /// Signals the end of what this side sends, where the transport has such a thing
    /// (a TLS close_notify).
    func finishWriting() throws(NetError)
    /// Makes blocked and later calls fail; safe from any thread.
    func shutdown()
    /// Releases the connection. Further calls fail.
    func close()
    /// The address of the other end.
    var remoteAddress: SocketAddress { get }
    /// The address of this end.
    var localAddress: SocketAddress { get }
}

extension Transport {
    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws(NetError) {
        // Array's withUnsafeBytes rethrows untyped: the error passes out of it as a Result.
        let written = bytes.withUnsafeBytes { buffer in Result { () throws(NetError) in try write(buffer) } }
        try written.get()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected TCP socket with blocking calls bounded by a timeout.
///
/// The timeout applies to each call (no progress for that long fails the call), as with
/// Python's `socket.settimeout`: a long transfer is fine, a stalled one is not.
public final class TCPSocket: Transport, @unchecked Sendable {
    // @unchecked: `descriptor` never changes and `closed` is Locked; the kernel
    // serialises concurrent shutdown with blocked calls, and the number stays this socket's
    // (or the placeholder's, once closed) until deinit.
    private let descriptor: Int32
    private let closed = Locked(false)
    /// Whether a bulk write has limited the bytes left unsent (`unsentLimit`).
    private let unsentLimited = Locked(false)
    /// The per-call timeout in seconds (0: none), for the wait before each slice of a bulk write.
    private let timeout: Double
    public let remoteAddress: SocketAddress
    public let localAddress: SocketAddress

    /// Wraps a connected descriptor, setting the per-call timeout and `TCP_NODELAY`.
    init(descriptor: Int32, timeout: Double) throws(NetError) {
        self.descriptor = descriptor
        guard let remote = SocketAddress.of(descriptor, peer: true), let local = SocketAddress.of(descriptor, peer: false) else {
            let code = errno
            Glibc.close(descriptor)
            throw NetError(kind: .connection, detail: "socket has no address: \(errnoDescription(code))")
        }
        remoteAddress = remote
        localAddress = local
        self.timeout = Self.setTimeout(descriptor, timeout)
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close()
        Glibc.close(descriptor)
    }

    /// Connects to `host` (a name or a numeric address) and `port`, trying each address the
    /// name resolves to in turn, each within `connectTimeout` seconds (`timeout` unless given);
    /// reads and writes then wait up to `timeout`.
    public static func connect(host: String, port: UInt16, timeout: Double, connectTimeout: Double? = nil) throws(NetError) -> TCPSocket {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        // A numeric address (every data connection's) needs no look-up, nor AI_ADDRCONFIG's
        // question to the kernel which addresses this host has.
        hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST
        var list: UnsafeMutablePointer<addrinfo>?
        var status = getaddrinfo(host, String(port), &hints, &list)
        if status == EAI_NONAME {
            hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG
            status = getaddrinfo(host, String(port), &hints, &list)
        }
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            throw NetError(kind: .connection, detail: "cannot resolve \(host): \(reason)")
        }
        defer { freeaddrinfo(list) }
        var lastError = NetError(kind: .connection, detail: "no address for \(host)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            do {
                let descriptor = try connectDescriptor(info.pointee, timeout: connectTimeout ?? timeout, label: "\(host) port \(port)")
                return try TCPSocket(descriptor: descriptor, timeout: timeout)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connectDescriptor(_ info: addrinfo, timeout: Double, label: String) throws(NetError) -> Int32 {
        let descriptor = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard descriptor >= 0 else {
            throw NetError(kind: .connection, detail: "cannot create socket: \(errnoDescription(errno))")
        }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let code = errno
                Glibc.close(descriptor)
                throw NetError(kind: .connection, detail: "cannot connect to \(label): \(errnoDescription(code))", refused: code == ECONNREFUSED)
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, milliseconds(timeout))
            guard ready > 0 else {
                Glibc.close(descriptor)
                throw NetError(kind: .timeout, detail: "connecting to \(label) took longer than \(formatSeconds(timeout))")
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else {
                Glibc.close(descriptor)
                throw NetError(kind: .connection, detail: "cannot connect to \(label): \(errnoDescription(failure))", refused: failure == ECONNREFUSED)
            }
        }
        _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK)
        return descriptor
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(NetError) -> Int {
        try refuseIfClosed(doing: "receiving from")
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            let code = errno
            if code == EINTR { continue }
            throw failure(code, doing: "receiving")
        }
    }

    /// The most bytes a bulk write hands the kernel at once (see `write(_:)`).
    static let bulkSlice = 64 * 1024

    /// The most bytes that bulk writes leave queued unsent in the socket (`TCP_NOTSENT_LOWAT`):
    /// the socket has room for the next slice only once the bytes before are nearly all on their
    /// way. Without it the socket holds megabytes of an upload, cold in memory by the time the
    /// receiver's copy reaches them; vsftpd then took a 512 MiB upload over loopback about 1.12x
    /// as long (25 alternated pairs). Bytes sent and not yet acknowledged do not count, so a long, fast
    /// link stays as full as before: the limit only stops the queue growing behind them.
    static let unsentLimit: Int32 = 512 * 1024

    /// Writes all of `bytes`. More than `bulkSlice` bytes go in slices of that size, each only once
    /// the socket has room for more (poll), as curl sends: a slice then goes into the socket whole,
    /// instead of a send that fills the buffer stopping in the middle of one. The receiver then
    /// finds the stream cut only where a slice ends, so a server that reads 64 KiB at a time and
    /// writes what it read (vsftpd) writes its file in whole, aligned 64 KiB pieces; cut at the
    /// loopback's 65,483-byte segments instead, every later write straddled pages, which on ext4
    /// made vsftpd's writes slower and the flush when it closes the file (before it answers the
    /// next command) take 100-160 ms instead of 10-35 for 256 MiB.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(NetError) {
        try refuseIfClosed(doing: "sending to")
        let bulk = bytes.count > Self.bulkSlice
        if bulk { limitUnsentBytes() }
        var offset = 0
        while offset < bytes.count {
            let slice = bulk ? min(bytes.count - offset, Self.bulkSlice) : bytes.count - offset
            if bulk { try waitUntilWritable() }
            let count = send(descriptor, bytes.baseAddress.map { $0 + offset }, slice, Int32(MSG_NOSIGNAL))
            if count >= 0 {
                offset += count
                continue
            }
            let code = errno
            if code == EINTR { continue }
            throw failure(code, doing: "sending")
        }
    }

    /// Sends up to `count` bytes of the open file `file` from its current position, which moves
    /// past them, without copying them through this process (`sendfile`): the kernel hands the
    /// file's cached pages to the connection. Returns how many were sent, 0 at the end of the
    /// file; waits for room at most the timeout. A failure to read the file fails the same way
    /// as one to send.
    ///
    /// `sendfile` has no `MSG_NOSIGNAL`: the call holds SIGPIPE back (`withBrokenPipeHeld`).
    public func sendFile(_ file: Int32, count: Int) throws(NetError) -> Int {
        try refuseIfClosed(doing: "sending to")
        return try withBrokenPipeHeld { () throws(NetError) in
            while true {
                let sent = sendfile(descriptor, file, nil, count)
                if sent >= 0 { return sent }
                let code = errno
                if code != EINTR { throw failure(code, doing: "sending") }
            }
        }
    }

    /// Limits the bytes left unsent to `unsentLimit`, once: from the first bulk write on.
    private func limitUnsentBytes() {
        guard unsentLimited.withLock({ limited in defer { limited = true }; return !limited }) else { return }
        var limit = Self.unsentLimit
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &limit, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Waits until the socket takes more bytes (or has failed: the send that follows says how),
    /// at most the timeout.
    private func waitUntilWritable() throws(NetError) {
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        while true {
            let ready = poll(&poller, 1, timeout > 0 ? milliseconds(timeout) : -1)
            if ready > 0 { return }
            if ready == 0 { throw failure(EAGAIN, doing: "sending") }
            let code = errno
            if code != EINTR { throw failure(code, doing: "sending") }
        }
    }

    public func finishWriting() throws(NetError) {}

    public func shutdown() {
        closed.withLock { closed in
            if !closed { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Ends the connection as closing its descriptor would, but keeps the descriptor's number
    /// taken (by a placeholder on which every call fails) until this object goes: a call made
    /// after `close` (or racing it on another thread) then fails, instead of reaching whatever
    /// file or connection the number would have been given to next.
    public func close() {
        closed.withLock { closed in
            if !closed {
                closed = true
                // The end goes out now even where a program started meanwhile holds a copy.
                _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
                Self.retire(descriptor)
            }
        }
    }

    /// What each closed socket's number is given until deinit: the root folder, opened for
    /// reading. A read of it fails (EISDIR), a write fails (EBADF), a socket call fails
    /// (ENOTSOCK), and none raises SIGPIPE, as a write to a dead socket would. -1 when it
    /// could not be opened.
    private static let placeholder = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)

    /// Puts the placeholder in `descriptor`'s place, which closes the socket there. Without a
    /// placeholder the socket stays open, shut down, until deinit.
    private static func retire(_ descriptor: Int32) {
        guard placeholder >= 0, dup2(placeholder, descriptor) >= 0 else { return }
        // dup2 clears close-on-exec; a program started meanwhile inherits only the placeholder.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    /// Fails a call made after `close()`, naming what it was for.
    private func refuseIfClosed(doing action: String) throws(NetError) {
        if closed.withLock({ $0 }) {
            throw NetError(kind: .connection, detail: "\(action) \(remoteAddress) failed: the connection was closed here")
        }
    }

    /// The descriptor, for polling and for `sendfile`.
    var fileDescriptor: Int32 { descriptor }

    public func hasInput(within seconds: Double) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&poller, 1, milliseconds(seconds))
            if ready < 0, errno == EINTR { continue }
            return ready > 0
        }
    }

    private func failure(_ code: Int32, doing action: String) -> NetError {
        if code == EAGAIN || code == EWOULDBLOCK {
            return NetError(kind: .timeout, detail: "nothing \(action == "sending" ? "could be sent to" : "arrived from") \(remoteAddress) within the timeout")
        }
        return NetError(kind: .connection, detail: "\(action) \(action == "sending" ? "to" : "from") \(remoteAddress) failed: \(errnoDescription(code))")
    }

    /// Sets the per-call timeout of reads and writes; returns the seconds set (0: none).
    static func setTimeout(_ descriptor: Int32, _ seconds: Double) -> Double {
        // NaN, negative or endless: no timeout (0), or the longest a timeval here holds sensibly.
        let seconds = seconds.isNaN ? 0 : min(max(seconds, 0), 1_000_000_000)
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        return seconds
    }
}

/// Whole milliseconds for poll(2), at least 1 for a positive timeout.
func milliseconds(_ seconds: Double) -> Int32 {
    guard seconds > 0 else { return 0 }
    guard seconds < Double(Int32.max) / 1000 else { return Int32.max }
    return Int32(clamping: max(1, Int((seconds * 1000).rounded(.up))))
}

/// "30 s" or "0.5 s".
package func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int(seconds)) s" : "\(seconds) s"
}

extension Duration {
    /// The duration in seconds, with its fraction.
    package var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

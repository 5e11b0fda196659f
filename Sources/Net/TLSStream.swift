import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// TLS over a TCP socket, through OpenSSL: the transport of FTPS control and data connections.
public final class TLSStream: Transport, @unchecked Sendable {
    // @unchecked: the SSL object is used by one thread at a time (the client's); other threads
    // only call shutdown(), which touches the socket alone.
    private let socket: TCPSocket
    private let ssl: OpaquePointer
    /// The context the connection was made in, kept while it lives: OpenSSL calls back into it
    /// (its session pool, unretained) whenever a session ticket arrives, as long as the
    /// connection reads.
    private let context: TLSContext
    /// The SSL object, for the certificate checks.
    var sslPointer: OpaquePointer { ssl }
    private var finished = false
    private var closed = false
    /// Bounds each read and write to the time one record may take to come or go whole (none:
    /// only each socket read's timeout); see `limitEachRecord(toSeconds:)`.
    private var watchdog: CallWatchdog?
    /// Whether the stream ended with the TCP connection closed but no close_notify before it:
    /// what came may have been cut short (by the network, or by an attacker), since TLS cannot
    /// tell such an end from the real one. Reads then end as at the end of the stream.
    public private(set) var endedWithoutCloseNotify = false
    /// Set to 1 by OpenSSL's message callback when the peer's close_notify arrives.
    private let closeNotifyReceived = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    public var remoteAddress: SocketAddress { socket.remoteAddress }
    public var localAddress: SocketAddress { socket.localAddress }

    /// The negotiated protocol, such as `TLSv1.3`.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }
    /// The negotiated cipher suite.
    public var cipher: String { ferry_SSL_get_cipher_name(ssl).map { String(cString: $0) } ?? "unknown" }
    /// Whether the handshake resumed an earlier session.
    public var resumedSession: Bool { SSL_session_reused(ssl) == 1 }

    private init(socket: TCPSocket, ssl: OpaquePointer, context: TLSContext) {
        self.socket = socket
        self.ssl = ssl
        self.context = context
        closeNotifyReceived.initialize(to: 0)
        ferry_watch_close_notify(ssl, closeNotifyReceived)
    }

    /// The SSL object is freed only here: a stream closed after a failure may still be asked
    /// what it negotiated, or (by mistake) to read, which then fails instead of reading freed
    /// memory.
    deinit {
        close()
        SSL_free(ssl)
        closeNotifyReceived.deallocate()
    }

    /// Runs the client handshake over `socket` and checks the server's certificate for `host`,
    /// resuming `session` when given. The whole handshake may take `deadline` seconds (each read
    /// is also bounded by the socket's timeout): a server that sends it a byte at a time is given
    /// up on. On failure the socket is closed.
    ///
    /// `bulkReadSize`, for a data connection, makes OpenSSL take up to that many bytes from the
    /// socket at once (read-ahead), so that one `read` returns many records in one system call,
    /// not one record in two. Never for a control connection, whose bytes after its TLS (none
    /// today) must stay in the socket.
    package static func handshake(
        over socket: TCPSocket, context: TLSContext, host: String, port: UInt16, resuming session: TLSSession? = nil, deadline: Double,
        bulkReadSize: Int? = nil
    ) throws(NetError) -> TLSStream {
        let clock = TransportDeadline(seconds: deadline, transport: socket)
        let result = Result { () throws(NetError) in
            try handshake(over: socket, context: context, host: host, port: port, resuming: session, bulkReadSize: bulkReadSize)
        }
        guard clock.end() else { return try result.get() }
        if case .success(let stream) = result { stream.close() }
        throw NetError(kind: .timeout, detail: "the TLS handshake with \(socket.remoteAddress) took longer than \(formatSeconds(clock.seconds)); given up")
    }

    private static func handshake(
        over socket: TCPSocket, context: TLSContext, host: String, port: UInt16, resuming session: TLSSession?, bulkReadSize: Int?
    ) throws(NetError) -> TLSStream {
        guard let ssl = SSL_new(context.pointer) else {
            socket.close()
            throw NetError(kind: .tls, detail: "cannot create a TLS connection: \(lastErrorText())")
        }
        let stream = TLSStream(socket: socket, ssl: ssl, context: context)
        SSL_set_fd(ssl, socket.fileDescriptor)
        if let bulkReadSize, bulkReadSize > 0 {
            // Before the handshake: the read buffer is allocated by its first read.
            SSL_set_default_read_buffer_len(ssl, bulkReadSize)
            SSL_set_read_ahead(ssl, 1)
        }
        if isIPAddress(host) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            _ = ferry_SSL_set_tlsext_host_name(ssl, host)
            SSL_set1_host(ssl, host)
        }
        if let session { SSL_set_session(ssl, session.pointer) }
        ERR_clear_error()
        // The failure is read inside: errno and OpenSSL's error queue are the call's.
        let failure = withBrokenPipeHeld { () -> NetError? in
            let result = SSL_connect(ssl)
            return result == 1 ? nil : stream.failure(result, doing: "TLS handshake with \(socket.remoteAddress)")
        }
        if let failure {
            stream.close()
            throw failure
        }
        do {
            try stream.checkCertificate(context.configuration, host: host, port: port)
        } catch {
            stream.close()
            throw error
        }
        return stream
    }

    /// The current session, for resuming on data connections. Taken after a read, it carries the
    /// TLS 1.3 ticket that arrives after the handshake.
    package func session() -> TLSSession? {
        SSL_get1_session(ssl).map(TLSSession.init)
    }

    /// Reads at most `buffer.count` bytes: one record, and the records after it that already
    /// arrived (read-ahead holds them) while there is room; 0 at the end of the stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(NetError) -> Int {
        try refuseIfClosed(doing: "receiving from")
        return try withBrokenPipeHeld { () throws(NetError) -> Int in
            ERR_clear_error()
            watchdog?.begin()
            let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if let watchdog, watchdog.end() { throw recordTookTooLong(watchdog, doing: "from") }
            if count <= 0 {
                if isEnd(count) { return 0 }
                throw failure(count, doing: "receiving from \(remoteAddress)")
            }
            var total = Int(count)
            // Only bytes already received: the call never waits for more than the rest of a record
            // whose start is here. An end or error found here is found again by the next call.
            while total < buffer.count, SSL_has_pending(ssl) == 1 {
                ERR_clear_error()
                let more = SSL_read(ssl, buffer.baseAddress.map { $0 + total }, Int32(clamping: buffer.count - total))
                guard more > 0 else { break }
                total += Int(more)
            }
            return total
        }
    }

    /// Whether a failed SSL_read found the end of the stream, with close_notify or without it
    /// (the TCP connection closed, which OpenSSL takes for an end too; noted in
    /// `endedWithoutCloseNotify`).
    private func isEnd(_ result: Int32) -> Bool {
        let code = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_ZERO_RETURN:
            if closeNotifyReceived.pointee == 0 { endedWithoutCloseNotify = true }
            return true
        case SSL_ERROR_SYSCALL where result == 0 && code == 0:
            endedWithoutCloseNotify = true
            return true
        default:
            return false
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(NetError) {
        try refuseIfClosed(doing: "sending to")
        try withBrokenPipeHeld { () throws(NetError) in
            var offset = 0
            while offset < bytes.count {
                ERR_clear_error()
                watchdog?.begin()
                let count = SSL_write(ssl, bytes.baseAddress.map { $0 + offset }, Int32(clamping: bytes.count - offset))
                if let watchdog, watchdog.end() { throw recordTookTooLong(watchdog, doing: "to") }
                guard count > 0 else { throw failure(count, doing: "sending to \(remoteAddress)") }
                offset += Int(count)
            }
        }
    }

    /// From now on each read and write may wait at most `seconds` for its record to come or go
    /// whole, however often a byte of it arrives: OpenSSL returns only whole records (up to
    /// 16 KiB), and a server that trickles one keeps each socket read within its timeout.
    package func limitEachRecord(toSeconds seconds: Double) {
        watchdog?.stop()
        watchdog = CallWatchdog(seconds: seconds, socket: socket)
    }

    /// The error of a call that overran the watchdog (which shut the connection down).
    private func recordTookTooLong(_ watchdog: CallWatchdog, doing direction: String) -> NetError {
        NetError(kind: .timeout, detail: "a TLS record \(direction) \(remoteAddress) took longer than \(formatSeconds(watchdog.seconds)); given up")
    }

    /// Sends close_notify, once, then reads until the peer's close_notify or the end of the
    /// stream. Closing with unread bytes (a TLS 1.3 ticket, say) would make the kernel reset the
    /// connection, and servers such as vsftpd then fail the upload with 426.
    public func finishWriting() throws(NetError) {
        guard !finished, !closed else { return }
        finished = true
        withBrokenPipeHeld {
            ERR_clear_error()
            guard SSL_shutdown(ssl) == 0 else { return }
            // A peer that trickles what it still sends holds this no longer than one record may take.
            watchdog?.begin()
            defer { _ = watchdog?.end() }
            var scratch = [UInt8](repeating: 0, count: 16 * 1024)
            for _ in 0..<64 {
                ERR_clear_error()
                if SSL_read(ssl, &scratch, Int32(scratch.count)) <= 0 { break }
            }
        }
    }

    /// Bytes TLS holds already (decrypted or not) count, as well as those the socket has, and so
    /// does a close_notify already taken in (by the read that found it behind a record): the
    /// end is there to read, though the socket brings nothing more until this side closes too
    /// (vsftpd waits for the client's close_notify before it closes a data connection).
    public func hasInput(within seconds: Double) -> Bool {
        SSL_has_pending(ssl) == 1 || SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN != 0 || socket.hasInput(within: seconds)
    }

    public func shutdown() { socket.shutdown() }

    public func close() {
        guard !closed else { return }
        closed = true
        watchdog?.stop()
        socket.close()
    }

    /// Fails a read or write asked after `close()`.
    private func refuseIfClosed(doing action: String) throws(NetError) {
        if closed {
            throw NetError(kind: .connection, detail: "\(action) \(remoteAddress) failed: the connection was closed here")
        }
    }

    /// The error for a failed SSL call, from SSL_get_error, errno and OpenSSL's error queue.
    private func failure(_ result: Int32, doing action: String) -> NetError {
        let code = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return NetError(kind: .timeout, detail: "\(action): nothing moved within the timeout")
        case SSL_ERROR_SYSCALL:
            if code == EAGAIN || code == EWOULDBLOCK {
                return NetError(kind: .timeout, detail: "\(action): nothing moved within the timeout")
            }
            let reason = code == 0 ? "the connection was closed" : String(cString: strerror(code))
            return NetError(kind: .connection, detail: "\(action) failed: \(reason)")
        case SSL_ERROR_ZERO_RETURN:
            return NetError(kind: .connection, detail: "\(action) failed: the peer closed the TLS connection")
        default:
            return NetError(kind: .tls, detail: "\(action) failed: \(Self.lastErrorText())")
        }
    }

    /// OpenSSL's error queue as text, emptied.
    static func lastErrorText() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "unknown TLS error" : messages.joined(separator: "; ")
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// A TLS session that a data connection may resume (`SSL_SESSION`).
package final class TLSSession: @unchecked Sendable {
    // @unchecked: an SSL_SESSION is reference-counted by OpenSSL and not changed once made.
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_SESSION_free(pointer) }
}

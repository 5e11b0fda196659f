#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A listening TCP socket: for active-mode data connections and for the test server.
public final class TCPListener: @unchecked Sendable {
    // @unchecked: `descriptor` never changes and `closed` is Locked.
    private let descriptor: Int32
    private let closed = Locked(false)
    /// The address the listener is bound to, with the port the kernel chose.
    public let address: SocketAddress

    /// Listens on `host` (a numeric address) and `port` (0: any free port).
    public init(host: String, port: UInt16 = 0, backlog: Int32 = 64) throws(NetError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw NetError(kind: .usage, detail: "cannot listen on \(host): not a numeric address")
        }
        defer { freeaddrinfo(list) }
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw NetError(kind: .connection, detail: "cannot create socket: \(errnoDescription(errno))")
        }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(descriptor, backlog) == 0,
              let bound = SocketAddress.of(descriptor, peer: false)
        else {
            let code = errno
            Glibc.close(descriptor)
            throw NetError(kind: .connection, detail: "cannot listen on \(host) port \(port): \(errnoDescription(code))")
        }
        self.descriptor = descriptor
        address = bound
    }

    /// The descriptor is closed only here, when no thread can be using it any more: closing it
    /// while another thread waits in `accept` would let the number go to a new socket, whose
    /// connections that thread would then take.
    deinit {
        close()
        Glibc.close(descriptor)
    }

    /// Waits up to `timeout` seconds (nil: for ever) for a connection and accepts it; the
    /// accepted socket gets `socketTimeout` for its calls. Fails with `.cancelled` once `close()`
    /// was called, within a quarter of a second.
    public func accept(timeout: Double?, socketTimeout: Double) throws(NetError) -> TCPSocket {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            if closed.withLock({ $0 }) { throw NetError(kind: .cancelled, detail: "listener on \(address) closed") }
            var wait = 0.25
            if let deadline {
                let remaining = deadline.timeIntervalSinceNow
                guard remaining > 0 else {
                    throw NetError(kind: .timeout, detail: "no connection arrived on \(address) within \(formatSeconds(timeout ?? 0))")
                }
                wait = min(wait, remaining)
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds(wait))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0, poller.revents & Int16(POLLIN) != 0 else { continue }
            let accepted = Glibc.accept(descriptor, nil, nil)
            if accepted < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                throw NetError(kind: .connection, detail: "accept on \(address) failed: \(errnoDescription(errno))")
            }
            _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
            return try TCPSocket(descriptor: accepted, timeout: socketTimeout)
        }
    }

    /// Stops listening; a thread waiting in `accept` wakes with an error.
    public func close() {
        closed.withLock { closed in
            if !closed {
                closed = true
                Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
    }
}

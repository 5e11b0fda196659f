#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The numeric host, such as `127.0.0.1` or `::1`.
    public let host: String
    /// The port.
    public let port: UInt16
    /// `AF_INET` or `AF_INET6`.
    public let family: Int32

    public init(host: String, port: UInt16, family: Int32) {
        self.host = host
        self.port = port
        self.family = family
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool { family == AF_INET6 }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether both name one listening socket as far as can be told: the same port, and the
    /// same host once an IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is taken as the IPv4
    /// one, and loopback as loopback (`::1`, `127.0.0.1`: a dual-stack server answers both).
    public func sameHost(as other: SocketAddress) -> Bool {
        port == other.port && (plainHost == other.plainHost || isLoopback && other.isLoopback)
    }

    /// The host, an IPv4-mapped IPv6 address as the IPv4 one.
    private var plainHost: String {
        let mapped = "::ffff:"
        return host.lowercased().hasPrefix(mapped) && host.contains(".") ? String(host.dropFirst(mapped.count)) : host
    }

    /// Whether the host is a loopback address (127.0.0.0/8 or ::1).
    private var isLoopback: Bool { plainHost == "::1" || plainHost.hasPrefix("127.") }

    /// Reads a `sockaddr_storage` filled in by the kernel.
    init?(storage: sockaddr_storage) {
        var storage = storage
        var hostBuffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let length = socklen_t(storage.ss_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let port: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            port = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        case AF_INET6:
            port = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
        default:
            return nil
        }
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &hostBuffer, socklen_t(hostBuffer.count), nil, 0, NI_NUMERICHOST)
            }
        }
        guard status == 0 else { return nil }
        let host = String(decoding: hostBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.init(host: host, port: port, family: Int32(storage.ss_family))
    }

    /// The local or remote address of a socket.
    static func of(_ descriptor: Int32, peer: Bool) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(descriptor, $0, &length) : getsockname(descriptor, $0, &length)
            }
        }
        return status == 0 ? SocketAddress(storage: storage) : nil
    }
}

/// The text of the C library's message for an errno value.
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}

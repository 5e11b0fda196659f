import Foundation
@testable import Net
import Testing

/// Whether this machine has an IPv6 loopback address to listen on.
private let hasIPv6Loopback = (try? TCPListener(host: "::1")) != nil

/// Whether a SIGPIPE would end this process (nothing set it aside): only then does a test of a
/// send to a closed peer show that none was let through.
let brokenPipeEndsTheProcess: Bool = {
    var current = sigaction()
    sigaction(SIGPIPE, nil, &current)
    return current.__sigaction_handler.sa_handler == nil
}()

@Suite("TCP sockets and listeners on loopback")
struct TransportTests {
    @Test func exchangesBytesOverIPv4() throws {
        try exchangeBytes(host: "127.0.0.1")
    }

    @Test(.enabled(if: hasIPv6Loopback, "this machine has no ::1 to listen on"))
    func exchangesBytesOverIPv6() throws {
        try exchangeBytes(host: "::1")
    }

    /// A megabyte one way from another thread, an answer the other way, then the end of the
    /// stream once the client closes.
    private func exchangeBytes(host: String) throws {
        let pair = try ConnectedPair(host: host)
        defer { pair.close() }
        #expect(pair.client.remoteAddress == pair.listener.address)
        #expect(pair.server.remoteAddress == pair.client.localAddress)
        #expect(pair.client.remoteAddress.isIPv6 == host.contains(":"))

        let sent = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 256) }
        let written = DispatchSemaphore(value: 0)
        let writeFailure = Locked<String?>(nil)
        let client = pair.client
        Thread.detachNewThread {
            do { try client.write(sent) } catch { writeFailure.withLock { $0 = "\(error)" } }
            written.signal()
        }
        let received = try read(sent.count, from: pair.server)
        written.wait()
        #expect(writeFailure.withLock { $0 } == nil)
        #expect(received == sent)

        try pair.server.write(Array("thanks".utf8))
        #expect(try read(6, from: pair.client) == Array("thanks".utf8))
        pair.client.close()
        #expect(try read(1, from: pair.server).isEmpty)
    }

    @Test func aSilentPeerTimesOutARead() throws {
        let pair = try ConnectedPair(clientTimeout: 0.3)
        defer { pair.close() }
        let started = Date()
        #expect { try read(1, from: pair.client) } throws: { ($0 as? NetError)?.kind == .timeout }
        let waited = Date().timeIntervalSince(started)
        #expect(waited > 0.25 && waited < 5)
    }

    @Test func aBulkWriteToAPeerThatStopsReadingTimesOut() throws {
        let pair = try ConnectedPair(clientTimeout: 0.3)
        defer { pair.close() }
        // Far more than the socket buffers hold: the write waits for room in slices, within the timeout.
        let bulk = [UInt8](repeating: 7, count: 64 << 20)
        let started = Date()
        #expect { try pair.client.write(bulk) } throws: { ($0 as? NetError)?.kind == .timeout }
        let waited = Date().timeIntervalSince(started)
        #expect(waited > 0.25 && waited < 5)
    }

    /// A bulk write limits what the socket keeps unsent; a connection that never made one keeps
    /// the system's default.
    @Test func aBulkWriteLimitsTheBytesLeftUnsent() throws {
        let pair = try ConnectedPair()
        defer { pair.close() }
        func unsentLimit(_ socket: TCPSocket) -> Int32 {
            var value: Int32 = -1
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket.fileDescriptor, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &value, &size)
            return value
        }
        let untouched = unsentLimit(pair.client)
        #expect(untouched != TCPSocket.unsentLimit)
        let bulk = [UInt8](repeating: 7, count: 4 << 20)
        let server = pair.server
        let readAll = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? read(bulk.count, from: server)
            readAll.signal()
        }
        try pair.client.write(bulk)
        readAll.wait()
        #expect(unsentLimit(pair.client) == TCPSocket.unsentLimit)
        #expect(unsentLimit(pair.server) == untouched)
    }

    /// `sendFile` sends a file from its position to its end, then gives 0.
    @Test func sendFileSendsTheRestOfAFile() throws {
        let pair = try ConnectedPair()
        defer { pair.close() }
        let contents = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 1000) }
        let file = try OpenFile(contents)
        defer { file.close() }
        lseek(file.descriptor, 1000, SEEK_SET)
        let received = Locked<[UInt8]>([])
        let done = DispatchSemaphore(value: 0)
        let client = pair.client
        Thread.detachNewThread {
            let bytes = (try? read(contents.count, from: client)) ?? []
            received.withLock { $0 = bytes }
            done.signal()
        }
        var sent = 0
        while true {
            let count = try pair.server.sendFile(file.descriptor, count: 1 << 20)
            if count == 0 { break }
            sent += count
        }
        pair.server.shutdown()
        done.wait()
        #expect(sent == contents.count - 1000)
        #expect(received.withLock { $0 } == Array(contents[1000...]))
    }

    /// A peer that closed makes `sendFile` throw, and the SIGPIPE the kernel raises for it (there
    /// is no `MSG_NOSIGNAL` for `sendfile`) does not end this process, which does not ignore it.
    @Test(.enabled(if: brokenPipeEndsTheProcess, "this process ignores SIGPIPE: a test could not tell"))
    func sendFileToAClosedPeerThrowsAndTheProcessGoesOn() throws {
        let pair = try ConnectedPair()
        defer { pair.close() }
        let file = try OpenFile([UInt8](repeating: 5, count: 16 << 20))
        defer { file.close() }
        pair.client.close()
        #expect(throws: NetError.self) {
            while try pair.server.sendFile(file.descriptor, count: 1 << 20) > 0 {}
        }
        #expect(throws: NetError.self) {
            while try pair.server.sendFile(file.descriptor, count: 1 << 20) > 0 {}
        }
        // The signal mask is as it was, and no SIGPIPE is left waiting for it to open.
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        #expect(sigismember(&mask, SIGPIPE) == 0)
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0)
    }

    @Test func acceptTimesOutWhenNobodyConnects() throws {
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        let started = Date()
        #expect { try listener.accept(timeout: 0.3, socketTimeout: 5) } throws: { ($0 as? NetError)?.kind == .timeout }
        #expect(Date().timeIntervalSince(started) > 0.25)
    }

    @Test func closingAListenerWakesAnAcceptOnAnotherThread() throws {
        let listener = try TCPListener(host: "127.0.0.1")
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.2)
            listener.close()
        }
        let started = Date()
        #expect { try listener.accept(timeout: nil, socketTimeout: 5) } throws: { ($0 as? NetError)?.kind == .cancelled }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aClosedPortRefusesTheConnection() throws {
        let listener = try TCPListener(host: "127.0.0.1")
        let port = listener.address.port
        listener.close()
        #expect {
            try TCPSocket.connect(host: "127.0.0.1", port: port, timeout: 5)
        } throws: { error in
            guard let error = error as? NetError else { return false }
            return error.kind == .connection && error.detail.contains("refused")
        }
    }

    /// A closed socket ends its connection at once, but its descriptor's number is not given to
    /// the next socket while the object lives: a call made on it late (a client closed after a
    /// bad reply, asked once more) fails, instead of writing into another connection of the
    /// process that got the number, and reading that connection's bytes as its own.
    @Test func aClosedSocketsNumberGoesToNoOtherConnection() throws {
        let pair = try ConnectedPair()
        defer { pair.close() }
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        let number = pair.client.fileDescriptor
        pair.client.close()
        #expect(try read(1, from: pair.server).isEmpty)
        // The next connection made: the number's first taker, were it free.
        let client = try TCPSocket.connect(host: "127.0.0.1", port: listener.address.port, timeout: 5)
        defer { client.close() }
        let server = try listener.accept(timeout: 5, socketTimeout: 5)
        defer { server.close() }
        #expect(client.fileDescriptor != number)
        #expect { try pair.client.write(Array("NOOP\r\n".utf8)) } throws: {
            ($0 as? NetError)?.kind == .connection && "\($0)".contains("closed here")
        }
        #expect { try read(1, from: pair.client) } throws: { ($0 as? NetError)?.kind == .connection }
        try client.write(Array("mine".utf8))
        #expect(try read(4, from: server) == Array("mine".utf8))
    }

    /// One server however its address is written: IPv4 mapped into IPv6, loopback either way.
    @Test func addressesOfOneServerAreTold() {
        let v4 = SocketAddress(host: "127.0.0.1", port: 21, family: AF_INET)
        #expect(v4.sameHost(as: SocketAddress(host: "::ffff:127.0.0.1", port: 21, family: AF_INET6)))
        #expect(v4.sameHost(as: SocketAddress(host: "::1", port: 21, family: AF_INET6)))
        #expect(!v4.sameHost(as: SocketAddress(host: "127.0.0.1", port: 990, family: AF_INET)))
        #expect(!SocketAddress(host: "192.0.2.1", port: 21, family: AF_INET).sameHost(as: SocketAddress(host: "192.0.2.2", port: 21, family: AF_INET)))
    }

    @Test func aListenerWantsANumericAddress() {
        #expect { try TCPListener(host: "localhost") } throws: { ($0 as? NetError)?.kind == .usage }
    }
}

@Suite("Cancellation of blocked calls")
struct CancellationTests {
    @Test func cancellingFromAnotherThreadEndsABlockedRead() throws {
        let pair = try ConnectedPair(clientTimeout: 30)
        defer { pair.close() }
        let cancellation = Cancellation()
        cancellation.watch(pair.client)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.2)
            cancellation.cancel()
        }
        let started = Date()
        // A socket shut down under a blocked read reads as the end of the stream.
        #expect(try read(1, from: pair.client).isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(cancellation.isCancelled)
        #expect(try read(1, from: pair.server).isEmpty)
    }

    @Test func aTransportWatchedAfterCancellingIsShutAtOnce() throws {
        let pair = try ConnectedPair(clientTimeout: 30)
        defer { pair.close() }
        let cancellation = Cancellation()
        cancellation.cancel()
        cancellation.watch(pair.client)
        #expect(try read(1, from: pair.client).isEmpty)
        #expect { try pair.client.write(Array("late".utf8)) } throws: { ($0 as? NetError)?.kind == .connection }
    }

    @Test func aForgottenTransportOutlivesTheCancellation() throws {
        let pair = try ConnectedPair()
        defer { pair.close() }
        let cancellation = Cancellation()
        cancellation.watch(pair.client)
        cancellation.forget(pair.client)
        cancellation.cancel()
        try pair.client.write(Array("still here".utf8))
        #expect(try read(10, from: pair.server) == Array("still here".utf8))
    }
}

/// A client socket connected to a listener, and the server's end of it.
private struct ConnectedPair {
    let listener: TCPListener
    let client: TCPSocket
    let server: TCPSocket

    /// `clientTimeout` bounds each call on the client's end; the server's is 5 s.
    init(host: String = "127.0.0.1", clientTimeout: Double = 5) throws {
        listener = try TCPListener(host: host)
        client = try TCPSocket.connect(host: host, port: listener.address.port, timeout: clientTimeout)
        server = try listener.accept(timeout: 5, socketTimeout: 5)
    }

    func close() {
        client.close()
        server.close()
        listener.close()
    }
}

/// A temporary file holding given bytes, open for reading.
private struct OpenFile {
    let path = NSTemporaryDirectory() + "ferry-sendfile-\(UUID().uuidString).bin"
    let descriptor: Int32

    init(_ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw CocoaError(.fileReadUnknown) }
    }

    func close() {
        Glibc.close(descriptor)
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Reads until `count` bytes came or the stream ended.
private func read(_ count: Int, from transport: any Transport) throws -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while received.count < count {
        let chunk = try buffer.withUnsafeMutableBytes { try transport.read(into: $0) }
        if chunk == 0 { break }
        received += buffer[0..<chunk]
    }
    return received
}

import Dispatch
import Foundation
import Net
import Testing

/// A TLS handshake is bounded as a whole, not only read by read.
@Suite("TLS handshake deadline")
struct HandshakeDeadlineTests {
    /// A server that begins a TLS record and then sends its body a byte every 0.2 s: every read
    /// is well within the socket's timeout, yet the handshake would take many seconds.
    @Test func aHandshakeTrickledAByteAtATimeIsGivenUpOn() throws {
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        Thread.detachNewThread {
            guard let server = try? listener.accept(timeout: 5, socketTimeout: 5) else { return }
            defer { server.close() }
            // A handshake record of 64 bytes announced, then sent slowly.
            guard (try? server.write([0x16, 0x03, 0x03, 0x00, 0x40])) != nil else { return }
            for _ in 0..<64 {
                Thread.sleep(forTimeInterval: 0.2)
                guard (try? server.write([0x02])) != nil else { return }
            }
        }
        let socket = try TCPSocket.connect(host: "127.0.0.1", port: listener.address.port, timeout: 2)
        let context = try TLSContext(configuration: TLSConfiguration(verifiesCertificates: false))
        let started = Date()
        #expect {
            try TLSStream.handshake(over: socket, context: context, host: "127.0.0.1", port: listener.address.port, deadline: 1)
        } throws: { error in
            guard let error = error as? NetError else { return false }
            return error.kind == .timeout && error.detail.contains("TLS handshake") && error.detail.contains("given up")
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// The deadline's clock runs while every thread of dispatch's global pool is busy (as the
    /// threads of an app's tasks may be, or a test runner's): a read it bounds returns once it
    /// passes, not once a thread of the pool is free.
    @Test func aDeadlinePassesWhileEveryThreadOfTheGlobalPoolIsBusy() throws {
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        let socket = try TCPSocket.connect(host: "127.0.0.1", port: listener.address.port, timeout: 5)
        defer { socket.close() }
        let server = try listener.accept(timeout: 5, socketTimeout: 5)
        defer { server.close() }
        // Busy, not waiting: dispatch adds threads to its pool for blocked ones, not busy ones.
        let readEnded = Locked(false)
        for _ in 0...ProcessInfo.processInfo.activeProcessorCount {
            DispatchQueue.global().async { while !readEnded.withLock({ $0 }) {} }
        }
        defer { readEnded.withLock { $0 = true } }
        let started = Date()
        let clock = TransportDeadline(seconds: 0.3, transport: socket)
        var byte: UInt8 = 0
        // The server sends nothing: only the deadline ends the read, or the socket's timeout.
        _ = try? withUnsafeMutableBytes(of: &byte) { try socket.read(into: $0) }
        let elapsed = Date().timeIntervalSince(started)
        readEnded.withLock { $0 = true }
        #expect(clock.end())
        #expect(elapsed < 4)
    }
}

import COpenSSL
import Foundation
@testable import Net
import Testing

/// A TLS stream that ends with the TCP connection closed, without close_notify, may have been
/// cut short by anyone on the path: the reader is told so.
@Suite("The end of a TLS stream")
struct StreamEndTests {
    /// A TLS server on its own thread for the one client it accepts: the handshake, then `body`
    /// with the connection and its socket.
    private func serveOne(
        on listener: TCPListener, certificate: (certificate: String, key: String), _ body: @escaping @Sendable (OpaquePointer, TCPSocket) -> Void
    ) {
        Thread.detachNewThread {
            guard let socket = try? listener.accept(timeout: 5, socketTimeout: 5), let context = SSL_CTX_new(TLS_server_method()) else { return }
            defer {
                SSL_CTX_free(context)
                socket.close()
            }
            guard SSL_CTX_use_certificate_file(context, certificate.certificate, SSL_FILETYPE_PEM) == 1,
                  SSL_CTX_use_PrivateKey_file(context, certificate.key, SSL_FILETYPE_PEM) == 1,
                  let ssl = SSL_new(context)
            else { return }
            defer { SSL_free(ssl) }
            SSL_set_fd(ssl, socket.fileDescriptor)
            guard SSL_accept(ssl) == 1 else { return }
            body(ssl, socket)
        }
    }

    /// A TLS server that sends `bytes` to the one client it accepts, then ends the connection
    /// with close_notify (`closesCleanly`) or by closing the socket alone.
    private func serve(_ bytes: [UInt8], closesCleanly: Bool, on listener: TCPListener, certificate: (certificate: String, key: String)) {
        serveOne(on: listener, certificate: certificate) { ssl, _ in
            guard SSL_write(ssl, bytes, Int32(bytes.count)) == Int32(bytes.count) else { return }
            if closesCleanly { SSL_shutdown(ssl) }
        }
    }

    /// A TLS server that, after the handshake, begins a 16 KiB record and sends a byte of it every
    /// 0.2 s, each well within the socket's timeout, for up to 10 s.
    private func trickleARecord(on listener: TCPListener, certificate: (certificate: String, key: String)) {
        serveOne(on: listener, certificate: certificate) { _, socket in
            // Application data, TLS 1.2 framing, 16,384 bytes to come; sent without SIGPIPE, as
            // the client hangs up before the end.
            let header: [UInt8] = [0x17, 0x03, 0x03, 0x40, 0x00]
            guard send(socket.fileDescriptor, header, header.count, Int32(MSG_NOSIGNAL)) == header.count else { return }
            for _ in 0..<50 {
                Thread.sleep(forTimeInterval: 0.2)
                guard send(socket.fileDescriptor, [0x2A], 1, Int32(MSG_NOSIGNAL)) == 1 else { return }
            }
        }
    }

    /// A TLS client's stream to `listener`, the certificate not checked.
    private func clientStream(to listener: TCPListener) throws -> TLSStream {
        let socket = try TCPSocket.connect(host: "127.0.0.1", port: listener.address.port, timeout: 5)
        let context = try TLSContext(configuration: TLSConfiguration(verifiesCertificates: false))
        return try TLSStream.handshake(over: socket, context: context, host: "127.0.0.1", port: listener.address.port, deadline: 5)
    }

    /// A record that trickles in is given up on once it took longer than the stream allows,
    /// though every socket read keeps within its timeout.
    @Test func aRecordThatTricklesInIsGivenUpOn() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-tls-trickle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        trickleARecord(on: listener, certificate: try selfSignedCertificate(commonName: "127.0.0.1", named: "server", in: folder))

        let stream = try clientStream(to: listener)
        defer { stream.close() }
        stream.limitEachRecord(toSeconds: 1)
        let started = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect { try buffer.withUnsafeMutableBytes { try stream.read(into: $0) } } throws: { ($0 as? NetError)?.kind == .timeout }
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test(arguments: [true, false])
    func aStreamThatEndsWithoutCloseNotifyIsToldApart(_ closesCleanly: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-tls-end-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        let sent = Array("-rw-r--r-- 1 u g 1 Jan 1 2024 a.txt\r\n-rw-r--r-- 1 u g 1 Jan 1 2024 b.t".utf8)
        serve(sent, closesCleanly: closesCleanly, on: listener, certificate: try selfSignedCertificate(commonName: "127.0.0.1", named: "server", in: folder))

        let stream = try clientStream(to: listener)
        defer { stream.close() }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = try buffer.withUnsafeMutableBytes({ try stream.read(into: $0) }), count > 0 {
            received += buffer.prefix(count)
        }
        #expect(received == sent)
        #expect(stream.endedWithoutCloseNotify == !closesCleanly)
        // The end stays the end.
        #expect(try buffer.withUnsafeMutableBytes { try stream.read(into: $0) } == 0)
    }

    /// A stream closed (after a failure, say) and then used by mistake fails as a closed
    /// connection: its SSL object lives on until the stream goes, so nothing reads freed memory.
    /// Its socket goes with it, though the handshake's deadline (a minute here) has not passed.
    @Test func aClosedStreamRefusesToReadOrWrite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-tls-closed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        // The server's last write is the greeting, read before the close: nothing of the
        // server's meets the closed end (which would raise SIGPIPE in this process).
        serve(Array("hello".utf8), closesCleanly: false, on: listener, certificate: try selfSignedCertificate(commonName: "127.0.0.1", named: "server", in: folder))

        weak var closedSocket: TCPSocket?
        do {
            let socket = try TCPSocket.connect(host: "127.0.0.1", port: listener.address.port, timeout: 5)
            closedSocket = socket
            let context = try TLSContext(configuration: TLSConfiguration(verifiesCertificates: false))
            let stream = try TLSStream.handshake(over: socket, context: context, host: "127.0.0.1", port: listener.address.port, deadline: 60)
            var buffer = [UInt8](repeating: 0, count: 4096)
            var greeting: [UInt8] = []
            while greeting.count < 5, case let count = try buffer.withUnsafeMutableBytes({ try stream.read(into: $0) }), count > 0 {
                greeting += buffer.prefix(count)
            }
            #expect(greeting == Array("hello".utf8))
            stream.close()
            #expect { try buffer.withUnsafeMutableBytes { try stream.read(into: $0) } } throws: {
                ($0 as? NetError)?.kind == .connection && "\($0)".contains("closed here")
            }
            #expect { try stream.write(Array("NOOP\r\n".utf8)) } throws: { ($0 as? NetError)?.kind == .connection }
            #expect(stream.protocolVersion.hasPrefix("TLS"))
        }
        #expect(closedSocket == nil)
    }

    /// Writes to a peer that hung up fail, and the SIGPIPE that OpenSSL's plain write() raises
    /// for them does not end this process, which does not ignore it.
    @Test(.enabled(if: brokenPipeEndsTheProcess, "this process ignores SIGPIPE: a test could not tell"))
    func writesToAPeerThatHungUpFailWithoutEndingTheProcess() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-tls-hangup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listener = try TCPListener(host: "127.0.0.1")
        defer { listener.close() }
        serve(Array("bye".utf8), closesCleanly: false, on: listener, certificate: try selfSignedCertificate(commonName: "127.0.0.1", named: "server", in: folder))

        let stream = try clientStream(to: listener)
        defer { stream.close() }
        var buffer = [UInt8](repeating: 0, count: 4096)
        // The server's bytes, then its end: it has closed its socket.
        while try buffer.withUnsafeMutableBytes({ try stream.read(into: $0) }) > 0 {}
        let chunk = [UInt8](repeating: 1, count: 64 * 1024)
        #expect(throws: NetError.self) {
            for _ in 0..<100 {
                try stream.write(chunk)
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0)
    }
}

import Foundation
import FTP
import FTPServer
import Testing
import TestSupport

/// The loopback server's reply delay in transit: replies come late, but the server goes on
/// reading, so commands sent back to back are not delayed one after another.
@Suite("Replies delayed in transit")
struct ReplyDelayTests {
    /// Reads from `socket` until `count` final reply lines arrived; their codes, in order.
    static func replyCodes(_ count: Int, from socket: TCPSocket) throws -> [Int] {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        func finalLines() -> [String] {
            text.split(separator: "\r\n").map(String.init).filter { $0.count >= 4 && $0.prefix(3).allSatisfy(\.isNumber) && $0.dropFirst(3).first == " " }
        }
        while finalLines().count < count {
            let read = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
            guard read > 0 else { break }
            text += String(decoding: buffer[0..<read], as: UTF8.self)
        }
        return finalLines().compactMap { Int($0.prefix(3)) }
    }

    @Test func pipelinedCommandsAreAnsweredInOrderWithoutAddingUpTheDelay() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let delay = 0.5
        fixture.server.faults.delayReplies(by: delay, inTransit: true)
        let socket = try TCPSocket.connect(host: fixture.server.address.host, port: fixture.port, timeout: 10)
        defer { socket.close() }
        #expect(try Self.replyCodes(1, from: socket) == [220])

        let start = ContinuousClock.now
        try socket.write(Array("USER \(ServerFixture.user)\r\nPASS \(ServerFixture.password)\r\nNOOP\r\nSYST\r\nPWD\r\n".utf8))
        let codes = try Self.replyCodes(5, from: socket)
        let elapsed = ContinuousClock.now - start

        #expect(codes == [331, 230, 200, 215, 257])
        #expect(elapsed >= .seconds(delay))
        // One after another they would take five delays; in transit about one. The bound is loose
        // because the machine is shared.
        #expect(elapsed < .seconds(3 * delay), "5 pipelined replies took \(elapsed)")
    }

    @Test func repliesInTransitAllArriveBeforeTheSessionCloses() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.delayReplies(by: 0.1, inTransit: true)
        let socket = try TCPSocket.connect(host: fixture.server.address.host, port: fixture.port, timeout: 10)
        defer { socket.close() }
        try socket.write(Array("PWD\r\nSYST\r\nQUIT\r\n".utf8))
        #expect(try Self.replyCodes(4, from: socket) == [220, 530, 215, 221])
    }

    @Test func aClientWorksAsUsualThroughDelayedReplies() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("late.txt", Data("on its way\n".utf8))
        fixture.server.faults.delayReplies(by: 0.05, inTransit: true)
        let client = try fixture.client()
        defer { client.close() }
        var received = Data()
        try client.retrieve("late.txt") { received.append(contentsOf: $0) }
        #expect(received == Data("on its way\n".utf8))
        try client.store("back.txt", from: reader(for: Data("and back\n".utf8)))
        #expect(fixture.root.read("back.txt") == Data("and back\n".utf8))
    }
}

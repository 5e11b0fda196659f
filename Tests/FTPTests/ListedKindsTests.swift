import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport

/// What a folder's LIST says of one path (`ListedKinds`), which decides whether a tree delete
/// may walk into it: read through the fuzzed parser, each folder asked once, and a LIST that
/// cannot be asked or read says nothing.
@Suite("LIST kinds of named paths")
struct ListedKindsTests {
    /// A name made of bytes no terminal should see, as the hostile line below spells it.
    private static let hostileName: [UInt8] = Array("e".utf8) + [0x1B, 0x5B, 0x32, 0x4A, 0xFF, 0xFE] + Array("vil".utf8)

    /// Lines of bytes no listing holds (a 20,000-byte one, control bytes, invalid UTF-8) are
    /// passed over; the readable ones are answered, each by its own kind, after one LIST.
    @Test func hostileLinesArePassedOverAndTheRestIsAnswered() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("pub/f.txt", Data("x".utf8))
        var lines = Array("drwxr-xr-x 2 u g 4096 Jan 1 2024 box\r\n".utf8)
        lines += Array("lrwxrwxrwx 1 u g 3 Jan 1 2024 lnk -> box\r\n".utf8)
        lines += Array(repeating: UInt8(ascii: "d"), count: 20_000) + Array("\r\n".utf8)
        lines += [0xFF, 0x00, 0x1B, 0x0D, 0x0A]
        lines += Array("-rw-r--r-- 1 u g 1 Jan 1 2024 f.txt\r\n".utf8)
        lines += Array("drwxr-xr-x 2 u g 4096 Jan 1 2024 ".utf8) + Self.hostileName + Array("\r\n".utf8)
        lines += Array("lrwxrwxrwx 1 u g 3 Jan 1 2024 -> \r\n".utf8)
        fixture.server.faults.serveListing(lines, of: "pub")
        let client = try fixture.client()
        defer { client.close() }
        let kinds = ListedKinds()
        #expect(try kinds.answer(for: "pub/box", client: client) == .listed(.directory))
        #expect(try kinds.answer(for: "pub/lnk", client: client) == .listed(.link))
        #expect(try kinds.answer(for: "pub/f.txt", client: client) == .listed(.file))
        #expect(try kinds.answer(for: RemotePath(bytes: Array("pub/".utf8) + Self.hostileName), client: client) == .listed(.directory))
        #expect(try kinds.answer(for: "pub/none", client: client) == .absent)
        #expect(try kinds.answer(for: "pub/.", client: client) == .unknown)
        #expect(try kinds.answer(for: "pub/..", client: client) == .unknown)
        #expect(fixture.server.receivedCommands.filter { $0.hasPrefix("LIST") } == ["LIST pub/"])
        #expect(try client.pwd() == RemotePath("/"))
    }

    /// A refused LIST says nothing of the path, and the connection goes on.
    @Test func aRefusedListSaysNothing() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("pub/box/in.txt", Data("x".utf8))
        let client = try fixture.client()
        defer { client.close() }
        fixture.server.faults.script("LIST", reply: .init(code: 550, text: "No listing for you."))
        #expect(try ListedKinds().answer(for: "pub/box", client: client) == .unknown)
        #expect(try client.pwd() == RemotePath("/"))
    }
}

import Foundation
import TestSupport
import Testing

/// `ferry cp` between two loopback servers (and within one): byte-identical, verified, streamed.
@Suite("Server-to-server copies")
struct ServerToServerCopyTests {
    @Test func aFileGoesFromOneServerToAnotherIntoAFolderOrUnderANewName() throws {
        let (from, to) = (try ServerFixture(), try ServerFixture())
        defer { from.stop(); to.stop() }
        let contents = sampleBytes(3_000_000)
        try from.root.write("pub/big.bin", contents)
        try FileManager.default.createDirectory(atPath: to.root.file("in"), withIntermediateDirectories: true)
        let result = try FerryProcess.run(["cp", "--json", from.url("pub/big.bin"), to.url("in/")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(to.root.read("in/big.bin") == contents)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(object?["verified"] as? String == "SHA-256")
        #expect(object?["bytes"] as? Int == 3_000_000)
        #expect(object?["destination"] as? String == "ftp://alice@127.0.0.1:\(to.port)/in/big.bin")

        let renamed = try FerryProcess.run(["cp", from.url("pub/big.bin"), to.url("in/copy.bin")])
        #expect(renamed.status == 0, "\(renamed.standardError)")
        #expect(to.root.read("in/copy.bin") == contents)
        // Within one server, over two connections of its own.
        let same = try FerryProcess.run(["cp", from.url("pub/big.bin"), from.url("pub/again.bin")])
        #expect(same.status == 0, "\(same.standardError)")
        #expect(from.root.read("pub/again.bin") == contents)
    }

    @Test func aTreeIsCopiedWholeAndAHostileNameStaysOut() throws {
        let (from, to) = (try ServerFixture(), try ServerFixture())
        defer { from.stop(); to.stop() }
        let tree = [("site/index.html", Data("<h1>hi</h1>".utf8)), ("site/img/a.bin", sampleBytes(500_000)), ("site/img/deep/b.txt", Data())]
        for (path, contents) in tree { try from.root.write(path, contents) }
        let result = try FerryProcess.run(["cp", "-r", "-P", "2", from.url("site/"), to.url("")])
        #expect(result.status == 0, "\(result.standardError)")
        for (path, contents) in tree { #expect(to.root.read(path) == contents, "\(path)") }
    }

    @Test func serversWithoutSizeStillCopy() throws {
        let (from, to) = (try ServerFixture(), try ServerFixture())
        defer { from.stop(); to.stop() }
        let contents = sampleBytes(700_000)
        try from.root.write("a.bin", contents)
        from.server.faults.script("SIZE", reply: .init(code: 502, text: "SIZE not implemented."))
        to.server.faults.script("SIZE", reply: .init(code: 502, text: "SIZE not implemented."))
        let result = try FerryProcess.run(["cp", from.url("a.bin"), to.url("b.bin")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(to.root.read("b.bin") == contents)
    }

    @Test func aMissingSourceIsExitFiveAndAFolderWithoutRIsAUsageError() throws {
        let (from, to) = (try ServerFixture(), try ServerFixture())
        defer { from.stop(); to.stop() }
        try from.root.write("d/x", Data("x".utf8))
        #expect(try FerryProcess.run(["cp", from.url("nope.bin"), to.url("")]).status == 5)
        #expect(try FerryProcess.run(["cp", from.url("d/"), to.url("")]).status == 2)
        #expect(try FerryProcess.run(["cp", from.url("d/x")]).status == 2)
    }

    /// A copy onto its own source would truncate the file it reads (exit 0, the file 0 bytes):
    /// on one server as one user, the same file however spelled, or a folder into itself, is
    /// refused before a byte moves.
    @Test(arguments: [
        ["big.bin", "big.bin"], ["big.bin", "./pub/../big.bin"], ["pub/docs", "pub/"], ["pub/docs", "pub/docs/sub/"],
    ])
    func aCopyOntoItsOwnSourceIsRefused(_ paths: [String]) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let big = sampleBytes(3_000_000)
        try fixture.root.write("big.bin", big)
        try fixture.root.write("pub/docs/big.pdf", big)
        // The destination spelled with another name for the same server.
        let destination = fixture.url(paths[1]).replacingOccurrences(of: "@127.0.0.1:", with: "@localhost:")
        let result = try FerryProcess.run(["cp", "-r", fixture.url(paths[0]), destination])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("same file") || result.standardError.contains("into itself"), "\(result.standardError)")
        #expect(fixture.root.read("big.bin") == big)
        #expect(fixture.root.read("pub/docs/big.pdf") == big)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("STOR") })
    }
}

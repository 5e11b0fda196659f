import Foundation
import FTP
import FTPWire
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// Names that are not UTF-8 must round-trip byte for byte. vsftpd serves names as the bytes on
/// disk (pyftpdlib replaces what it cannot decode with `?`), so a Latin-1 name made there comes
/// back in its LIST output and can be fetched, stored and deleted.
@Suite("Interop: names that are not UTF-8", .enabled(if: InteropServer.shouldTest("VSFTPD"), InteropServer.skipReason))
struct RawNameInteropTests {
    /// `été-<id>.txt` in Latin-1.
    func latin1Name() -> [UInt8] { [0xE9, 0x74, 0xE9, 0x2D] + Array(UUID().uuidString.prefix(8).utf8) + Array(".txt".utf8) }

    /// Creates a file whose name is exactly `name` in `folder`.
    func createFile(named name: [UInt8], in folder: String, contents: Data) throws {
        let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
        let descriptor = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        _ = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// The contents of the file whose name is exactly `name`, read without decoding the name.
    func contentsOfFile(named name: [UInt8], in folder: String) -> Data? {
        let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
        let descriptor = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY) }
        }
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &bytes, bytes.count)
        return count >= 0 ? Data(bytes.prefix(count)) : nil
    }

    func remove(named name: [UInt8], in folder: String) {
        let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
        path.withUnsafeBufferPointer { buffer in buffer.withMemoryRebound(to: CChar.self) { _ = unlink($0.baseAddress!) } }
    }

    @Test func listedLatin1NamesCanBeFetchedAndStoredAgain() throws {
        let server = try InteropServer.require("VSFTPD")
        let folder = "\(UUID().uuidString.prefix(8))-raw"
        try FileManager.default.createDirectory(atPath: server.file(folder), withIntermediateDirectories: true)
        // vsftpd works as the test user, who must be able to write there.
        let owner = try FileManager.default.attributesOfItem(atPath: server.root)[.ownerAccountID]
        try FileManager.default.setAttributes([.ownerAccountID: owner as Any], ofItemAtPath: server.file(folder))
        defer { try? FileManager.default.removeItem(atPath: server.file(folder)) }
        let name = latin1Name()
        try createFile(named: name, in: server.file(folder), contents: Data("latin".utf8))
        let url = try FTPURL(server.url(""))
        let client = try FTPClient(host: url.host, port: url.port, options: .init(timeout: 10))
        defer { client.close() }
        try client.login(user: url.user ?? "", password: url.password ?? "")
        try client.cwd(RemotePath(folder))
        let entry = try #require(try client.listDirectory().first)
        #expect(entry.remoteName.bytes == name)
        #expect(entry.name == String(decoding: name.map { UInt16($0) }, as: UTF16.self))
        var received = Data()
        try client.retrieve(entry.remoteName) { received.append(contentsOf: $0) }
        #expect(received == Data("latin".utf8))
        let copy = RemotePath(bytes: entry.remoteName.bytes + Array(".copy".utf8))
        try client.store(copy, from: reader(for: Data("again".utf8)))
        #expect(contentsOfFile(named: copy.bytes, in: server.file(folder)) == Data("again".utf8))
        try client.delete(copy)
        #expect(contentsOfFile(named: copy.bytes, in: server.file(folder)) == nil)
    }

    @Test func theWorkingDirectoryComesBackByteForByte() throws {
        let server = try InteropServer.require("VSFTPD")
        let name = latin1Name()
        let path = Array(server.root.utf8) + [UInt8(ascii: "/")] + name + [0]
        try #require(path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o777) } } == 0)
        defer { path.withUnsafeBufferPointer { buffer in buffer.withMemoryRebound(to: CChar.self) { _ = rmdir($0.baseAddress!) } } }
        let url = try FTPURL(server.url(""))
        let client = try FTPClient(host: url.host, port: url.port, options: .init(timeout: 10))
        defer { client.close() }
        try client.login(user: url.user ?? "", password: url.password ?? "")
        let home = try client.pwd()
        try client.cwd(RemotePath(bytes: name))
        let inside = try client.pwd()
        #expect(inside.bytes.suffix(name.count) == name[...])
        try client.cwd(home)
        try client.cwd(inside)
        #expect(try client.pwd() == inside)
    }

    @Test func theCommandLineTakesPercentEncodedBytes() throws {
        let server = try InteropServer.require("VSFTPD")
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let name = latin1Name()
        try createFile(named: name, in: server.root, contents: Data("bytes".utf8))
        defer { remove(named: name, in: server.root) }
        let encoded = name.map { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2E || byte == 0x2D
                ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
        let listing = try FerryProcess.run(["ls", "--json", server.url("")])
        #expect(listing.standardOutput.contains("\"\(String(decoding: name.map { UInt16($0) }, as: UTF16.self))\""))
        let get = try FerryProcess.run(["get", server.url(encoded), local.file("fetched.txt")])
        #expect(get.status == 0, "\(get.standardError)")
        #expect(local.read("fetched.txt") == Data("bytes".utf8))
        let put = try FerryProcess.run(["put", local.file("fetched.txt"), server.url(encoded + ".up")])
        #expect(put.status == 0, "\(put.standardError)")
        #expect(contentsOfFile(named: name + Array(".up".utf8), in: server.root) == Data("bytes".utf8))
        remove(named: name + Array(".up".utf8), in: server.root)
    }
}

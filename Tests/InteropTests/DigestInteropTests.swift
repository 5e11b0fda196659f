import Foundation
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// Verification against a real server that computes digests: proftpd with mod_digest, whose FEAT
/// offers `HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512` and `XCRC`, `XMD5`, `XSHA1`, `XSHA256`. Ferry picks
/// SHA-256 with `OPTS HASH` and compares proftpd's digest with the bytes that passed, on downloads,
/// uploads and copies from the other servers (which offer no digest) into proftpd.
@Suite("Interop: verification against proftpd", .enabled(if: InteropServer.shouldTest("PROFTPD"), InteropServer.skipReason))
struct DigestInteropTests {
    /// A unique name, so that tests running at the same time never share a file.
    func unique(_ name: String) -> String { "\(UUID().uuidString.prefix(8))-\(name)" }

    /// The NDJSON objects a command printed.
    func objects(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func aDownloadIsCheckedWithHashSHA256() throws {
        let server = try InteropServer.require("PROFTPD")
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for size in [1, 3_000_000] {
            let remoteName = unique("\(size).bin")
            let contents = sampleBytes(size, seed: UInt64(size) + 11)
            try contents.write(to: URL(fileURLWithPath: server.file(remoteName)))
            defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
            let get = try FerryProcess.run(["get", "-v", "--json", server.url(remoteName), local.file(remoteName)], in: local.path)
            #expect(get.status == 0, "\(get.standardError)")
            #expect(get.standardError.contains("> OPTS HASH SHA-256"), "\(get.standardError)")
            #expect(get.standardError.contains("> HASH \(remoteName)"), "\(get.standardError)")
            let reports = try objects(get.standardOutput)
            #expect(reports.count == 1)
            #expect(reports.first?["status"] as? String == "done")
            #expect(reports.first?["verified"] as? String == "SHA-256")
            #expect(local.read(remoteName) == contents)
        }
    }

    @Test func anUploadIsCheckedWithHashSHA256() throws {
        let server = try InteropServer.require("PROFTPD")
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = unique("upload.bin")
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let contents = sampleBytes(2_500_000, seed: 5)
        try local.write(remoteName, contents)
        let put = try FerryProcess.run(["put", "-v", "--json", local.file(remoteName), server.url("")], in: local.path)
        #expect(put.status == 0, "\(put.standardError)")
        #expect(put.standardError.contains("> HASH \(remoteName)"), "\(put.standardError)")
        #expect(try objects(put.standardOutput).first?["verified"] as? String == "SHA-256")
        #expect(FileManager.default.contents(atPath: server.file(remoteName)) == contents)
    }

    @Test(.enabled(if: InteropServer.shouldTest("PYFTPDLIB", "VSFTPD"), InteropServer.skipReason), arguments: ["PYFTPDLIB", "VSFTPD"])
    func aCopyFromAnotherServerIsCheckedByProftpd(_ sourceName: String) throws {
        let (source, destination) = (try InteropServer.require(sourceName), try InteropServer.require("PROFTPD"))
        let remoteName = unique("copy.bin")
        let contents = sampleBytes(3_000_000, seed: 17)
        try contents.write(to: URL(fileURLWithPath: source.file(remoteName)))
        defer {
            try? FileManager.default.removeItem(atPath: source.file(remoteName))
            try? FileManager.default.removeItem(atPath: destination.file(remoteName))
        }
        let copy = try FerryProcess.run(["cp", "-v", "--json", source.url(remoteName), destination.url("")])
        #expect(copy.status == 0, "\(copy.standardError)")
        #expect(copy.standardError.contains("> HASH \(remoteName)"), "\(copy.standardError)")
        let report = try objects(copy.standardOutput).first
        #expect(report?["verified"] as? String == "SHA-256")
        #expect(report?["bytes"] as? Int == 3_000_000)
        #expect(FileManager.default.contents(atPath: destination.file(remoteName)) == contents)
    }

    @Test(.enabled(if: InteropServer.shouldTest("PYFTPDLIB"), InteropServer.skipReason))
    func aTreeCopiedFromPyftpdlibIsCheckedFileByFileByProftpd() throws {
        let (source, destination) = (try InteropServer.require("PYFTPDLIB"), try InteropServer.require("PROFTPD"))
        let folder = unique("tree")
        defer {
            try? FileManager.default.removeItem(atPath: source.file(folder))
            try? FileManager.default.removeItem(atPath: destination.file(folder))
        }
        let tree = [("index.html", Data("<h1>hi</h1>".utf8)), ("img/a.bin", sampleBytes(700_000, seed: 23)), ("img/deep/b.txt", Data("b\n".utf8))]
        for (path, contents) in tree {
            let file = source.file("\(folder)/\(path)")
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(to: URL(fileURLWithPath: file))
        }
        let copy = try FerryProcess.run(["cp", "-r", "--json", source.url("\(folder)/"), destination.url("")])
        #expect(copy.status == 0, "\(copy.standardError)")
        let reports = try objects(copy.standardOutput)
        #expect(reports.count == tree.count)
        for report in reports { #expect(report["verified"] as? String == "SHA-256", "\(report)") }
        for (path, contents) in tree {
            #expect(FileManager.default.contents(atPath: destination.file("\(folder)/\(path)")) == contents, "\(path)")
        }
    }
}

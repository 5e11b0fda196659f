import Foundation
import TestSupport
import Testing

/// `get -r` and `put -r` against the loopback server: folders copied as `cp -r` copies them.
@Suite("Recursive copies")
struct RecursiveCopyTests {
    let tree: [(String, Data)] = [
        ("site/index.html", Data("<h1>hi</h1>".utf8)),
        ("site/img/logo.bin", sampleBytes(300_000)),
        ("site/img/deep/er/note.txt", Data("deep".utf8)),
        ("site/scratch.tmp", Data("leave me".utf8)),
        ("site/naïve ファイル.txt", Data("utf8".utf8)),
    ]

    @Test func getRecursiveCopiesAFolderIntoTheDestination() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for (path, contents) in tree { try fixture.root.write(path, contents) }
        try FileManager.default.createDirectory(atPath: fixture.root.file("site/empty"), withIntermediateDirectories: true)

        let refused = try FerryProcess.run(["get", fixture.url("site/")], in: local.path)
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("-r"))

        let result = try FerryProcess.run(["get", "-r", "--exclude", "*.tmp", fixture.url("site"), "."], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        for (path, contents) in tree where !path.hasSuffix(".tmp") {
            #expect(local.read(path) == contents, "\(path)")
        }
        #expect(!local.exists("site/scratch.tmp"))
        #expect(local.exists("site/empty"))

        // Again with -c: every file is complete, nothing changes.
        let again = try FerryProcess.run(["get", "-r", "-c", fixture.url("site/"), "copy"], in: local.path)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(local.read("copy/img/logo.bin") == sampleBytes(300_000))
    }

    @Test func putRecursiveMakesTheFolderOnTheServer() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for (path, contents) in tree { try local.write(path, contents) }
        try FileManager.default.createDirectory(atPath: fixture.root.file("www"), withIntermediateDirectories: true)

        let refused = try FerryProcess.run(["put", "site", fixture.url("www/")], in: local.path)
        #expect(refused.status == 2)

        let result = try FerryProcess.run(["put", "-r", "--include", "*.html", "--include", "*.bin", "site", fixture.url("www/")], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(fixture.root.read("www/site/index.html") == Data("<h1>hi</h1>".utf8))
        #expect(fixture.root.read("www/site/img/logo.bin") == sampleBytes(300_000))
        #expect(fixture.root.exists("www/site/img/deep/er"))
        #expect(!fixture.root.exists("www/site/img/deep/er/note.txt"))
        #expect(!fixture.root.exists("www/site/scratch.tmp"))

        // A folder that does not exist yet becomes the copy itself, as with cp -r.
        let renamed = try FerryProcess.run(["put", "-r", "site/img", fixture.url("pictures")], in: local.path)
        #expect(renamed.status == 0, "\(renamed.standardError)")
        #expect(fixture.root.read("pictures/deep/er/note.txt") == Data("deep".utf8))
    }

    /// Two local files of one name sent into one folder would be written at once, the server's
    /// file a mix of both: only the first is sent, and the second is a failure.
    @Test func twoUploadsToOneServerFileSendOnlyTheFirst() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("a/x", sampleBytes(400_000))
        try local.write("b/x", sampleBytes(300_000, seed: 7))
        try FileManager.default.createDirectory(atPath: fixture.root.file("d"), withIntermediateDirectories: true)

        let result = try FerryProcess.run(["put", "-P", "2", "--json", "a/x", "b/x", fixture.url("d/")], in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("d/x is the target of two uploads; only the first runs"), "\(result.standardError)")
        #expect(fixture.root.read("d/x") == sampleBytes(400_000))
    }

    @Test func aHostileNameInAFolderWritesNothingOutsideIt() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/ok.txt", Data("ok".utf8))
        fixture.server.faults.serveListing(Array("""
            -rw-r--r-- 1 u g 2 Jan 1 2024 ok.txt\r
            -rw-r--r-- 1 u g 2 Jan 1 2024 ../../escaped.txt\r
            -rw-r--r-- 1 u g 2 Jan 1 2024 ..\r
            -rw-r--r-- 1 u g 2 Jan 1 2024 gone\u{1B}[2J.txt\r

            """.utf8))
        let result = try FerryProcess.run(["get", "-r", fixture.url("pub/"), "."], in: local.path)
        // `..` itself is no entry; a name with slashes is refused; one with an escape sequence
        // (missing on the server) fails shown inert; the other file is still fetched: exit 1.
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("refusing to write a file called"))
        #expect(result.standardError.contains("gone\\x1b[2J.txt"))
        #expect(!result.standardError.contains("\u{1B}"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path) == ["pub"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.file("pub")) == ["ok.txt"])
        #expect(!FileManager.default.fileExists(atPath: local.file("../escaped.txt")))
        #expect(local.read("pub/ok.txt") == Data("ok".utf8))
    }

    /// Two files with `-P 2` go over two connections at once: the first connection does not
    /// keep the second file for itself (as it does while files enough wait for every worker).
    /// Which worker takes the first file is a race, run a few times.
    @Test func asFewFilesAsConnectionsStillGoInParallel() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 1...2 { try fixture.root.write("pub/big\(index).bin", sampleBytes(400_000, seed: UInt64(index))) }
        fixture.server.faults.throttle(bytesPerSecond: 4_000_000)
        for round in 1...4 {
            fixture.server.clearReceivedCommands()
            try FileManager.default.createDirectory(atPath: local.file("round\(round)"), withIntermediateDirectories: true)
            let result = try FerryProcess.run(["get", "-P", "2", fixture.url("pub/big*"), "round\(round)/"], in: local.path)
            #expect(result.status == 0, "\(result.standardError)")
            for index in 1...2 { #expect(local.read("round\(round)/big\(index).bin") == sampleBytes(400_000, seed: UInt64(index))) }
            #expect(fixture.server.receivedCommands.filter { $0 == "USER alice" }.count == 2, "round \(round)")
        }
    }

    @Test func parallelConnectionsShareTheFiles() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let files = (0..<12).map { ("many/file\($0).bin", sampleBytes(50_000 + $0)) }
        for (path, contents) in files { try fixture.root.write(path, contents) }
        fixture.server.faults.throttle(bytesPerSecond: 2_000_000)

        let result = try FerryProcess.run(["get", "-r", "-P", "3", fixture.url("many/"), "."], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        for (path, contents) in files { #expect(local.read(path) == contents, "\(path)") }
        // One connection walks the folder, and two more join it for the transfers.
        #expect(fixture.server.receivedCommands.filter { $0 == "USER alice" }.count == 3)

        try FileManager.default.removeItem(atPath: fixture.root.file("many"))
        let upload = try FerryProcess.run(["put", "-r", "--parallel", "4", "many", fixture.url("")], in: local.path)
        #expect(upload.status == 0, "\(upload.standardError)")
        for (path, contents) in files { #expect(fixture.root.read(path) == contents, "\(path)") }

        #expect(try FerryProcess.run(["get", "-P", "0", fixture.url("many/file1.bin")], in: local.path).status == 2)
    }

    @Test func aRefusedLoginStopsTheWholeBatch() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<5 { try fixture.root.write("f\(index).txt", Data("x".utf8)) }
        let urls = (0..<5).map { fixture.url("f\($0).txt", password: "wrong") }
        let result = try FerryProcess.run(["get", "--json", "-P", "1"] + urls + ["."], in: local.path)
        #expect(result.status == 4, "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).isEmpty)
        // One line for every file, those never begun too.
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 5, "\(result.standardOutput)")
        #expect(lines.allSatisfy { $0.contains("\"status\": \"failed\"") }, "\(result.standardOutput)")
        #expect(lines.filter { $0.contains("not begun: the batch stopped (") && $0.contains("530 Login incorrect") }.count == 4, "\(result.standardOutput)")
    }

    @Test func aServerThatLimitsConnectionsGetsFewer() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let urls = try (0..<6).map { index -> String in
            try fixture.root.write("f\(index).bin", sampleBytes(40_000 + index))
            return fixture.url("f\(index).bin")
        }
        fixture.server.faults.limitSessions(to: 2)
        let result = try FerryProcess.run(["get", "-P", "4"] + urls + ["."], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("going on with fewer"))
        for index in 0..<6 { #expect(local.read("f\(index).bin") == sampleBytes(40_000 + index)) }
    }

    @Test func twoDownloadsToOnePathRunOnlyTheFirst() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a/f.txt", Data("a".utf8))
        try fixture.root.write("b/f.txt", Data("b".utf8))
        let result = try FerryProcess.run(["get", fixture.url("a/f.txt"), fixture.url("b/f.txt"), "."], in: local.path)
        #expect(result.status == 1)
        #expect(result.standardError.contains("is the target of two downloads"))
        #expect(local.read("f.txt") == Data("a".utf8))

        let swapped = try FerryProcess.run(["put", fixture.url("f.txt"), fixture.url("")], in: local.path)
        #expect(swapped.status == 2)
        #expect(!swapped.standardError.contains(ServerFixture.password))
    }
}

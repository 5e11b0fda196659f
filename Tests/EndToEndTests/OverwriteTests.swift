import Foundation
import TestSupport
import Testing

/// `--overwrite POLICY` for get and put against the loopback server.
@Suite("Overwrite policies")
struct OverwriteTests {
    let old = Date(timeIntervalSince1970: 1_600_000_000)

    func setTime(_ date: Date, of path: String) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    @Test func getDecidesByPolicy() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.txt", Data("server".utf8))
        try local.write("a.txt", Data("mine".utf8))

        let skipped = try FerryProcess.run(["get", "--overwrite", "skip", fixture.url("a.txt")], in: local.path)
        #expect(skipped.status == 0, "\(skipped.standardError)")
        #expect(skipped.standardError.contains("skipped, it exists"))
        #expect(local.read("a.txt") == Data("mine".utf8))

        let renamed = try FerryProcess.run(["get", "--overwrite", "rename", fixture.url("a.txt")], in: local.path)
        #expect(renamed.status == 0, "\(renamed.standardError)")
        #expect(local.read("a.txt") == Data("mine".utf8))
        #expect(local.read("a.txt.1") == Data("server".utf8))

        // The local copy is newer than the server's: newer leaves it; older, it is replaced.
        try setTime(old, of: fixture.root.file("a.txt"))
        let notNewer = try FerryProcess.run(["get", "--overwrite", "newer", fixture.url("a.txt")], in: local.path)
        #expect(notNewer.standardError.contains("skipped"))
        #expect(local.read("a.txt") == Data("mine".utf8))
        try setTime(old.addingTimeInterval(-86_400 * 30), of: local.file("a.txt"))
        let newer = try FerryProcess.run(["get", "--overwrite", "newer", fixture.url("a.txt")], in: local.path)
        #expect(newer.status == 0, "\(newer.standardError)")
        #expect(local.read("a.txt") == Data("server".utf8))

        // Same size and time: different leaves it.
        try setTime(old, of: local.file("a.txt"))
        let same = try FerryProcess.run(["get", "--overwrite", "different", fixture.url("a.txt")], in: local.path)
        #expect(same.standardError.contains("skipped, same size and time"), "\(same.standardError)")

        #expect(try FerryProcess.run(["get", "-c", "--overwrite", "skip", fixture.url("a.txt")], in: local.path).status == 2)
        #expect(try FerryProcess.run(["get", "--overwrite", "sometimes", fixture.url("a.txt")], in: local.path).status == 2)
    }

    @Test func putDecidesByPolicy() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("up/b.txt", Data("server".utf8))
        try local.write("b.txt", Data("mine".utf8))

        let skipped = try FerryProcess.run(["put", "--overwrite", "skip", "b.txt", fixture.url("up/")], in: local.path)
        #expect(skipped.status == 0, "\(skipped.standardError)")
        #expect(fixture.root.read("up/b.txt") == Data("server".utf8))

        let renamed = try FerryProcess.run(["put", "--overwrite", "rename", "b.txt", fixture.url("up/")], in: local.path)
        #expect(renamed.status == 0, "\(renamed.standardError)")
        #expect(fixture.root.read("up/b.txt.1") == Data("mine".utf8))
        let again = try FerryProcess.run(["put", "--overwrite", "rename", "b.txt", fixture.url("up/")], in: local.path)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(fixture.root.read("up/b.txt.2") == Data("mine".utf8))

        let replaced = try FerryProcess.run(["put", "b.txt", fixture.url("up/")], in: local.path)
        #expect(replaced.status == 0)
        #expect(fixture.root.read("up/b.txt") == Data("mine".utf8))
    }

    /// `rename` looks for a free name beside the file it must not replace: one no other file of
    /// the batch is written to. Remote `a.1` is fetched as `a.1`, so remote `a` goes to `a.2`.
    @Test func renameTakesNoNameAnotherFileOfTheBatchIsWrittenTo() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("d/a", sampleBytes(300_000, seed: 1))
        try fixture.root.write("d/a.1", sampleBytes(200_000, seed: 2))
        try local.write("out/a", Data("mine".utf8))

        let get = try FerryProcess.run(["get", "-P", "2", "--overwrite", "rename", fixture.url("d/a"), fixture.url("d/a.1"), "out/"], in: local.path)
        #expect(get.status == 0, "\(get.standardError)")
        #expect(local.read("out/a") == Data("mine".utf8))
        #expect(local.read("out/a.1") == sampleBytes(200_000, seed: 2))
        #expect(local.read("out/a.2") == sampleBytes(300_000, seed: 1))

        // The same way up: e/a is there, e/a.1 is written by the batch, so local a goes to e/a.2.
        try fixture.root.write("e/a", Data("theirs".utf8))
        let put = try FerryProcess.run(["put", "-P", "2", "--overwrite", "rename", "out/a", "out/a.1", fixture.url("e/")], in: local.path)
        #expect(put.status == 0, "\(put.standardError)")
        #expect(fixture.root.read("e/a") == Data("theirs".utf8))
        #expect(fixture.root.read("e/a.1") == sampleBytes(200_000, seed: 2))
        #expect(fixture.root.read("e/a.2") == Data("mine".utf8))

        // Nor one whose part file is a file of the batch: b.1 would be written as b.1.part.
        try fixture.root.write("g/b", Data("bee".utf8))
        try fixture.root.write("g/b.1.part", Data("a file of its own".utf8))
        try local.write("out/b", Data("mine too".utf8))
        let part = try FerryProcess.run(["get", "-P", "2", "--overwrite", "rename", fixture.url("g/b"), fixture.url("g/b.1.part"), "out/"], in: local.path)
        #expect(part.status == 0, "\(part.standardError)")
        #expect(local.read("out/b") == Data("mine too".utf8))
        #expect(local.read("out/b.1.part") == Data("a file of its own".utf8))
        #expect(local.read("out/b.2") == Data("bee".utf8))

        // And between servers (here one server, a connection apart): f/a is there.
        try fixture.root.write("f/a", Data("kept".utf8))
        let copy = try FerryProcess.run(["cp", "-P", "2", "--overwrite", "rename", fixture.url("d/a*"), fixture.url("f/")], in: local.path)
        #expect(copy.status == 0, "\(copy.standardError)")
        #expect(fixture.root.read("f/a") == Data("kept".utf8))
        #expect(fixture.root.read("f/a.1") == sampleBytes(200_000, seed: 2))
        #expect(fixture.root.read("f/a.2") == sampleBytes(300_000, seed: 1))
    }
}

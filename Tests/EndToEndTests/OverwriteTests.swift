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
}

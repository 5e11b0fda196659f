import Foundation
import TestSupport
import Testing

/// URLs whose last part is a pattern (`*`, `?`, `[...]`, `\*` a literal star) for `get`, `rm`
/// and `cp`, through the `ferry` binary against the loopback server.
@Suite("Patterns in URLs")
struct PatternTests {
    @Test func getFetchesExactlyTheMatchingFiles() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("dir/a.gz", Data("a".utf8))
        try fixture.root.write("dir/b.gz", sampleBytes(200_000))
        try fixture.root.write("dir/c.txt", Data("c".utf8))
        try fixture.root.write("dir/a.gz.sig", Data("s".utf8))
        try FileManager.default.createDirectory(atPath: local.file("d"), withIntermediateDirectories: true)

        let result = try FerryProcess.run(["get", fixture.url("dir/*.gz"), "d/"], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(local.read("d/a.gz") == Data("a".utf8))
        #expect(local.read("d/b.gz") == sampleBytes(200_000))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.file("d")).sorted() == ["a.gz", "b.gz"])

        let classes = try FerryProcess.run(["get", fixture.url("dir/[!a].*"), "e/"], in: local.path)
        #expect(classes.status == 2, "e/ does not exist: \(classes.standardError)")
        try FileManager.default.createDirectory(atPath: local.file("e"), withIntermediateDirectories: true)
        let matched = try FerryProcess.run(["get", fixture.url("dir/[bc].*"), "e/"], in: local.path)
        #expect(matched.status == 0, "\(matched.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.file("e")).sorted() == ["b.gz", "c.txt"])
    }

    /// As in a shell, `*` leaves names that begin with a dot alone (`.htaccess` survives
    /// `rm 'pub/*'`); a pattern that begins with a dot matches them.
    @Test func aPatternMatchesDotNamesOnlyWhenItBeginsWithADot() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        for name in ["pub/a.txt", "pub/.htaccess", "pub/.h.txt"] { try fixture.root.write(name, Data("x".utf8)) }
        let all = try FerryProcess.run(["rm", fixture.url("pub/*")])
        #expect(all.status == 0, "\(all.standardError)")
        #expect(!fixture.root.exists("pub/a.txt"))
        #expect(fixture.root.exists("pub/.htaccess") && fixture.root.exists("pub/.h.txt"))
        let dotted = try FerryProcess.run(["rm", fixture.url("pub/.*.txt")])
        #expect(dotted.status == 0, "\(dotted.standardError)")
        #expect(!fixture.root.exists("pub/.h.txt"))
        #expect(fixture.root.exists("pub/.htaccess"))
    }

    /// An escaped leading dot matches dot names as a plain one does; a pattern with a `/` (or
    /// several) after it matches folders only.
    @Test func anEscapedDotMatchesDotNamesAndATrailingSlashFoldersOnly() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        for name in ["pub/.hidden", "pub/plain.txt", "pub/box/in.txt"] { try fixture.root.write(name, Data("x".utf8)) }
        let dotted = try FerryProcess.run(["rm", fixture.url("pub/%5C.h*")])
        #expect(dotted.status == 0, "\(dotted.standardError)")
        #expect(!fixture.root.exists("pub/.hidden"))
        let folders = try FerryProcess.run(["rm", "-r", fixture.url("pub/*//")])
        #expect(folders.status == 0, "\(folders.standardError)")
        #expect(!fixture.root.exists("pub/box"))
        #expect(fixture.root.exists("pub/plain.txt"))
    }

    @Test func noMatchIsNotFoundAndNamesThePattern() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/a.txt", Data("a".utf8))
        let result = try FerryProcess.run(["get", fixture.url("pub/*.gz"), "."], in: local.path)
        #expect(result.status == 5)
        #expect(result.standardError.contains("no match for 'pub/*.gz'"), "\(result.standardError)")
        let removal = try FerryProcess.run(["rm", fixture.url("pub/*.gz")], in: local.path)
        #expect(removal.status == 5)
        #expect(fixture.root.exists("pub/a.txt"))
    }

    @Test func aBackslashMakesAStarLiteral() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/star*.txt", Data("literal".utf8))
        try fixture.root.write("pub/starry.txt", Data("other".utf8))

        let escaped = try FerryProcess.run(["get", fixture.url("pub/star\\*.txt"), "."], in: local.path)
        #expect(escaped.status == 0, "\(escaped.standardError)")
        #expect(local.read("star*.txt") == Data("literal".utf8))
        #expect(!local.exists("starry.txt"))

        let encoded = try FerryProcess.run(["get", fixture.url("pub/star%5C*.txt"), "copy"], in: local.path)
        #expect(encoded.status == 0, "\(encoded.standardError)")
        #expect(local.read("copy") == Data("literal".utf8))
    }

    @Test func foldersAmongTheMatchesNeedRecursion() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("dir/a.gz", Data("a".utf8))
        try fixture.root.write("dir/old.gz/inner.txt", Data("inner".utf8))

        let plain = try FerryProcess.run(["get", "--no-progress", fixture.url("dir/*.gz"), "."], in: local.path)
        #expect(plain.status == 1)
        #expect(plain.standardError.contains("add -r"), "\(plain.standardError)")
        #expect(local.read("a.gz") == Data("a".utf8))
        #expect(!local.exists("old.gz"))

        let recursive = try FerryProcess.run(["get", "-r", fixture.url("dir/*.gz"), "."], in: local.path)
        #expect(recursive.status == 0, "\(recursive.standardError)")
        #expect(local.read("old.gz/inner.txt") == Data("inner".utf8))
    }

    @Test func aHostileMatchingNameIsRefusedAndTheRestFetched() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("pub/ok.gz", Data("ok".utf8))
        fixture.server.faults.serveListing(Array("""
            -rw-r--r-- 1 u g 2 Jan 1 2024 ok.gz\r
            -rw-r--r-- 1 u g 2 Jan 1 2024 x/../../escaped.gz\r
            -rw-r--r-- 1 u g 2 Jan 1 2024 ../../dotted.gz\r

            """.utf8))
        try FileManager.default.createDirectory(atPath: local.file("in"), withIntermediateDirectories: true)
        let result = try FerryProcess.run(["get", "--no-progress", fixture.url("pub/*.gz"), "in/"], in: local.path)
        #expect(result.status == 1)
        #expect(result.standardError.contains("not a plain file name"), "\(result.standardError)")
        #expect(local.read("in/ok.gz") == Data("ok".utf8))
        #expect(!local.exists("escaped.gz") && !local.exists("dotted.gz"))
        #expect(!FileManager.default.fileExists(atPath: local.path + "/../escaped.gz"))
        #expect(!FileManager.default.fileExists(atPath: local.path + "/../dotted.gz"))
    }

    @Test func rmDeletesTheMatches() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("logs/a.log", Data("a".utf8))
        try fixture.root.write("logs/b.log", Data("b".utf8))
        try fixture.root.write("logs/keep.txt", Data("k".utf8))
        let result = try FerryProcess.run(["rm", fixture.url("logs/*.log")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!fixture.root.exists("logs/a.log"))
        #expect(!fixture.root.exists("logs/b.log"))
        #expect(fixture.root.exists("logs/keep.txt"))
    }

    @Test func cpCopiesTheMatchesIntoTheDestination() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("src/one.gz", sampleBytes(70_000))
        try fixture.root.write("src/two.gz", Data("two".utf8))
        try fixture.root.write("src/three.txt", Data("three".utf8))
        try FileManager.default.createDirectory(atPath: fixture.root.file("dst"), withIntermediateDirectories: true)
        let result = try FerryProcess.run(["cp", "--no-progress", fixture.url("src/*.gz"), fixture.url("dst/")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(fixture.root.read("dst/one.gz") == sampleBytes(70_000))
        #expect(fixture.root.read("dst/two.gz") == Data("two".utf8))
        #expect(!fixture.root.exists("dst/three.txt"))
    }
}

import Foundation
import TestSupport
import Testing

/// Two names that differ in bytes are two files, however alike they look: Swift's `String`
/// equality (canonical equivalence) must not make them one.
@Suite("Names compared as bytes")
struct NameBytesTests {
    /// "é.txt" precomposed (NFC) and decomposed (NFD): equal as Swift strings, two names on disk.
    static let composed = "\u{E9}.txt"
    static let decomposed = "e\u{301}.txt"

    static func byteNames(in folder: String) -> Set<[UInt8]> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).map { Array($0.utf8) })
    }

    static let both: Set<[UInt8]> = [Array(composed.utf8), Array(decomposed.utf8)]

    @Test func mirrorCopiesBothSpellingsOnceEachWay() throws {
        #expect(Self.composed == Self.decomposed)
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/" + Self.composed, Data("nfc".utf8))
        try fixture.root.write("site/" + Self.decomposed, Data("nfd!!".utf8))
        try #require(Self.byteNames(in: fixture.root.file("site")) == Self.both)

        let first = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("2 copied, 0 deleted"), "\(first.standardOutput)")
        #expect(Self.byteNames(in: local.file("copy")) == Self.both)
        #expect(local.read("copy/" + Self.composed) == Data("nfc".utf8))
        #expect(local.read("copy/" + Self.decomposed) == Data("nfd!!".utf8))

        let second = try FerryProcess.run(["mirror", "--delete", fixture.url("site/"), "copy"], in: local.path)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.contains("0 copied, 0 deleted, 0 folders made, 2 up to date"), "\(second.standardOutput)")

        // And back to the server, into a folder of its own.
        let up = try FerryProcess.run(["mirror", "-R", "--delete", "copy", fixture.url("back/")], in: local.path)
        #expect(up.status == 0, "\(up.standardError)")
        #expect(up.standardOutput.contains("2 copied, 0 deleted"), "\(up.standardOutput)")
        #expect(Self.byteNames(in: fixture.root.file("back")) == Self.both)
        let again = try FerryProcess.run(["mirror", "-R", "--delete", "copy", fixture.url("back/")], in: local.path)
        #expect(again.standardOutput.contains("0 copied, 0 deleted, 0 folders made, 2 up to date"), "\(again.standardOutput)")
    }

    @Test func twoServerNamesForOneLocalNameAreCopiedOnce() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try FileManager.default.createDirectory(atPath: fixture.root.file("site"), withIntermediateDirectories: true)
        // "é.txt" in Latin-1 and in UTF-8: two names on the server, one ("é.txt" in UTF-8) here.
        let line = { (name: [UInt8]) in Array("-rw-r--r-- 1 u g 3 Jan 1 2024 ".utf8) + name + Array(".txt\r\n".utf8) }
        fixture.server.faults.serveListing(line([0xE9]) + line([0xC3, 0xA9]))
        let result = try FerryProcess.run(["mirror", "--delete", "--dry-run", fixture.url("site/"), "copy"], in: local.path)
        #expect(result.standardError.contains("another name in the source lands on"), "\(result.standardError)")
        #expect(result.standardOutput.contains("1 to copy, 0 to delete"), "\(result.standardOutput)")
    }

    @Test func getFetchesBothSpellings() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("site/" + Self.composed, Data("nfc".utf8))
        try fixture.root.write("site/" + Self.decomposed, Data("nfd!!".utf8))
        try FileManager.default.createDirectory(atPath: local.file("copy"), withIntermediateDirectories: true)

        let result = try FerryProcess.run(["get", "-r", fixture.url("site/"), "copy/"], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("target of two downloads"))
        #expect(Self.byteNames(in: local.file("copy/site")) == Self.both)
    }
}

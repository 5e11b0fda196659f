import Foundation
import FTPWire
import Testing

/// Numbers and times from a server, however absurd, never trap: they are read, clamped or dropped.
@Suite("Hostile values in listings and replies")
struct HostileValueTests {
    static let parser = ListParser(now: Date(timeIntervalSince1970: 1_795_608_000))

    @Test(arguments: [
        "20260101000000.5e300", "20260101000000.inf", "20260101000000.nan", "20260101000000.-5", "20260101000000.+5",
        "20260101000000.", "20260101000000.5.5", "20260101000000 ", "00000101000000", "99991331000000", "2026010100000x",
        "20260101250000", "-2026010100000", "1e30", "", "20260101000000.0x10",
    ])
    func timeValuesThatAreNotTimesAreNil(_ text: String) {
        #expect(MLSxParser.timeValue(text) == nil)
    }

    @Test func timeValuesKeepTheirMilliseconds() {
        let whole = MLSxParser.timeValue("20260101000000")
        #expect(whole == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(MLSxParser.timeValue("20260101000000.5") == whole?.addingTimeInterval(0.5))
        #expect(MLSxParser.timeValue("20260101000000.25") == whole?.addingTimeInterval(0.25))
        #expect(MLSxParser.timeValue("20260101000000.123456789012345678901234567890") == whole?.addingTimeInterval(0.123))
        #expect(MLSxParser.timeValue("99991231235960.999") != nil)
    }

    /// A `modify` fact that is no time is a malformed fact: the line is unreadable (its listing
    /// incomplete), as one whose size is no number, and never a crash.
    @Test(arguments: [
        "type=file;size=1;modify=20260101000000.5e300; name",
        "type=file;size=1;modify=99999999999999.99999; name",
        "type=file;size=1;modify=-20260101000000; name",
        "type=file;unix.mode=77777777777777777777;modify=20260101000000.nan; name",
        "type=file;size=1;modify=20261301000000; name",
        "type=file;size=1;modify=; name",
    ])
    func hostileTimesMakeTheLineUnreadable(_ line: String) {
        #expect(MLSxParser.parse(bytes: Array(line.utf8)) == .unreadable)
    }

    /// Times at the edges of what a time value holds are read.
    @Test func timesAtTheEdgesAreRead() throws {
        let entry = try #require(MLSxParser.entry(Substring("type=file;size=9999999999999999999;modify=00010101000000; name")))
        #expect(entry.name == "name")
        #expect(entry.modified.map(ListingEntry.isInTimeRange) == true)
    }

    @Test(arguments: [
        "type=file;size=99999999999999999999999; name", "type=file;size=18446744073709551616; name",
        "type=file;size=-1; name", "type=file;size=; name", "type=file;size=1e3; name", "type=file;sizeabc; name",
        "type=file;=1; name", "type=file;size=1;", "nofacts",
    ])
    func malformedFactsMakeTheLineUnreadable(_ line: String) {
        #expect(MLSxParser.parse(bytes: Array(line.utf8)) == .unreadable)
        #expect(MLSxParser.entry(Substring(line)) == nil)
    }

    @Test(arguments: ["", "\r", "type=cdir; /pub", "type=pdir; /", "type=dir; .", "type=dir; .."])
    func linesThatNameNoEntryLoseNothing(_ line: String) {
        #expect(MLSxParser.parse(bytes: Array(line.utf8)) == .noEntry)
    }

    @Test func listParserReportsOnlyLinesThatMayHideEntries() {
        let lines = [
            "total 12", "", "drwxr-xr-x 2 u g 4096 Jan 1 2024 .", "drwxr-xr-x 2 u g 4096 Jan 1 2024 ..",
            "-rw-r--r-- 1 u g 1 Jan 1 2024 good.txt", "-rw-r--r-- 1 u g what is this", "%%% ### @@@ !!!",
        ].map { Array($0.utf8) }
        var skipped: [String] = []
        let entries = Self.parser.entries(lines: lines) { skipped.append(String(decoding: $0, as: UTF8.self)) }
        #expect(entries.map(\.name) == ["good.txt"])
        #expect(skipped == ["-rw-r--r-- 1 u g what is this", "%%% ### @@@ !!!"])
    }

    @Test func eachLineIsReadOnceIntoOneOfThreeAnswers() throws {
        #expect(Self.parser.parse(bytes: Array("total 12".utf8)) == .noEntry)
        #expect(Self.parser.parse(bytes: Array("drwxr-xr-x 2 u g 4096 Jan 1 2024 ..".utf8)) == .noEntry)
        #expect(Self.parser.parse(bytes: Array("   ".utf8)) == .noEntry)
        #expect(Self.parser.parse(bytes: Array("%%% ### @@@ !!!".utf8)) == .unreadable)
        guard case .entry(let entry) = Self.parser.parse(bytes: Array("-rw-r--r-- 1 u g 1 Jan 1 2024 good.txt".utf8)) else {
            Issue.record("no entry")
            return
        }
        #expect(entry.name == "good.txt")
    }

    @Test func aVMSNameAloneOnItsLineIsJoinedWithItsDetails() {
        let lines = [
            "Directory DISK$USER:[ALICE]", "", "A_VERY_LONG_FILE_NAME_THAT_WRAPS.TXT;1",
            "        12/14  20-NOV-2026 10:00:00  [ALICE]  (RWED,RWED,RE,)",
            "SHORT.TXT;2  1/2  20-NOV-2026 10:00:00  [ALICE]  (RWED,RWED,RE,)", "LONELY.TXT;1",
        ].map { Array($0.utf8) }
        var skipped: [String] = []
        let entries = Self.parser.entries(lines: lines) { skipped.append(String(decoding: $0, as: UTF8.self)) }
        #expect(entries.map(\.name) == ["A_VERY_LONG_FILE_NAME_THAT_WRAPS.TXT;1", "SHORT.TXT;2"])
        #expect(entries.first?.size == 12 * 512)
        #expect(skipped == ["LONELY.TXT;1"])
    }

    @Test(arguments: [
        "+m9999999999999999999,s1,\tname",
        "+m18446744073709551615,s18446744073709551615,\tname",
        "+m253402300800,s1,\tname",
        "0100644  500  101  12345  9999999999999999999 name",
        "0100644  500  101  18446744073709551615  253402300800 name",
        "-rw-r--r-- 1 u g 99999999999999999999 Jan 1 2024 name",
        "-rw-r--r-- 1 u g 1 Jan 1 99999 name",
        "-rw-r--r-- 1 u g 1 Jan 99 2024 name",
        "01-01-99999  12:00PM  1 name",
        "12-31-9999  11:59PM  18446744073709551615 name",
        "drwxr-xr-x 1 u g 1 Dec 31 23:59 name",
    ])
    func hostileListLinesDoNotTrap(_ line: String) {
        let entry = Self.parser.entry(Substring(line))
        if let modified = entry?.modified { #expect(ListingEntry.isInTimeRange(modified)) }
    }

    @Test func epochSecondsBeyondYear9999AreDropped() throws {
        let eplf = try #require(Self.parser.entry(Substring("+m9999999999999999999,s5,\tname")))
        #expect(eplf.modified == nil)
        #expect(eplf.size == 5)
        let numeric = try #require(Self.parser.entry(Substring("0100644  500  101  12345  9999999999999999999 name")))
        #expect(numeric.modified == nil)
        #expect(numeric.size == 12345)
        let fine = try #require(Self.parser.entry(Substring("+m825718503,s5,\tname")))
        #expect(fine.modified == Date(timeIntervalSince1970: 825_718_503))
    }

    @Test(arguments: [1e300, -1e300, Double.infinity, -Double.infinity, Double.nan, 9.3e18, -9.3e18])
    func parsersTakeAnyClockWithoutTrapping(_ seconds: Double) {
        let parser = ListParser(now: Date(timeIntervalSince1970: seconds))
        let entries = parser.entries(lines: ["-rw-r--r-- 1 u g 1 Jan 1 12:00 name", "drwxr-xr-x 1 u g 0 Feb 29 23:59 dir"].map { Array($0.utf8) })
        #expect(entries.count == 2)
    }

    @Test(arguments: [1e300, -1e300, Double.infinity, -Double.infinity, Double.nan, 253_402_300_800, -62_135_596_801])
    func entriesDropTimesNoCalendarShows(_ seconds: Double) {
        // (Compared as numbers: Foundation's own description of such a Date traps.)
        var entry = ListingEntry(name: "a", kind: .file, modified: Date(timeIntervalSince1970: seconds))
        #expect(entry.modified?.timeIntervalSince1970 == nil)
        entry.modified = Date(timeIntervalSince1970: 0)
        #expect(entry.modified?.timeIntervalSince1970 == 0)
        entry.modified = Date(timeIntervalSince1970: seconds)
        #expect(entry.modified?.timeIntervalSince1970 == nil)
    }

    /// An entry keeps a name's bytes (where they are not UTF-8) in memory of their own, not the
    /// memory of the line they were cut from, however large a long line made that.
    @Test func aNameOtherThanUTF8KeepsOnlyItsOwnBytes() throws {
        var line: [UInt8] = []
        line.reserveCapacity(16_384)
        line += [0x63, 0x61, 0x66, 0xE9] // "café" in Latin-1
        let entry = try #require(Self.parser.entry(bytes: line))
        #expect(entry.name == "café")
        #expect(entry.remoteName.bytes == line)
        #expect(entry.remoteName.bytes.capacity < 1024)
    }

    /// Two names that look alike but differ in bytes (NFC and NFD) are two entries.
    @Test func entriesCompareNamesByTheirBytes() {
        let composed = ListingEntry(name: "\u{E9}.txt", kind: .file)
        let decomposed = ListingEntry(name: "e\u{301}.txt", kind: .file)
        #expect(composed.name == decomposed.name) // as Strings they are one
        #expect(composed != decomposed)
        #expect(composed == ListingEntry(remoteName: RemotePath(bytes: [0xC3, 0xA9, 0x2E, 0x74, 0x78, 0x74]), kind: .file))
        let link = ListingEntry(name: "l", kind: .link, target: "\u{E9}")
        #expect(link != ListingEntry(name: "l", kind: .link, target: "e\u{301}"))
        #expect(link != ListingEntry(name: "l", kind: .link))
    }

    /// A dot name is told by the server's first byte: a dot with a combining mark after it is
    /// one Character that is no ".", and a name in Latin-1 keeps its own first byte.
    @Test func aDotNameIsToldByItsFirstByte() {
        #expect(ListingEntry(name: ".profile", kind: .file).hasDotName)
        #expect(ListingEntry(name: ".\u{301}x", kind: .file).hasDotName)
        #expect(ListingEntry(remoteName: RemotePath(bytes: [0x2E, 0xE9]), kind: .file).hasDotName)
        #expect(!ListingEntry(remoteName: RemotePath(bytes: [0xE9, 0x2E]), kind: .file).hasDotName)
        #expect(!ListingEntry(name: "a.txt", kind: .file).hasDotName)
        #expect(!ListingEntry(name: "", kind: .file).hasDotName)
    }
}

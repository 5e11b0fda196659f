import Foundation
@testable import FTPWire
import Testing
import TestSupport

@Suite("Listing parsers")
struct ListingParserTests {
    /// 2026-11-25 12:00 UTC: the "now" for year inference.
    let parser = ListParser(now: Date(timeIntervalSince1970: 1_795_608_000))

    func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Date? {
        CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute)
    }

    @Test func unixFilesDirectoriesAndLinks() {
        let file = parser.entry("-rw-r--r--    1 ftp      ftp          1234 Nov 20 14:35 a file.txt")
        #expect(file == ListingEntry(name: "a file.txt", kind: .file, size: 1234, modified: date(2026, 11, 20, 14, 35), permissions: "rw-r--r--"))
        let directory = parser.entry("drwxr-xr-x 2 0 0 4096 Jan  3  2019 pub")
        #expect(directory?.kind == .directory)
        #expect(directory?.name == "pub")
        #expect(directory?.modified == date(2019, 1, 3))
        let link = parser.entry("lrwxrwxrwx 1 root root 7 Mar 1 2020 bin -> usr/bin")
        #expect(link?.kind == .link)
        #expect(link?.name == "bin")
        #expect(link?.target == "usr/bin")
    }

    @Test func unixWithoutGroupAndHugeSizes() {
        let entry = parser.entry("-rw-r--r--   1 owner   5368709120 Feb 29 2024 big.iso")
        #expect(entry?.size == 5_368_709_120)
        #expect(entry?.name == "big.iso")
    }

    /// A Unix line's size counts as the file's byte count only where it is written in digits:
    /// not rounded to a unit, not read out of a group run into it, never for a folder or link.
    @Test func onlyASizeInDigitsIsTheByteCount() {
        #expect(parser.entry("-rw-r--r-- 1 ftp ftp 1234 Nov 20 14:35 a")?.sizeIsWrittenInBytes == true)
        let rounded = parser.entry("-rw-r--r-- 1 root other 33.5k Oct 5 21:22 b")
        #expect(rounded?.size == 34304)
        #expect(rounded?.sizeIsWrittenInBytes == false)
        let runTogether = parser.entry("-rw-r--r-- 1 owner longgroup123456 Nov 20 14:35 c")
        #expect(runTogether?.size == 123456)
        #expect(runTogether?.sizeIsWrittenInBytes == false)
        #expect(parser.entry("lrwxrwxrwx 1 root root 7 Mar 1 2020 bin -> usr/bin")?.sizeIsWrittenInBytes == false)
        #expect(parser.entry("drwxr-xr-x 2 0 0 4096 Jan  3  2019 pub")?.sizeIsWrittenInBytes == false)
    }

    @Test func yearInferencePutsFutureDatesLastYear() {
        #expect(parser.entry("-rw-r--r-- 1 a b 1 Dec 24 10:00 x")?.modified == date(2025, 12, 24, 10, 0))
        #expect(parser.entry("-rw-r--r-- 1 a b 1 Nov 26 10:00 x")?.modified == date(2026, 11, 26, 10, 0))
    }

    @Test func namesWithSpacesKeepThem() {
        #expect(parser.entry("-rw-r--r-- 1 a b 1 Nov 20 14:35  leading")?.name == " leading")
        #expect(parser.entry("-rw-r--r-- 1 a b 1 Nov 20 14:35 trailing ")?.name == "trailing ")
    }

    @Test func dosLines() {
        let directory = parser.entry("11-25-26  02:35PM       <DIR>          My Documents")
        #expect(directory == ListingEntry(name: "My Documents", kind: .directory, modified: date(2026, 11, 25, 14, 35)))
        let file = parser.entry("01-02-1999  12:05AM              1024 notes.txt")
        #expect(file == ListingEntry(name: "notes.txt", kind: .file, size: 1024, modified: date(1999, 1, 2, 0, 5)))
    }

    @Test(arguments: ["total 12", "", ".", "garbage line", "drwxr-xr-x 2 0 0 4096 Jan 3 2019 .", "-rw-r--r-- 1 a b x Nov 20 14:35"])
    func nonEntriesGiveNothing(_ line: String) {
        #expect(parser.entry(Substring(line)) == nil)
    }

    @Test func machineListing() {
        let file = MLSxParser.entry("type=file;size=42;modify=20261125143500.123;UNIX.mode=0644; name; with; semicolons")
        #expect(file?.name == "name; with; semicolons")
        #expect(file?.kind == .file)
        #expect(file?.size == 42)
        #expect(file?.permissions == "rw-r--r--")
        #expect(file?.modified == date(2026, 11, 25, 14, 35)?.addingTimeInterval(0.123))
        #expect(MLSxParser.entry("type=cdir;modify=20261125143500; .") == nil)
        #expect(MLSxParser.entry("Type=pdir; ..") == nil)
        #expect(MLSxParser.entry("type=OS.unix=slink:/etc/target; link")?.target == "/etc/target")
        #expect(MLSxParser.entry("type=OS.unix=symlink; link")?.kind == .link)
        #expect(MLSxParser.entry("type=dir;size=4096; sub")?.kind == .directory)
        #expect(MLSxParser.entry("no facts at all") == nil)
        #expect(MLSxParser.entry(" plain") == ListingEntry(name: "plain", kind: .file))
        #expect(MLSxParser.timeValue("20261125143500") == date(2026, 11, 25, 14, 35))
        #expect(MLSxParser.timeValue("2026112514350") == nil)
        #expect(MLSxParser.timeValue("20261325143500") == nil)
    }

    @Test func permissionsFromOctalModes() {
        #expect(UnixPermissions.fromOctal("0755") == "rwxr-xr-x")
        #expect(UnixPermissions.fromOctal("644") == "rw-r--r--")
        #expect(UnixPermissions.fromOctal("100600") == "rw-------")
        #expect(UnixPermissions.fromOctal("0o640") == "rw-r-----")
        #expect(UnixPermissions.fromOctal("4777") == "rwxrwxrwx")
        #expect(UnixPermissions.fromMode(0o40751) == "rwxr-x--x")
        for notAMode in ["", "0o", "+755", "-755", "0758", "1234567", "rwx", "0x755", "७५५"] {
            #expect(UnixPermissions.fromOctal(notAMode) == nil, "\(notAMode)")
        }
        let pyftpdlib = MLSxParser.entry("modify=20261125171957;perm=radfwMT;size=3;type=file;unix.mode=0o644; a")
        #expect(pyftpdlib?.permissions == "rw-r--r--")
        #expect(MLSxParser.entry("type=file;;size=3;; a")?.size == 3)
        #expect(MLSxParser.entry("type=file;=3; a") == nil)
        // A folder's unique fact is kept, a file's not.
        #expect(MLSxParser.entry("type=dir;unique=801g2a; sub")?.unique == "801g2a")
        #expect(MLSxParser.entry("Unique=801g2b;type=dir; sub")?.unique == "801g2b")
        #expect(MLSxParser.entry("type=file;unique=801g2c; f")?.unique == nil)
    }

    @Test func randomLinesNeverCrash() {
        var generator = SeededGenerator(seed: 11)
        let alphabet = Array("-drwxl 0123456789:,<>DIR.JanNov\t;=type")
        for _ in 0..<5000 {
            let line = String((0..<Int.random(in: 0...80, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? " " })
            _ = parser.entry(Substring(line))
            _ = MLSxParser.entry(Substring(line))
        }
    }

    /// The quick check that skips fields before the date never skips one a date starts with:
    /// every run of digits it turns away gives no date, whatever follows it.
    @Test func fieldsSkippedBeforeTheDateStartNoDate() {
        let digits = ["0", "00", "7", "07", "12", "31", "32", "99", "000", "123", "2003", "1000", "12345", "4096000", "2026112514", "99999999999999999999999"]
        let after = ["Nov 20 14:35 name", "20 14:35 name", "3月 20 name", "1月 6일 name", "12 2019 name", "-07 2000 name", "Feb  8  2007 name", "x y z", "1"]
        var skipped = 0
        for first in digits {
            for rest in after {
                Line.reading(Array("\(first) \(rest)".utf8)) { line in
                    guard ListParser.cannotStartDate(line, at: 0) else { return }
                    skipped += 1
                    #expect(parser.dateFields(line, at: 0) == nil, "\(first) \(rest)")
                    #expect(parser.dateFields(line, at: 0, localized: false) == nil, "\(first) \(rest)")
                }
            }
        }
        #expect(skipped == 10 * after.count)
        #expect(!Line.reading(Array("Nov 20 14:35 name".utf8)) { ListParser.cannotStartDate($0, at: 0) })
    }

    /// The fields a line is cut into, eight bytes at a time, are those of cutting it byte by byte:
    /// runs of spaces and tabs between them, wherever they fall against the eight-byte steps, and
    /// never more than 24.
    @Test func fieldsAreCutAtSpacesAndTabs() {
        var generator = SeededGenerator(seed: 24)
        let alphabet: [UInt8] = [0x20, 0x20, 0x20, 0x09, 0x61, 0x62, 0x2D, 0x0D, 0x00, 0xFF, 0x80, 0xA0, 0x29]
        for length in 0..<120 {
            for _ in 0..<40 {
                let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
                let cut = Line.reading(bytes) { line in line.fields.map { Array(line.bytes[$0]) } }
                let content = bytes.last == 0x0D ? bytes.dropLast() : bytes[...]
                let expected = content.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).prefix(24).map(Array.init)
                #expect(cut == expected, "\(bytes)")
            }
        }
        let wide = Array(repeating: "ab", count: 30).joined(separator: "\t ")
        #expect(Line.reading(Array(wide.utf8)) { $0.fields.count } == 24)
    }
}

extension Line {
    /// What `body` reads in `bytes` as a line, the bytes lent for the call.
    fileprivate static func reading<Result>(_ bytes: [UInt8], _ body: (Line) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { body(Line($0)) }
    }
}

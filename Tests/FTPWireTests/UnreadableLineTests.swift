import Foundation
@testable import FTPWire
import Testing

/// Lines that look like listing lines but are not valid ones are reported as unreadable, never
/// turned into entries with a made-up name; lines at the edges of the formats still parse.
@Suite("Unreadable listing lines")
struct UnreadableLineTests {
    let parser = ListParser(now: Date(timeIntervalSince1970: 1_795_608_000))

    @Test(arguments: [
        "-rw-r--r--   1 owner group   1234 Jam  4 12:00 file.txt",
        "-rw-r--r--   1 owner group   1234 Aug 36 12:00 file.txt",
        "-rw-r--r--   1 owner group   1234 Aug 30 30:01 file.txt",
        "-rw-r--r--   1 owner group   1234 Aug 30 12:61 file.txt",
        "-rw-r--r--   1 owner group   1234 Feb 30  2024 file.txt",
        "-rw-r--r--   1 owner group   1234 Xyz 99 99:99 file.txt",
        "-rw-r--r--   1 owner group   1234 Nov 0 12:00 file.txt",
    ])
    func impossibleDatesAreUnreadable(_ line: String) {
        var skipped: [String] = []
        let entries = parser.entries(lines: [Array(line.utf8)]) { skipped.append(String(decoding: $0, as: UTF8.self)) }
        #expect(entries.isEmpty, "\(entries)")
        #expect(skipped == [line])
    }

    @Test(arguments: [
        "-rw-r--r--   1 root  root  22222 Jun -4 17:88 negday",
        "drwxr-sr-x   2 4711  300     512 Jun cd  2004 dayletters",
        "-rw-r--r--   1 root  root   2718 Frj Nov 21 16:40:12 2025 badweekday",
        "-rw-r--r--   1 root  root 290144 2003-05-21 one-space-after-a-date-alone",
        "a [-----F--] SYSADMIN   512 Sep 02 11:17 VOL3",
        "BB.;2   152/153   13-APR-1997 25:13:43  [GROUP,OWNER]  (RWED,RWED,RWED,RE)",
        "QSYS   77824 13/45/00 15:09:55 *DIR       BADDATE/",
        "LEDGER 101 2048 32-Mar-15 09:11:40 255, 0 \"nnnn\"",
    ])
    func brokenLinesOfOtherShapesAreUnreadable(_ line: String) {
        #expect(parser.parse(bytes: Array(line.utf8)) == .unreadable)
    }

    @Test(arguments: [
        "insgesamt 52", "итого 16", "./incoming/old:",
        "JOBNAME  JOBID    OWNER    STATUS CLASS", "PAYRUN3  JOB04419 OPSUSER  ACTIVE A",
        "Filename FileType  Fm Format Lrecl  Records Blocks Date      Time",
    ])
    func headersTotalsAndUnfinishedJobsAreNoEntries(_ line: String) {
        #expect(parser.parse(bytes: Array(line.utf8)) == .noEntry)
    }

    @Test func validEdgesStillParse() {
        #expect(parser.entry("-rw-r--r--   1 owner group 18446744073709551615 Nov 20 14:35 huge")?.size == UInt64.max)
        #expect(parser.entry("-rw-r--r--   1 owner group 18446744073709551616 Nov 20 14:35 huge") == nil)
        #expect(parser.entry("-rw-r--r--   1 owner group   12 Nov 20 14:35  leading space")?.name == " leading space")
        #expect(parser.entry("-rw-r--r--   1 owner group   12 Nov 20 14:35 trailing space ")?.name == "trailing space ")
        #expect(parser.entry("drwxr-xr-x 3 owner group 512 plain-no-date")?.name == "plain-no-date")
        // Numeric owner and group that look like an impossible date (30 Feb 4096) before the real one.
        #expect(parser.entry("-rw-r--r-- 1 2 30 4096 Mar  3 10:00 f")?.name == "f")
        #expect(parser.entry("-rw-r--r--+  1 owner group   12 Nov 20 14:35 acl")?.name == "acl")
        #expect(parser.entry("  -rw-r--r--+  1 owner group   12 Nov 20 14:35 indented")?.name == "indented")
    }

    @Test func linesSplitTheSameWhateverTheChunks() {
        let input = Array("one\r\ntwo\n\r\nthree\r".utf8) + Array(repeating: UInt8(ascii: "x"), count: 40) + Array("\r\nlast".utf8)
        func lines(splitAt cuts: [Int], limit: Int) -> [[UInt8]] {
            var splitter = LineSplitter(maximumLineLength: limit)
            var result: [[UInt8]] = []
            var start = 0
            for end in cuts + [input.count] where end >= start {
                input[start..<end].withUnsafeBytes { splitter.feed($0) { result.append($0) } }
                start = end
            }
            splitter.finish { result.append($0) }
            return result
        }
        for limit in [1, 8, 45, 1024] {
            let whole = lines(splitAt: [], limit: limit)
            #expect(lines(splitAt: Array(1..<input.count), limit: limit) == whole, "byte by byte, limit \(limit)")
            for cut in 1..<input.count {
                #expect(lines(splitAt: [cut], limit: limit) == whole, "split at \(cut), limit \(limit)")
            }
        }
        #expect(lines(splitAt: [], limit: 1024).map { String(decoding: $0, as: UTF8.self) }.prefix(2) == ["one", "two"])
        #expect(lines(splitAt: [], limit: -5).count > 0)
    }
}

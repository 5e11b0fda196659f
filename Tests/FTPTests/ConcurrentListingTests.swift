import FTP
import FTPWire
import Foundation
import Testing
import TestSupport

/// A long LIST reply is parsed in batches on other threads: what the client makes of it is what
/// one reader over all of its lines makes of them, whatever falls at the ends of the batches.
@Suite("Listings parsed in batches")
struct ConcurrentListingTests {
    let now = Date(timeIntervalSince1970: 1_795_608_000)

    /// `count` lines: Unix lines, and at the end of the first batch of 2048 (and every 1000th
    /// line) VMS names alone on their lines, completed by the next line or not, unreadable lines,
    /// blank lines, totals and names with `;`.
    func lines(count: Int) -> [[UInt8]] {
        let special: [Int: String] = [
            2043: "this is no listing line; at all",
            2044: "",
            2045: "total 2045",
            2046: "LONELY.DAT;2",
            2047: "SPLIT.TXT;1",
            2048: "        4/8     29-JAN-1996 09:57:10  [ANONYMOUS]  (RWED,RWED,RE,)",
            2049: "-rw-r--r--    1 0        0        2049 Nov 20 14:35 file;2049.txt",
        ]
        return (0..<count).map { index in
            let line = special[index] ?? (index % 1000 == 999 ? "LONE_\(index).TXT;1"
                : "-rw-r--r--    1 ftp      ftp      \(index * 37) Nov \(1 + index % 28) 2019 name \(index).txt")
            return Array(line.utf8)
        }
    }

    @Test(arguments: [10, 2048, 2049, 7000])
    func theClientReadsWhatOneReaderReads(count: Int) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("dir/file.txt", Data("x".utf8))
        let lines = lines(count: count)
        fixture.server.faults.serveListing(lines.flatMap { $0 + Array("\r\n".utf8) })
        let client = try fixture.client()
        defer { client.close() }

        let listing = try client.listing("dir", now: now)
        var skipped = 0
        let expected = ListParser(now: now).entries(lines: lines) { _ in skipped += 1 }
        #expect(listing.entries.count == expected.count)
        #expect(listing.entries == expected)
        #expect(listing.unreadableLines == skipped)
        #expect(skipped > 0 || count < 999)
        // The name on the last line of the first batch, completed by the first line of the next.
        #expect(listing.entries.contains { $0.name == "SPLIT.TXT;1" } == (count > 2048))
    }
}

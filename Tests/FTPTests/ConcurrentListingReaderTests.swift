@testable import FTP
import FTPWire
import Foundation
import Testing
import TestSupport

/// A long listing parsed in batches on several threads gives what one reader over all of its
/// lines gives: the same entries in the same order, the same lines skipped.
@Suite("Listings parsed in batches")
struct ConcurrentListingReaderTests {
    static let parser = ListParser(now: Date(timeIntervalSince1970: 1_795_608_000))

    /// Unix lines with, here and there, an unreadable line, a VMS name alone on its line (the next
    /// line completes it), a VMS name that nothing completes, and runs of one-field lines longer
    /// than a batch.
    static func mixedListing() -> [[UInt8]] {
        var lines: [String] = []
        for index in 0..<30_000 {
            if index == 4095 || index == 8191 || index % 1000 == 900 {
                // A name alone at the end of a batch (4096 lines), and elsewhere.
                lines.append("A_VERY_LONG_FILE_NAME_\(index).TXT;1")
                lines.append("   4/5  13-NOV-2026 10:00:00  [GROUP,OWNER]  (RWED,RWED,RE,)")
            } else if index % 1000 == 17 {
                lines.append("not a listing line at all \(index)")
            } else if index % 1000 == 500 {
                lines.append("LONELY_\(index).TXT;1")
            } else {
                lines.append("-rw-r--r--   1 owner group \(index) Nov 20 10:00 file-\(index).txt")
            }
        }
        lines += (0..<10_000).map { "bare-name-\($0)" }
        lines += ["-rw-r--r--   1 owner group 1 Nov 20 10:00 last.txt"]
        return lines.map { Array($0.utf8) }
    }

    @Test(arguments: [1, 2, 4])
    func batchesGiveWhatOneReaderGives(processors: Int) {
        let lines = Self.mixedListing()
        var expectedSkipped: [[UInt8]] = []
        let expected = Self.parser.entries(lines: lines) { expectedSkipped.append($0) }
        var skipped: [[UInt8]] = []
        let reader = ConcurrentListingReader(parser: Self.parser, processors: processors) { skipped.append($0) }
        for line in lines { reader.add(line) }
        reader.finish()
        #expect(reader.entries.count == expected.count)
        #expect(reader.entries == expected)
        #expect(skipped == expectedSkipped)
        // Presence: the joined VMS names and the lines that are no entries are there.
        #expect(reader.entries.contains { $0.name.hasPrefix("A_VERY_LONG_FILE_NAME_4095") })
        #expect(reader.entries.contains { $0.name.hasPrefix("A_VERY_LONG_FILE_NAME_8191") })
        #expect(skipped.contains(Array("not a listing line at all 17".utf8)))
    }

    @Test func aShortListingIsParsedWithoutAThread() {
        let line = Array("-rw-r--r--   1 owner group 5 Nov 20 10:00 one.txt".utf8)
        let reader = ConcurrentListingReader(parser: Self.parser, processors: 4) { _ in }
        reader.add(line)
        reader.finish()
        #expect(reader.entries.map(\.name) == ["one.txt"])
    }

    @Test(arguments: [
        ("a  b", true), ("  a b  ", true), ("a b\r", true), ("ab", false), ("  ab\t", false), ("", false), ("\t \t", false),
        ("NAME.TXT;1 \r", false),
    ])
    func linesOfTwoFieldsAreWhereBatchesMayEnd(line: String, hasTwoFields: Bool) {
        #expect(ConcurrentListingReader.hasTwoFields(Array(line.utf8)) == hasTwoFields)
    }

    /// Through a real connection: a long listing with an unreadable line in it arrives whole and
    /// in order, and is known to be incomplete.
    @Test func aLongListingFromTheServerArrivesWholeAndInOrder() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        var text = ""
        for index in 0..<20_000 {
            text += index == 12_345 ? "garbage line\r\n" : "-rw-r--r-- 1 u g \(index) Jan 1 2024 f\(index)\r\n"
        }
        fixture.server.faults.serveListing(Array(text.utf8))
        let client = try fixture.client()
        defer { client.close() }
        let listing = try client.listing()
        #expect(listing.entries.count == 19_999)
        #expect(listing.entries.map(\.size) == (0..<20_000).filter { $0 != 12_345 }.map { UInt64($0) })
        #expect(listing.unreadableLines == 1)
    }
}

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
    /// line completes it), a VMS name that nothing completes and bare names; then lone VMS names
    /// for more than two batches, the last completed by the line after them (no batch can end
    /// among them: the rest is read on one thread), and Unix lines again.
    static func mixedListing() -> [[UInt8]] {
        var lines: [String] = []
        for index in 0..<30_000 {
            if index % 1000 == 900 || index % 4096 == 4095 {
                lines.append("A_VERY_LONG_FILE_NAME_\(index).TXT;1")
                lines.append("   4/5  13-NOV-2026 10:00:00  [GROUP,OWNER]  (RWED,RWED,RE,)")
            } else if index % 1000 == 17 {
                lines.append("not a listing line at all \(index)")
            } else if index % 1000 == 500 {
                lines.append("LONELY_\(index).TXT;1")
            } else if index % 1000 == 600 {
                lines.append("bare-name-\(index)")
            } else {
                lines.append("-rw-r--r--   1 owner group \(index) Nov 20 10:00 file-\(index).txt")
            }
        }
        lines += (0..<40_000).map { "RUN_OF_NAMES_\($0).TXT;1" }
        lines.append("   4/5  13-NOV-2026 10:00:00  [GROUP,OWNER]  (RWED,RWED,RE,)")
        lines += (0..<5_000).map { "-rw-r--r--   1 owner group \($0) Nov 20 10:00 after-\($0).txt" }
        lines += ["-rw-r--r--   1 owner group 1 Nov 20 10:00 last.txt"]
        return lines.map { Array($0.utf8) }
    }

    /// What one splitter and one reader over all of `bytes` give: entries, skipped lines and
    /// how many lines held a byte.
    static func readAtOnce(_ bytes: [UInt8], droppingUnendedLine: Bool = false) -> (entries: [ListingEntry], skipped: [[UInt8]], nonEmptyLines: Int) {
        var splitter = LineSplitter()
        var reader = ListingReader(parser: parser)
        var skipped: [[UInt8]] = []
        var nonEmptyLines = 0
        let read = { (line: [UInt8]) in
            if !line.isEmpty { nonEmptyLines += 1 }
            reader.add(line) { skipped.append($0) }
        }
        bytes.withUnsafeBytes { splitter.feed($0, onLine: read) }
        if !droppingUnendedLine { splitter.finish(onLine: read) }
        reader.finish { skipped.append($0) }
        return (reader.entries, skipped, nonEmptyLines)
    }

    /// `bytes` through a reader on `processors`, in pieces of `pieceSize` bytes.
    static func readInBatches(
        _ bytes: [UInt8], processors: Int, pieceSize: Int, droppingUnendedLine: Bool = false
    ) -> (entries: [ListingEntry], skipped: [[UInt8]], nonEmptyLines: Int) {
        var runs: [[ListingEntry]] = []
        var skipped: [[UInt8]] = []
        let reader = ConcurrentListingReader(parser: parser, processors: processors, onEntries: { runs.append($0) }) { skipped.append($0) }
        bytes.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                let end = min(start + pieceSize, all.count)
                reader.add(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        reader.finish(droppingUnendedLine: droppingUnendedLine)
        #expect(reader.entryCount == runs.reduce(0) { $0 + $1.count })
        return (ListingEntry.joined(&runs), skipped, reader.nonEmptyLines)
    }

    static func expectSameReading(_ bytes: [UInt8], processors: Int, pieceSize: Int, droppingUnendedLine: Bool = false) {
        let expected = readAtOnce(bytes, droppingUnendedLine: droppingUnendedLine)
        let read = readInBatches(bytes, processors: processors, pieceSize: pieceSize, droppingUnendedLine: droppingUnendedLine)
        #expect(read.entries.count == expected.entries.count)
        #expect(read.entries == expected.entries)
        #expect(read.skipped == expected.skipped)
        #expect(read.nonEmptyLines == expected.nonEmptyLines)
    }

    @Test(arguments: [(1, 65536), (2, 65536), (4, 65536), (2, 4093)])
    func batchesGiveWhatOneReaderGives(processors: Int, pieceSize: Int) {
        let bytes = Array(Self.mixedListing().map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\r\n").utf8)
        #expect(bytes.count > 8 * ConcurrentListingReader.batchBytes)
        Self.expectSameReading(bytes, processors: processors, pieceSize: pieceSize)
        // Presence: the joined VMS names, the last of the run among them, and the lines that are
        // no entries are there.
        let read = Self.readInBatches(bytes, processors: processors, pieceSize: pieceSize)
        #expect(read.entries.contains { $0.name.hasPrefix("A_VERY_LONG_FILE_NAME_4095") })
        #expect(read.entries.contains { $0.name.hasPrefix("A_VERY_LONG_FILE_NAME_8191") })
        #expect(read.entries.contains { $0.name.hasPrefix("RUN_OF_NAMES_39999") })
        #expect(read.skipped.contains(Array("not a listing line at all 17".utf8)))
        #expect(read.skipped.contains(Array("RUN_OF_NAMES_0.TXT;1".utf8)))
        #expect(read.entries.last?.name == "last.txt")
    }

    /// Hostile bytes: lines of every length (some longer than the splitter keeps, one longer than
    /// two batches), bare carriage returns, blank lines, bytes of every value, VMS names alone on
    /// their lines (some completed by the next), entries between them, and no line ending at the
    /// end; through two processors in pieces of several sizes.
    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func anyBytesGiveWhatOneReaderGives(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        let entry = Array("-rw-r--r--   1 owner group 42 Nov 20 10:00 entry".utf8)
        while bytes.count < 3 * ConcurrentListingReader.batchBytes {
            switch Int.random(in: 0..<11, using: &generator) {
            case 0: bytes += (0..<Int.random(in: 0..<40_000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1: bytes += [UInt8](repeating: UInt8(ascii: "x"), count: seed == 3 ? 2 * ConcurrentListingReader.batchBytes + 7 : 17_000)
            case 2: bytes += [0x0D, 0x0D, 0x0A, 0x0A, 0x20, 0x09, 0x0A]
            case 3: bytes += Array("NAME_\(bytes.count).TXT;1\r\n".utf8)
            case 4: bytes += Array("NAME_\(bytes.count).TXT;1\r\n   4/5  13-NOV-2026 10:00:00  [GROUP,OWNER]  (RWED,RWED,RE,)\r\n".utf8)
            default: bytes += entry + Array("-\(bytes.count)\r\n".utf8)
            }
        }
        bytes += Array("-rw-r--r--   1 owner group 42 Nov 20 10:00 unended".utf8)
        for pieceSize in [1 + Int(seed) * 997, 65536] {
            Self.expectSameReading(bytes, processors: 2, pieceSize: pieceSize)
            Self.expectSameReading(bytes, processors: 2, pieceSize: pieceSize, droppingUnendedLine: true)
        }
    }

    /// A byte at a time: a line longer than two batches arriving so costs no more than it would
    /// whole (the bytes before are not looked at again for each one), and reads the same.
    @Test func aByteAtATimeReadsTheSame() {
        var bytes = Array("-rw-r--r--   1 owner group 1 Nov 20 10:00 before.txt\r\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "z"), count: 2 * ConcurrentListingReader.batchBytes + 100)
        bytes += Array("\r\nNAME.TXT;1\r\n   4/5  13-NOV-2026 10:00:00  [GROUP,OWNER]  (RWED,RWED,RE,)\r\n".utf8)
        bytes += Array((0..<3000).map { "-rw-r--r--   1 owner group \($0) Nov 20 10:00 f\($0)\r\n" }.joined().utf8)
        Self.expectSameReading(bytes, processors: 2, pieceSize: 1)
    }

    /// A line longer than two batches is read as the splitter keeps it (its start, here a bare
    /// name); the entries after it are all there.
    @Test func aLineLongerThanTwoBatchesIsCutAndTheRestRead() {
        var bytes = Array("-rw-r--r--   1 owner group 1 Nov 20 10:00 before.txt\r\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "y"), count: 5 * ConcurrentListingReader.batchBytes)
        bytes += Array("\r\n-rw-r--r--   1 owner group 2 Nov 20 10:00 after.txt\r\n".utf8)
        let read = Self.readInBatches(bytes, processors: 2, pieceSize: 65536)
        #expect(read.entries.map(\.name.utf8.count) == [10, LineSplitter().maximumLineLength, 9])
        #expect(read.entries.first?.name == "before.txt" && read.entries.last?.name == "after.txt")
        Self.expectSameReading(bytes, processors: 2, pieceSize: 65536)
    }

    @Test func aLastLineWithoutItsEndingIsDroppedWhenAsked() {
        let bytes = Array("-rw-r--r--   1 owner group 1 Nov 20 10:00 a.txt\r\n-rw-r--r--   1 owner group 2 Nov 20 10:00 b.t".utf8)
        #expect(Self.readInBatches(bytes, processors: 2, pieceSize: 7).entries.map(\.name) == ["a.txt", "b.t"])
        #expect(Self.readInBatches(bytes, processors: 2, pieceSize: 7, droppingUnendedLine: true).entries.map(\.name) == ["a.txt"])
        #expect(Self.readInBatches(bytes, processors: 1, pieceSize: 7, droppingUnendedLine: true).entries.map(\.name) == ["a.txt"])
    }

    /// The entries come out while the bytes still arrive, not only at the end: in batches on
    /// several processors (more batches than may be out at once, so that some must have been
    /// taken back), and in runs from the one reader on one.
    @Test(arguments: [1, 2])
    func entriesAreHandedOnBeforeTheListingEnds(processors: Int) {
        let lines = (0..<60_000).map { "-rw-r--r--   1 owner group \($0) Nov 20 10:00 file-\($0).txt\r\n" }
        let bytes = Array(lines.joined().utf8)
        var runs: [[ListingEntry]] = []
        let reader = ConcurrentListingReader(parser: Self.parser, processors: processors, onEntries: { runs.append($0) }) { _ in }
        bytes.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                let end = min(start + 65536, all.count)
                reader.add(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        let handedBeforeTheEnd = runs.reduce(0) { $0 + $1.count }
        #expect(bytes.count > 10 * ConcurrentListingReader.batchBytes)
        #expect(handedBeforeTheEnd > 0 && handedBeforeTheEnd < 60_000)
        reader.finish()
        #expect(runs.flatMap { $0 }.map(\.name) == (0..<60_000).map { "file-\($0).txt" })
        #expect(reader.entryCount == 60_000)
    }

    @Test func aListingShorterThanABatchIsRead() {
        let bytes = Array("-rw-r--r--   1 owner group 5 Nov 20 10:00 one.txt".utf8)
        #expect(Self.readInBatches(bytes, processors: 4, pieceSize: 100).entries.map(\.name) == ["one.txt"])
    }

    /// A batch ends after the last line that no reader holds back (a lone VMS name is held back,
    /// its line ending's carriage return not counted), among the lines not looked at before.
    @Test(arguments: [
        ("a b\nc d\nNAME;1\n", 0, 8), ("a b\nNAME;1\n", 0, 4), ("NAME;1\nOTHER;1\n", 0, nil), ("bare\n", 0, 5),
        ("a b\nN;1\r\n", 0, 4), ("a b\nNAME;1\n", 5, nil), ("a b\nc d\n", 4, 8),
    ] as [(String, Int, Int?)])
    func batchesEndAfterALineNoReaderHoldsBack(text: String, checkedUpTo: Int, end: Int?) {
        let bytes = Array(text.utf8)
        let found = bytes.withUnsafeBytes {
            ConcurrentListingReader.batchEnd(in: $0, lastLineFeed: bytes.lastIndex(of: 0x0A) ?? -1, linesEndingFrom: checkedUpTo)
        }
        #expect(found == end)
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

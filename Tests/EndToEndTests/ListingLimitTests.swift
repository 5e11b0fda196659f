import Foundation
import TestSupport
import Testing

/// A server that lists without end is given up on with a clear error, not followed until the
/// client's memory runs out.
@Suite("Listing limits")
struct ListingLimitTests {
    static let entryLine = Array("-rw-r--r-- 1 u g 1 Jan 1 2024 same-name-again.txt".utf8)

    /// Past several batches of entries (handed on as they come, their text made): nothing is
    /// printed of a listing given up on.
    @Test func lsGivesUpOnAnEndlessListingOfEntries() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try FileManager.default.createDirectory(atPath: fixture.root.file("dir"), withIntermediateDirectories: true)
        fixture.server.faults.serveEndlessListing(line: Self.entryLine)
        let result = try FerryProcess.run(["ls", fixture.url("dir/")], environment: ["FERRY_MAX_LISTING_LINES": "20000"], timeout: 60)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("LIST: the listing is larger than 20000 lines; given up"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test func lsGivesUpOnAnEndlessListingOfBytes() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        // Lines that are no entries: nothing is kept of them but the count.
        try FileManager.default.createDirectory(atPath: fixture.root.file("dir"), withIntermediateDirectories: true)
        fixture.server.faults.serveEndlessListing(line: Array(String(repeating: "x", count: 1000).utf8))
        let result = try FerryProcess.run(["ls", fixture.url("dir/")], environment: ["FERRY_MAX_LISTING_BYTES": "\(4 << 20)"], timeout: 60)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("is larger than \(4 << 20) bytes"), "\(result.standardError)")
    }

    /// A server that sends its listing a byte every 0.25 s keeps every read within the timeout;
    /// the listing as a whole is given up on after the reply deadline (4 × 1 s here).
    @Test func lsGivesUpOnAListingThatTrickles() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.serveListing(Array(String(repeating: "-rw-r--r-- 1 u g 1 Jan 1 2024 slow.txt\r\n", count: 20).utf8))
        fixture.server.faults.trickleListings(everySeconds: 0.25)
        let started = Date()
        let result = try FerryProcess.run(["ls", "--timeout", "1", fixture.url()], timeout: 60)
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("arrives too slowly"), "\(result.standardError)")
        #expect(Date().timeIntervalSince(started) < 20)
    }
}

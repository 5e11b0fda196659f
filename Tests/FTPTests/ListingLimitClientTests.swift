import FTP
import Foundation
import Testing
import TestSupport

/// The client gives up on a listing past its limits, and the connection stays usable.
@Suite("Listing limits in the client")
struct ListingLimitClientTests {
    @Test func theDefaultsAreAMillionLinesAnd256MiB() {
        #expect(FTPClient.Options().listingLimits == .standard)
        #expect(ListingLimits.standard == ListingLimits(maximumLines: 1_000_000, maximumBytes: 256 << 20))
    }

    @Test func anEndlessListingIsGivenUpOnAndTheConnectionGoesOn() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("dir/file.txt", Data("x".utf8))
        fixture.server.faults.serveEndlessListing(line: Array("-rw-r--r-- 1 u g 1 Jan 1 2024 again.txt".utf8))
        let limits = ListingLimits(maximumLines: 1000, maximumBytes: 1 << 30)
        let client = try fixture.client(options: .init(timeout: 10, listingLimits: limits))
        defer { client.close() }
        let error = try #require(throws: FTPError.self) { try client.listDirectory("dir") }
        #expect(error.kind == .protocolViolation)
        #expect(error.description.contains("the listing of dir is larger than 1000 lines"), "\(error)")

        fixture.server.faults.serveEndlessListing(line: nil)
        #expect(try client.listDirectory("dir").map(\.name) == ["file.txt"])
    }
}

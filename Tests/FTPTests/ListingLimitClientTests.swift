import FTP
import FTPWire
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

    /// vsftpd ends the listing of a folder it cannot open as a success, with no entries: an error
    /// here, never an empty folder; the connection goes on.
    @Test(arguments: ["MLSD", "LIST"])
    func aListingTheServerSaysItCouldNotReadIsAnError(_ command: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("dir/file.txt", Data("x".utf8))
        if command == "LIST" { fixture.server.faults.serveListing(Array("-rw-r--r-- 1 u g 1 Jan 1 2024 file.txt\r\n".utf8)) }
        fixture.server.faults.endListings(with: "Transfer done (but failed to open directory).")
        let client = try fixture.client()
        defer { client.close() }
        let error = try #require(throws: FTPError.self) { try client.listDirectory("dir") }
        #expect(error.description.contains("could not open the folder"), "\(error)")
        #expect(error.reply?.code.rawValue == 226)
        #expect(!fixture.server.receivedCommands.contains { $0.hasPrefix("NLST") })

        fixture.server.faults.endListings(with: nil)
        #expect(try client.listDirectory("dir").map(\.name) == ["file.txt"])
    }

    /// What LIST confirms to be folders (to tell links MLSD shows as folders): only lines read
    /// as folders; a link, a file, a line in no known format, bytes of no encoding confirm nothing.
    @Test func onlyFoldersLISTReadsAsFoldersAreConfirmed() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let lines = [
            "drwxr-xr-x 2 u g 4096 Jan 1 2024 real", "lrwxrwxrwx 1 u g 5 Jan 1 2024 shared -> ../data",
            "-rw-r--r-- 1 u g 1 Jan 1 2024 file", "drwxr-xr-x garbage without the fields", "\u{1B}[2J\u{0}\u{7F}",
        ]
        var bytes = Array((lines.joined(separator: "\r\n") + "\r\n").utf8) + [0xFF, 0xFE, 0x0D, 0x0A]
        bytes += Array("drwxr-xr-x 2 u g 4096 Jan 1 2024 ".utf8) + [0xE9, 0x74, 0xE9, 0x0D, 0x0A]
        fixture.server.faults.serveListing(bytes)
        let client = try fixture.client()
        defer { client.close() }
        let folders = try client.folderNamesListed(in: "dir")
        #expect(folders == [RemotePath("real"), RemotePath(bytes: [0xE9, 0x74, 0xE9])])
    }

    @Test func aListingOfExactlyTheLimitIsReadWhateverEndsItsLastLine() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("dir/file.txt", Data("x".utf8))
        let lines = (1...3).map { "-rw-r--r-- 1 u g 1 Jan 1 2024 f\($0).txt" }
        // Before the login: a scripted listing leaves MLST out of FEAT, so that LIST is used.
        fixture.server.faults.serveListing(Array(lines.joined(separator: "\r\n").utf8))
        let limits = ListingLimits(maximumLines: 3, maximumBytes: 1 << 30)
        let client = try fixture.client(options: .init(timeout: 10, listingLimits: limits))
        defer { client.close() }
        // A carriage return after the last line feed is no line of its own; a name without a
        // line feed after it is one.
        for ending in ["\r\n", "\n\r", "\r\n\r", ""] {
            fixture.server.faults.serveListing(Array((lines.joined(separator: "\r\n") + ending).utf8))
            #expect(try client.listDirectory("dir").map(\.name) == ["f1.txt", "f2.txt", "f3.txt"], "ending \(Array(ending.utf8))")
        }
        fixture.server.faults.serveListing(Array((lines.joined(separator: "\r\n") + "\r\nf").utf8))
        let error = try #require(throws: FTPError.self) { try client.listDirectory("dir") }
        #expect(error.description.contains("larger than 3 lines"), "\(error)")
    }
}

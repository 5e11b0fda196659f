import Foundation
import Testing
import TestSupport

/// Every family of the listing corpus served as a LIST reply by the loopback server, read back with
/// `ferry ls --json`: the whole path from the data connection to the JSON contract.
@Suite("ferry ls --json over the listing corpus")
struct ListingCorpusEndToEndTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../FTPWireTests/ListingCorpus").standardized

    static var families: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") && $0 != "mlsd.jsonl" }.sorted()
    }

    @Test(arguments: families)
    func familyListsAsExpected(_ file: String) throws {
        let rows = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let listing = rows.map { ($0["line"] as? String ?? "") + "\r\n" }.joined()
        fixture.server.faults.serveListing(Array(listing.utf8))
        let result = try FerryProcess.run(["ls", "--json", fixture.url()])
        #expect(result.status == 0, "\(result.standardError)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let expected = rows.compactMap { $0["entry"] as? [String: Any] }
        // What the check compares: type, name, the size of files, link targets.
        func summary(_ entry: [String: Any], expectedSize: Bool) -> String {
            let type = entry["type"] as? String ?? ""
            let size = type == "file" && (expectedSize ? entry["size"] is Int : true) ? "\(entry["size"] ?? "")" : "-"
            let target = type == "link" ? "\(entry["target"] ?? "")" : "-"
            return "\(type)|\(entry["name"] ?? "")|\(size)|\(target)"
        }
        let wanted = expected.map { summary($0, expectedSize: true) }.sorted()
        // Where the corpus does not know a file's size, any size is right.
        let got = entries.map { entry in
            let match = expected.first { ($0["name"] as? String) == (entry["name"] as? String) && ($0["type"] as? String) == (entry["type"] as? String) }
            return summary(entry, expectedSize: false).replacingOccurrences(
                of: "|\(entry["size"] ?? "")|", with: match.map { $0["size"] is Int } ?? true ? "|\(entry["size"] ?? "")|" : "|-|")
        }.sorted()
        #expect(got == wanted, "\(file): served \(rows.count) lines")
    }
}

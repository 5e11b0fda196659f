import Foundation
import Testing
import TestSupport

/// `ferry ls`, `ls -l` and `ls --json` print a listing byte for byte as recorded in
/// `ListingGolden/`: names that need escapes, links, sizes and dates from year 1601 to 9999.
/// Run with `FERRY_RECORD_LISTING_GOLDEN=1` to write the files from the binary under test.
@Suite("ferry ls output, byte for byte")
struct ListingOutputTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ListingGolden")

    /// A LIST reply in Unix and DOS formats, every date with its year so that the output does not
    /// depend on today's date.
    static var listing: String {
        let names = [
            "plain.txt", "with space", "quote\"d", "back\\slash", "tab\there", "esc\u{1B}[31mred", "del\u{7F}",
            "c1\u{85}next", "bidi\u{202E}txt.exe", "sep\u{2028}line", "Übersicht – naïve ファイル", "ship 🚢", "-dash", "a", "B", "ä",
        ]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let years = [1601, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2038, 2100, 2400, 9999]
        let sizes: [UInt64] = [0, 1, 999_999_999_999, 18_446_744_073_709_551_615]
        var lines = ["total 1234"]
        var serial = 0
        for year in years {
            for (monthIndex, month) in months.enumerated() {
                let name = names[serial % names.count]
                let day = 1 + (serial * 7) % 28
                let size = sizes[serial % sizes.count]
                switch serial % 4 {
                case 0: lines.append("-rw-r--r--   1 ftp ftp \(size) \(month) \(day) \(year) \(name) \(serial)")
                case 1: lines.append("drwxr-x---   2 ftp ftp 4096 \(month) \(day)  \(year) \(name) \(serial)")
                case 2: lines.append("lrwxrwxrwx   1 ftp ftp 11 \(month) \(day)  \(year) \(name) \(serial) -> ../\(names[(serial + 3) % names.count])")
                default:
                    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
                    let time = "\(two(1 + serial % 12)):\(two(serial % 60))\(serial % 8 < 4 ? "AM" : "PM")"
                    lines.append("\(two(monthIndex + 1))-\(two(day))-\(year)  \(time)  \(serial % 3 == 0 ? "<DIR>" : "\(size)")  \(name) \(serial)")
                }
                serial += 1
            }
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    @Test(arguments: [("names.txt", ["ls"]), ("long.txt", ["ls", "-l"]), ("json.txt", ["ls", "--json"])])
    func printsAsRecorded(_ file: String, _ arguments: [String]) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.serveListing(Array(Self.listing.utf8))
        let result = try FerryProcess.run(arguments + [fixture.url()])
        #expect(result.status == 0, "\(result.standardError)")
        let golden = Self.folder.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["FERRY_RECORD_LISTING_GOLDEN"] == "1" {
            try Data(result.standardOutput.utf8).write(to: golden)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(result.standardOutput == expected, "ferry \(arguments.joined(separator: " ")) differs from \(file)")
    }

    /// A listing of more entries than `ls` formats at once (it makes the text of runs of entries
    /// on every processor) is printed whole, in order and byte for byte as one at a time would.
    @Test func aLongListingIsPrintedWholeAndInOrder() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let count = 40_001
        let names = (0..<count).map { "file-\($0)" }
        let lines = names.reversed().enumerated().map { "-rw-r--r--   1 ftp ftp \(count - 1 - $0) Jan  1  2024 \($1)\r\n" }
        fixture.server.faults.serveListing(Array(lines.joined().utf8))
        let expected = names.sorted()
        func size(_ name: String) -> String { String(name.dropFirst("file-".count)) }

        let plain = try FerryProcess.run(["ls", fixture.url()])
        #expect(plain.standardOutput == expected.map { $0 + "\n" }.joined())
        let long = try FerryProcess.run(["ls", "-l", fixture.url()])
        let longExpected = expected.map { name in
            "-rw-r--r-- " + String(repeating: " ", count: 12 - size(name).count) + size(name) + "  2024-01-01T00:00:00Z  " + name + "\n"
        }
        #expect(long.standardOutput == longExpected.joined())
        let json = try FerryProcess.run(["ls", "--json", fixture.url()])
        let objects = expected.map { name in
            "  {\"name\": \"\(name)\", \"type\": \"file\", \"size\": \(size(name)), \"modified\": \"2024-01-01T00:00:00Z\", \"target\": null, \"permissions\": \"rw-r--r--\"}"
        }
        #expect(json.standardOutput == "[\n" + objects.joined(separator: ",\n") + "\n]\n")
    }

    /// A long listing the server sends in name order (its text is made while it arrives), and the
    /// same with one entry out of order: first, in the middle, or last of all (the text made so far
    /// is dropped and the whole is sorted): each is printed as sorting it gives.
    @Test(arguments: [nil, 0, 20_000, 40_000])
    func aListingInOrderOrNotIsPrintedSorted(misplaced: Int?) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let count = 40_001
        // Zero-padded: the order of the lines is the order of the names.
        var names = (0..<count).map { "file-" + String(repeating: "0", count: 5 - String($0).count) + String($0) }
        // Out of order wherever it is: after all the others if first, else before them.
        if let misplaced { names[misplaced] = misplaced == 0 ? "zz-misplaced" : "a-misplaced" }
        let lines = names.map { "-rw-r--r--   1 ftp ftp 7 Jan  1  2024 \($0)\r\n" }
        fixture.server.faults.serveListing(Array(lines.joined().utf8))
        let sorted = names.sorted()

        let plain = try FerryProcess.run(["ls", "-v", fixture.url()])
        #expect(plain.status == 0, "\(plain.standardError)")
        #expect(plain.standardOutput == sorted.map { $0 + "\n" }.joined())
        let note = misplaced == nil ? "came in name order: printed as made while they arrived" : "came out of name order: sorted once all were in"
        #expect(plain.standardError.contains(note), "\(plain.standardError.suffix(500))")
        let json = try FerryProcess.run(["ls", "--json", fixture.url()])
        let objects = sorted.map { name in
            "  {\"name\": \"\(name)\", \"type\": \"file\", \"size\": 7, \"modified\": \"2024-01-01T00:00:00Z\", \"target\": null, \"permissions\": \"rw-r--r--\"}"
        }
        #expect(json.standardOutput == "[\n" + objects.joined(separator: ",\n") + "\n]\n")
    }

    /// A folder listed by MLSD (the project's server offers it, in name order), more entries than
    /// one run of them: handed on run by run, its text made as they come, whole and sorted.
    @Test func aLongMachineListingIsPrintedWholeAndSorted() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let names = (0..<10_000).map { "m-\(($0 * 7919) % 10_000)" }
        for name in names { try fixture.root.write("many/\(name)", Data()) }
        let result = try FerryProcess.run(["ls", "-v", fixture.url("many/")])
        #expect(result.status == 0)
        #expect(result.standardError.contains("MLSD"))
        #expect(result.standardError.contains("came in name order: printed as made while they arrived"))
        #expect(result.standardOutput == names.sorted().map { $0 + "\n" }.joined())
    }
}

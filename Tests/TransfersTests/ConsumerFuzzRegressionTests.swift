import Foundation
import FTPWire
import Testing
import Transfers

/// Replays the inputs that once crashed (`Tests/FTPWireTests/FuzzRegressions/`) through what
/// consumes parsed values: the overwrite and mirror decisions on every pair of the entries
/// they parse to, and the journal's source stamps.
@Suite("Fuzz regressions, consumers")
struct ConsumerFuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FTPWireTests/FuzzRegressions")

    @Test func everyRecordedInputIsDecidedWithoutTrapping() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { !$0.hasPrefix(".") }
        #expect(!names.isEmpty)
        for name in names {
            let bytes = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            let lines = bytes.split(separator: UInt8(ascii: "\n")).map { Array($0.filter { $0 != UInt8(ascii: "\r") }) }
            var entries = ListParser(now: Date(timeIntervalSince1970: 1_795_608_000)).entries(lines: lines)
            for line in lines {
                if case .entry(let entry) = MLSxParser.parse(bytes: line) { entries.append(entry) }
                // An MDTM reply's time, as `--overwrite newer` would compare it.
                let text = String(decoding: line, as: UTF8.self)
                if let time = MLSxParser.timeValue(String(text.drop { $0 != " " }.dropFirst())) {
                    entries.append(ListingEntry(name: "mdtm", kind: .file, size: 1, modified: time))
                }
            }
            let facts = entries.map { FileFacts(size: $0.size, modified: $0.modified) }
            for source in facts {
                _ = SourceStamp(size: source.size, modified: source.modified)
                for destination in facts {
                    for policy in OverwritePolicy.allCases { _ = policy.decision(source: source, destination: destination) }
                    _ = OverwritePolicy.differ(source, destination)
                }
            }
        }
    }
}

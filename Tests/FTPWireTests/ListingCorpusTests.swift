import Foundation
import FTPWire
import Testing

/// Real-world listing lines from many server families (`ListingCorpus/*.jsonl`, described in its
/// README), each with what it must parse to: name, type, size for files, link target, or no
/// entry at all.
@Suite("Listing corpus")
struct ListingCorpusTests {
    struct Sample: CustomStringConvertible {
        let family: String
        let line: String
        let expected: [String: Any]?

        var description: String { "\(family): \(line)" }
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ListingCorpus")

    static func samples() throws -> [Sample] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        var samples: [Sample] = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for row in text.split(separator: "\n") where !row.trimmingCharacters(in: .whitespaces).isEmpty {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
                samples.append(Sample(family: String(file.dropLast(6)), line: object["line"] as? String ?? "", expected: object["entry"] as? [String: Any]))
            }
        }
        return samples
    }

    /// The differences between what a line parsed to and what it should have; empty when right.
    static func mismatches(_ sample: Sample) -> [String] {
        let parser = ListParser(now: Date(timeIntervalSince1970: 1_795_608_000))
        let isMachine = sample.family == "mlsd"
        let entry = isMachine ? MLSxParser.entry(Substring(sample.line)) : parser.entry(Substring(sample.line))
        guard let expected = sample.expected else {
            return entry.map { ["expected no entry, got \($0.kind) \"\($0.name)\""] } ?? []
        }
        guard let entry else { return ["expected \(expected["type"] ?? "?") \"\(expected["name"] ?? "?")\", got no entry"] }
        var problems: [String] = []
        if entry.name != expected["name"] as? String { problems.append("name \"\(entry.name)\" ≠ \"\(expected["name"] ?? "")\"") }
        if entry.kind.rawValue != expected["type"] as? String { problems.append("type \(entry.kind.rawValue) ≠ \(expected["type"] ?? "")") }
        if entry.kind == .file, let size = expected["size"] as? Int, entry.size != UInt64(size) {
            problems.append("size \(entry.size.map(String.init) ?? "nil") ≠ \(size)")
        }
        if let target = expected["target"] as? String, entry.target != target { problems.append("target \(entry.target ?? "nil") ≠ \(target)") }
        return problems
    }

    @Test func everyLineParsesAsExpected() throws {
        let samples = try Self.samples()
        #expect(samples.count >= 150)
        #expect(Set(samples.map(\.family)).count >= 8)
        var failures: [String] = []
        for sample in samples {
            let problems = Self.mismatches(sample)
            if !problems.isEmpty { failures.append("\(sample.family): \(sample.line.debugDescription): \(problems.joined(separator: "; "))") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(samples.count) lines wrong:\n\(failures.joined(separator: "\n"))")
    }
}

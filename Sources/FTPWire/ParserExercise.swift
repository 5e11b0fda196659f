import Foundation

/// Feeds arbitrary bytes to every parser of network input in this module, as a fuzzer does.
///
/// The fuzz target (`Fuzz/main.swift`, run by `scripts/fuzz`) calls it with each input, and the
/// regression tests call it with every input that once crashed. It returns how many things were
/// parsed, so that the work cannot be optimised away.
public enum ParserExercise {
    /// A fixed "now", so that a crash reproduces whatever the day.
    private static let now = Date(timeIntervalSince1970: 1_795_608_000)

    @discardableResult
    public static func run(_ bytes: [UInt8]) -> Int {
        var parsed = 0
        var replies = ReplyParser(maximumLineLength: 512, maximumLineCount: 64)
        if (try? replies.feed(bytes)) != nil {
            while let reply = replies.nextReply() {
                parsed += 1
                _ = FeatureSet(reply: reply)
                _ = PathnameReply.path(from: reply.messageBytes)
                _ = PassiveAddress(pasvReply: reply.message)
                _ = ExtendedPassiveReply.port(from: reply.message)
            }
        }
        var lines: [[UInt8]] = []
        var splitter = LineSplitter(maximumLineLength: 1024)
        bytes.withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        splitter.finish { lines.append($0) }
        parsed += ListParser(now: now).entries(lines: lines).count
        var entries: [ListingEntry] = []
        for line in lines {
            let text = TextDecoding.string(line)
            if case .entry(let entry) = MLSxParser.parse(bytes: line) { entries.append(entry) }
            if ListingReader.mayHoldBack(line) { parsed += 1 }
            if MLSxParser.facts(of: Substring(text)) != nil { parsed += 1 }
            if MLSxParser.timeValue(text) != nil { parsed += 1 }
            _ = ExtendedPortArgument(text)
            _ = PassiveAddress(portArgument: text)
            _ = Sanitizer.visible(text)
        }
        // What consumes parsed values: names checked before paths are built, globs matched
        // against them, dates compared, sizes summed.
        entries += ListParser(now: now).entries(lines: lines)
        var total: UInt64 = 0
        for (index, entry) in entries.enumerated() {
            if entry.hasSafeName { parsed += 1 }
            let pattern = entries[(index + 1) % entries.count].name
            if Glob.matches(pattern, entry.name) { parsed += 1 }
            if let modified = entry.modified, let other = entries[(index + 1) % entries.count].modified, modified < other { parsed += 1 }
            let (sum, overflow) = total.addingReportingOverflow(entry.size ?? 0)
            total = overflow ? .max : sum
        }
        return parsed + Int(truncatingIfNeeded: total & 1)
    }
}

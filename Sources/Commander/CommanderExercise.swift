import Foundation
import FTPWire
import ScreenKit

/// Shows arbitrary bytes in the commander as a hostile server's listing, as a fuzzer does: the
/// lines read as LIST and as MLSD fill the remote pane, keys chosen by the last bytes are pressed,
/// on a screen whose size the first bytes choose. The screen is drawn with the listing, after the
/// last key, and after each key whose byte has its high bit set: drawing is most of the cost, so
/// the fuzzer chooses which of the states between keys it pays to see.
///
/// The fuzz target (`Fuzz/commander.swift`, run by `scripts/fuzz --target commander`) calls it
/// with each input; a crash it finds is replayed by calling it with that input. It returns the
/// length of what was drawn, so that the work cannot be optimised away.
public enum CommanderExercise {
    /// A fixed "now", so that a crash reproduces whatever the day.
    private static let now = Date(timeIntervalSince1970: 1_795_608_000)
    /// Keys that move over, mark, sort, filter, open, copy and delete what was listed (their
    /// effects are never carried out), and leave dialogs.
    private static let keys: [Key] = [
        .down, .up, .pageDown, .pageUp, .home, .end, .enter, .insert, .tab, .left, .right, .backspace, .escape,
        .character("*"), .character("+"), .character("-"), .character("/"), .character("a"), .character("."), .character("t"),
        .function(3), .function(4), .function(5), .function(6), .function(7), .function(8), .control("r"), .control("s"),
    ]

    @discardableResult
    public static func run(_ bytes: [UInt8]) -> Int {
        var lines: [[UInt8]] = []
        var splitter = LineSplitter(maximumLineLength: 1024)
        bytes.withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        splitter.finish { lines.append($0) }
        var unreadable = 0
        var entries = ListParser(now: now).entries(lines: lines) { _ in unreadable += 1 }
        for line in lines {
            if case .entry(let entry) = MLSxParser.parse(bytes: line) { entries.append(entry) }
        }
        let remote = Location.remote(site: "ftp://fuzz@example.org", path: "/pub")
        let width = 10 + Int(bytes.first ?? 70) % 120
        let height = 3 + Int(bytes.dropFirst().first ?? 21) % 48
        var state = AppState(
            left: .local("/nonexistent"), right: remote, width: width, height: height, now: now,
            timeZone: TimeZone(identifier: "UTC") ?? .current)
        let incomplete = unreadable > 0 ? "\(unreadable) lines of the listing could not be read" : nil
        _ = update(&state, .listed(pane: 1, location: remote, focus: nil, result: .success(entries), at: now, incomplete: incomplete))
        state.active = 1
        var drawn = drawnSize(render(state, theme: .standard))
        let presses = bytes.suffix(12)
        for (index, byte) in zip(presses.indices, presses) {
            _ = update(&state, .key(keys[Int(byte & 0x7F) % keys.count]))
            if byte & 0x80 != 0 || index == presses.indices.last {
                drawn += drawnSize(render(state, theme: .mono))
            }
        }
        return drawn
    }

    /// A figure that depends on the whole drawing (its cells and the text of the last one written),
    /// at the cost of a few reads rather than a dump of the screen.
    private static func drawnSize(_ screen: Screen) -> Int {
        screen.cells.count + (screen.cells.last?.text.utf8.count ?? 0)
    }
}

import Commander
import Foundation
import FTPWire
import Testing

/// The viewer reads a file in ranges as it is scrolled: events in, the screen's text out.
@Suite struct ViewerRangeTests {
    static let location = Location.local("/data")

    /// `line 000001` to `line <count>`, twelve bytes each.
    static func numberedLines(_ count: Int) -> [UInt8] {
        Array((1...count).map { String(format: "line %06d\n", $0) }.joined().utf8)
    }

    /// A commander at 80x24 with the viewer open on `file`, its first range not arrived yet.
    static func viewing(_ file: [UInt8], name: String = "big.log") -> (state: AppState, effects: [Effect]) {
        var state = AppState(left: location, right: .local("/other"), width: 80, height: 24, now: Date(timeIntervalSince1970: 0))
        let entry = ListingEntry(name: name, kind: .file, size: UInt64(file.count))
        _ = update(&state, .listed(pane: 0, location: location, focus: nil, result: .success([entry]), at: state.now))
        _ = update(&state, .key(.down))
        let effects = update(&state, .key(.function(3)))
        return (state, effects)
    }

    /// Answers the range effects from `file`, as the worker does.
    static func answer(_ effects: [Effect], from file: [UInt8], in state: inout AppState) {
        for case .viewRange(_, let location, let entry, let offset, let length) in effects {
            let from = min(Int(offset), file.count)
            let bytes = Array(file[from..<min(from + length, file.count)])
            _ = update(&state, .viewRangeLoaded(location: location, entry: entry, offset: offset, result: .success(bytes)))
        }
    }

    static func rangeOffsets(_ effects: [Effect]) -> [UInt64] {
        effects.compactMap { effect in
            guard case .viewRange(_, _, _, let offset, _) = effect else { return nil }
            return offset
        }
    }

    @Test func scrollingNearTheEndAppendsTheNextRangeAndJoinsTheLineSplitAcrossIt() throws {
        let file = Self.numberedLines(60_000)
        var (state, effects) = Self.viewing(file)
        #expect(Self.rangeOffsets(effects) == [0])
        #expect(render(state, theme: .mono).dump().contains("Reading…"))
        Self.answer(effects, from: file, in: &state)
        let viewer = try #require(state.viewer)
        // 262144 bytes hold 21845 whole lines; the 21846th is cut by the range's end and kept back.
        #expect(viewer.lines.count == 21_845)
        #expect(viewer.lines.last == "line 021845")
        #expect(!viewer.partial.isEmpty)
        #expect(render(state, theme: .mono).dump().contains("line 000001"))

        state.viewer?.top = 21_815
        effects = update(&state, .key(.down))
        #expect(Self.rangeOffsets(effects) == [262_144], "the next range follows the line kept back")
        #expect(update(&state, .key(.down)).isEmpty, "one range at a time")
        Self.answer(effects, from: file, in: &state)
        let appended = try #require(state.viewer)
        #expect(appended.lines[21_845] == "line 021846")
        #expect(appended.lines[21_844] == "line 021845")
        #expect(appended.lineStarts[21_845] == 21_845 * 12)
        #expect(appended.lines.allSatisfy { $0.count == 11 })
        _ = update(&state, .key(.pageDown))
        let screen = render(state, theme: .mono).dump()
        #expect(screen.contains("line 021846"), "\(screen)")
        #expect(screen.contains("% of 703K"), "\(screen)")
    }

    @Test func hexRowsStayAlignedAcrossRangesAndAtTheEnd() throws {
        let file = (0..<600_001).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var (state, effects) = Self.viewing(file, name: "blob.bin")
        Self.answer(effects, from: file, in: &state)
        #expect(state.viewer?.isHex == true)
        let rows = state.viewer?.lines.count ?? 0
        state.viewer?.top = rows - 30
        effects = update(&state, .key(.pageDown))
        #expect(Self.rangeOffsets(effects) == [262_144])
        Self.answer(effects, from: file, in: &state)
        let viewer = try #require(state.viewer)
        #expect(viewer.lineStarts.allSatisfy { $0 % 16 == 0 })
        #expect(viewer.lines[16_384].hasPrefix("00040000  00 07 0e 15"))

        // End: the last range starts on a row's boundary, and the last row holds the last byte.
        effects = update(&state, .key(.end))
        let offset = try #require(Self.rangeOffsets(effects).first)
        #expect(offset % 16 == 0 && offset > 600_001 - 262_144 - 16)
        Self.answer(effects, from: file, in: &state)
        let end = try #require(state.viewer)
        #expect(end.reachedEnd)
        #expect(end.lineStarts.allSatisfy { $0 % 16 == 0 })
        #expect(end.lines.last == "000927c0  40" + String(repeating: " ", count: 47) + "|@|", "\(end.lines.last ?? "")")
        let screen = render(state, theme: .mono).dump()
        #expect(screen.contains("000927c0") && screen.contains("hex  100% of 586K"), "\(screen)")
    }

    @Test func endJumpsToTheLastRangeAndScrollingBackFetchesWhatCameBefore() throws {
        let file = Self.numberedLines(200_000)
        var (state, effects) = Self.viewing(file)
        Self.answer(effects, from: file, in: &state)
        effects = update(&state, .key(.character("G")))
        #expect(Self.rangeOffsets(effects) == [UInt64(file.count - Viewer.rangeLength)])
        Self.answer(effects, from: file, in: &state)
        var screen = render(state, theme: .mono).dump()
        #expect(screen.contains("line 200000") && screen.contains("100% of 2.3M"), "\(screen)")
        let viewer = try #require(state.viewer)
        // The range starts inside a line: that line is left to the range before.
        #expect(viewer.lines.first.map { $0.hasPrefix("line ") && $0.count == 11 } == true)
        let firstHeld = viewer.lines[0]

        state.viewer?.top = 3
        effects = update(&state, .key(.pageUp))
        #expect(Self.rangeOffsets(effects) == [viewer.start - UInt64(Viewer.rangeLength)])
        Self.answer(effects, from: file, in: &state)
        let back = try #require(state.viewer)
        #expect(back.lines[back.top] == "line " + String(format: "%06d", Int(viewer.start) / 12 + 1))
        #expect(back.lines.contains(firstHeld))
        #expect(back.lines.allSatisfy { $0.count == 11 })

        // Home far from the lines held reads the first range again.
        effects = update(&state, .key(.home))
        #expect(Self.rangeOffsets(effects) == [0])
        Self.answer(effects, from: file, in: &state)
        screen = render(state, theme: .mono).dump()
        #expect(screen.split(separator: "\n")[1].hasPrefix("line 000001"), "\(screen)")
    }

    @Test func atMostAWindowOfTheFileIsHeld() throws {
        let file = Self.numberedLines(600_000)
        var (state, effects) = Self.viewing(file)
        Self.answer(effects, from: file, in: &state)
        while let viewer = state.viewer, !viewer.reachedEnd {
            state.viewer?.top = max(0, viewer.lines.count - 30)
            effects = update(&state, .key(.pageDown))
            try #require(!effects.isEmpty)
            Self.answer(effects, from: file, in: &state)
            let held = try #require(state.viewer)
            #expect(held.loadedEnd - held.start <= UInt64(Viewer.window + Viewer.rangeLength))
        }
        let viewer = try #require(state.viewer)
        #expect(viewer.start > 0)
        #expect(viewer.lines.last == "line 600000")
        _ = update(&state, .key(.end))
        #expect(render(state, theme: .mono).dump().contains("line 600000"))
    }

    @Test func aRangeThatCannotBeReadKeepsTheLinesAndSaysWhy() throws {
        let file = Self.numberedLines(60_000)
        var (state, effects) = Self.viewing(file)
        Self.answer(effects, from: file, in: &state)
        state.viewer?.top = 21_815
        effects = update(&state, .key(.down))
        guard case .viewRange(_, let location, let entry, let offset, _)? = effects.first else {
            Issue.record("no range asked for")
            return
        }
        _ = update(&state, .viewRangeLoaded(location: location, entry: entry, offset: offset, result: .failure(ListingFailure("426 \u{1B}[2Jgone"))))
        #expect(state.viewer?.lines.count == 21_845)
        #expect(render(state, theme: .mono).dump().contains("426 \\x1b[2Jgone"))
        #expect(Self.rangeOffsets(update(&state, .key(.down))) == [offset], "asked again")
    }
}

// The commander with a directory of 100,000 entries: the time from the listing's arrival to the
// first screen, and per key (cursor down, page down, end) with its redraw, beside a baseline that
// only sorts the names. Figures, never pass/fail.
//   swift run -c release commander-benchmark [ENTRIES]
import Commander
import Foundation
import FTPWire
import ScreenKit

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let now = Date()
func entry(_ index: Int) -> ListingEntry {
    let scrambled = String(index * 7919 % count, radix: 36)
    let kind: ListingEntry.Kind = index % 50 == 0 ? .directory : .file
    return ListingEntry(name: "file-\(scrambled)-\(index).dat", kind: kind, size: UInt64(index * 37), modified: now.addingTimeInterval(-Double(index)))
}
let entries: [ListingEntry] = (0..<count).map(entry)

func milliseconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
}

/// The best of five runs.
func best(_ body: () -> Void) -> Double { (0..<5).map { _ in milliseconds(body) }.min() ?? 0 }

let location = Location.remote(site: "ftp://bench", path: "/big")
var firstPaint = Double.infinity
for _ in 0..<5 {
    var state = AppState(left: .local("/"), right: location, width: 120, height: 40, now: now)
    state.active = 1
    firstPaint = min(firstPaint, milliseconds {
        _ = update(&state, .listed(pane: 1, location: location, focus: nil, result: .success(entries), at: now))
        _ = render(state, theme: .standard)
    })
}
let baseline = best { _ = entries.map { (entry: ListingEntry) in entry.name }.sorted() }

/// A commander showing the entries, and the cost of one key on it with the redraw and the diff.
struct KeyBench {
    var state: AppState
    var previous: Screen

    init() {
        state = AppState(left: .local("/"), right: location, width: 120, height: 40, now: now)
        state.active = 1
        _ = update(&state, .listed(pane: 1, location: location, focus: nil, result: .success(entries), at: now))
        previous = render(state, theme: .standard)
    }

    mutating func cost(_ key: Key) -> Double {
        var fastest = Double.infinity
        for _ in 0..<5 {
            fastest = min(fastest, milliseconds {
                _ = update(&state, .key(key))
                let screen = render(state, theme: .standard)
                _ = screen.changes(since: previous)
                previous = screen
            })
        }
        return fastest
    }
}
var bench = KeyBench()
let down = bench.cost(.down)
let pageDown = bench.cost(.pageDown)
let end = bench.cost(.end)
print(String(format: "%d entries: first paint %.1f ms (sorting the names alone: %.1f ms, ratio %.2fx)", count, firstPaint, baseline, firstPaint / baseline))
print(String(format: "per key with redraw and diff: down %.2f ms, page down %.2f ms, end %.2f ms", down, pageDown, end))

import Foundation
import ScreenKit
import Testing

/// Compares a screen's text with `Snapshots/<name>.txt`. A missing snapshot, or any snapshot when
/// `FERRY_RECORD_SNAPSHOTS=1`, is written from the screen and reported, so that a new snapshot is
/// looked at before it is committed.
func expectSnapshot(_ screen: Screen, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent(name + ".txt")
    let actual = screen.dump() + "\n"
    let recording = ProcessInfo.processInfo.environment["FERRY_RECORD_SNAPSHOTS"] == "1"
    if recording || !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        if !recording {
            Issue.record("recorded a new snapshot \(name).txt: check it, then run again", sourceLocation: sourceLocation)
        }
        return
    }
    let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    #expect(actual == expected, "snapshot \(name) differs:\n\(actual)", sourceLocation: sourceLocation)
}

import ScreenKit
import Terminal
import Testing

/// ncurses places characters by the C library's `wcwidth`; ScreenKit must count the same, or
/// cells and the cursor drift apart.
@Suite("Display width agrees with wcwidth")
struct WidthAgreementTests {
    static let ranges: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F, 0x400...0x52F, 0x591...0x5F4, 0x600...0x6FF, 0x900...0x97F,
        0xE00...0xE7F, 0x1100...0x11FF, 0x2000...0x206F, 0x20A0...0x20CF, 0x2190...0x21FF, 0x2500...0x257F,
        0x2600...0x27BF, 0x2E80...0x2FDF, 0x3000...0x30FF, 0x3400...0x3410, 0x4E00...0x4E80, 0xAC00...0xAC80,
        0xFE00...0xFE6F, 0xFF00...0xFFEF, 0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x20000...0x20010,
    ]

    @Test func screenKitCountsAsTheCLibraryDoes() {
        var disagreements: [String] = []
        for range in Self.ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let system = TerminalUI.systemWidth(of: scalar)
                guard system >= 0 else { continue }
                if DisplayWidth.of(scalar) != system {
                    disagreements.append("U+\(String(value, radix: 16, uppercase: true)): ScreenKit \(DisplayWidth.of(scalar)), wcwidth \(system)")
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.prefix(60).joined(separator: "\n"))")
    }
}

import Foundation
import FTPWire
import Testing

/// Replays every input the fuzzer (`scripts/fuzz`) ever found a crash with.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func everyRecordedCrashNowParses() throws {
        for name in Self.inputs {
            let bytes = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            ParserExercise.run(Array(bytes))
        }
    }

    @Test func hostileInputsParseWithoutCrashing() {
        let hostile: [[UInt8]] = [
            [], [0x0A], Array(repeating: 0x0A, count: 10_000), Array(repeating: 0x32, count: 100_000),
            Array("211-\r\n".utf8) + Array(repeating: 0x20, count: 5000) + [0x0A],
            Array("drwxr-xr-x 1 a b 1 Nov 31 99:99 x\r\n-rw-r--r-- 1 a b 99999999999999999999 Nov 1 1:1 y\n".utf8),
            Array("+\t\n+/,s,m\t\n".utf8), Array("A;1 1/ 29-FOO-1996\nB;x\n;1\n".utf8), (0...255).map { UInt8($0) },
            // Sizes that overflow 64 bits once multiplied (found in review).
            Array("-rw-r--r-- 1 u g 99999999999G Jan 1 00:00 f\n-rw-r--r-- 1 u g 1e308k Jan 1 00:00 f\n".utf8),
            Array("A.B;1 99999999999999999 29-JAN-1996\n".utf8), Array("x 9999999999999999 a 90-05-19 11:53:44 n\n".utf8),
        ]
        for input in hostile { ParserExercise.run(input) }
    }
}

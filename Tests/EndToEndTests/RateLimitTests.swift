import Foundation
import TestSupport
import Testing

/// `--limit-rate` through the `ferry` binary against the loopback server. Only lower bounds on
/// time: a busy machine may always be slower.
@Suite("Rate limits")
struct RateLimitTests {
    @Test func aLimitedDownloadTakesItsTimeAndArrivesWhole() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let size = 3 * 1024 * 1024
        try fixture.root.write("big.bin", sampleBytes(size))

        let start = Date()
        let result = try FerryProcess.run(["get", "--no-progress", "--limit-rate", "1M", fixture.url("big.bin"), "."], in: local.path)
        let elapsed = Date().timeIntervalSince(start)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(local.read("big.bin") == sampleBytes(size))
        #expect(elapsed >= 2.5, "3 MiB at 1 MiB/s took \(elapsed) s")
    }

    @Test func aLimitHoldsForAllConnectionsTogether() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<4 { try local.write("up/\(index).bin", sampleBytes(256 * 1024, seed: UInt64(index + 1))) }
        try FileManager.default.createDirectory(atPath: fixture.root.file("in"), withIntermediateDirectories: true)

        let start = Date()
        let result = try FerryProcess.run(
            ["put", "--no-progress", "-P", "4", "--limit-rate", "512K", "up/0.bin", "up/1.bin", "up/2.bin", "up/3.bin", fixture.url("in/")],
            in: local.path)
        let elapsed = Date().timeIntervalSince(start)
        #expect(result.status == 0, "\(result.standardError)")
        for index in 0..<4 { #expect(fixture.root.read("in/\(index).bin") == sampleBytes(256 * 1024, seed: UInt64(index + 1))) }
        #expect(elapsed >= 1.6, "1 MiB at 512 KiB/s over 4 connections took \(elapsed) s")
    }

    @Test func aLimitHoldsForServerToServerCopies() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("src/one.bin", sampleBytes(1024 * 1024))
        try FileManager.default.createDirectory(atPath: fixture.root.file("dst"), withIntermediateDirectories: true)

        let start = Date()
        let result = try FerryProcess.run(["cp", "--no-progress", "--limit-rate", "512K", fixture.url("src/one.bin"), fixture.url("dst/")])
        let elapsed = Date().timeIntervalSince(start)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(fixture.root.read("dst/one.bin") == sampleBytes(1024 * 1024))
        #expect(elapsed >= 1.6, "1 MiB at 512 KiB/s took \(elapsed) s")
    }

    @Test(arguments: ["fast", "0", "-1M", "1.2.3K", "1e6", "M", ""])
    func nonsenseIsAUsageError(_ rate: String) throws {
        let result = try FerryProcess.run(["get", "--limit-rate", rate, "ftp://127.0.0.1:1/x", "."])
        #expect(result.status == 2, "\(rate): \(result.standardError)")
    }
}

import CFileSystem
import Foundation
import Spawn
import TestSupport
import Testing

/// The journal and verification through the binary: `--json`, `-v`, a wrong digest, and a
/// recursive download killed with `kill -9` that `ferry resume` finishes.
@Suite("Journal and verification")
struct JournalAndVerificationTests {
    /// The NDJSON objects a command printed.
    private func objects(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func getAndPutReportEachFileAsJSONWithTheDigestThatMatched() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.bin", sampleBytes(100_000))
        let get = try FerryProcess.run(["get", "--json", "-v", fixture.url("a.bin")], in: local.path)
        #expect(get.status == 0, "\(get.standardError)")
        #expect(get.standardError.contains("> HASH a.bin"))
        let downloads = try objects(get.standardOutput)
        #expect(downloads.count == 1)
        #expect(downloads.first?["status"] as? String == "done")
        #expect(downloads.first?["verified"] as? String == "SHA-256")
        #expect(downloads.first?["bytes"] as? Int == 100_000)
        #expect(downloads.first?["source"] as? String == "ftp://alice@127.0.0.1:\(fixture.port)/a.bin")
        #expect(downloads.first?["destination"] as? String == local.file("a.bin"))
        #expect(downloads.first?["error"] is NSNull)

        fixture.server.faults.offerDigestCommands(["XMD5"])
        let put = try FerryProcess.run(["put", "--json", "a.bin", fixture.url("b.bin")], in: local.path)
        #expect(put.status == 0, "\(put.standardError)")
        #expect(try objects(put.standardOutput).first?["verified"] as? String == "MD5")

        let unverified = try FerryProcess.run(["get", "--json", "--no-verify", fixture.url("b.bin")], in: local.path)
        #expect(try objects(unverified.standardOutput).first?["verified"] is NSNull)
        #expect(fixture.root.read("b.bin") == sampleBytes(100_000))
    }

    /// A digest reply with nothing usable leaves the file done but unverified: `--json` says
    /// null, and only `-v` says why on standard error.
    @Test func anUnusableDigestIsANoteUnderVerboseOnly() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.bin", sampleBytes(1000))
        fixture.server.faults.script("HASH", reply: .init(code: 213, text: "SHA-256 0-1000 \u{1B}[2Jzz a.bin"))
        let quiet = try FerryProcess.run(["get", "--json", "--no-progress", fixture.url("a.bin")], in: local.path)
        #expect(quiet.status == 0, "\(quiet.standardError)")
        #expect(try objects(quiet.standardOutput).first?["verified"] is NSNull)
        #expect(!quiet.standardError.contains("not verified"))
        let verbose = try FerryProcess.run(["get", "-v", "--no-progress", fixture.url("a.bin"), "b.bin"], in: local.path)
        #expect(verbose.status == 0, "\(verbose.standardError)")
        let note = try #require(verbose.standardError.split(separator: "\n").first { $0.contains("not verified") })
        #expect(note.hasPrefix("ferry: a.bin: not verified: HASH SHA-256"))
        #expect(!note.contains("\u{1B}"))
        #expect(local.read("b.bin") == sampleBytes(1000))
    }

    /// Journal lines that cannot be written (here: past a file size limit, as on a full disk)
    /// leave the transfers done and the exit status 0, with one warning.
    @Test func aJournalThatCannotBeWrittenIsAWarningNotAFailure() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let names = (0..<6).map { "file-with-a-longish-name-\($0).txt" }
        for name in names { try fixture.root.write("d/" + name, Data("small\n".utf8)) }
        // At most 512 bytes a file: the downloads fit, the journal's lines do not; writes past
        // the limit fail (EFBIG) rather than stop the program, as SIGXFSZ is ignored.
        let limited = #"trap '' XFSZ; ulimit -f 1; exec "$0" "$@""#
        let result = try Program.run(
            "/bin/sh", ["-c", limited, FerryProcess.executable, "get", "-r", "--no-progress", fixture.url("d/"), "."], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        for name in names { #expect(local.read("d/" + name) == Data("small\n".utf8)) }
        let warnings = result.standardError.split(separator: "\n").filter { $0.contains("cannot write the journal") }
        #expect(warnings.count == 1, "\(result.standardError)")
        #expect(warnings.first?.contains("could not be resumed") == true)
    }

    /// A write that fails behind the transfer (here: past a file size limit, as on a full
    /// disk) fails the copy with the disk's reason, and the `.part` keeps every byte written
    /// before it, the file's own, for a resume to go on from.
    @Test func aWriteThatFailsBehindTheTransferFailsTheCopyAndKeepsWhatWasWritten() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(6_000_000)
        try fixture.root.write("big.bin", contents)
        // At most 3 MiB a file (6144 blocks of 512 bytes): the download's writes fail past it.
        let limited = #"trap '' XFSZ; ulimit -f 6144; exec "$0" "$@""#
        let result = try Program.run(
            "/bin/sh", ["-c", limited, FerryProcess.executable, "get", "--retries", "0", "--no-progress", fixture.url("big.bin"), "."],
            in: local.path)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("cannot write"), "\(result.standardError)")
        #expect(local.read("big.bin") == nil)
        let kept = local.read("big.bin.part") ?? Data()
        #expect(kept.count == 3 << 20)
        #expect(kept == contents.prefix(kept.count))
    }

    @Test func aRecursiveDownloadAsksNothingTheMachineListingAnswered() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for index in 0..<3 { try fixture.root.write("d/f\(index).bin", sampleBytes(10_000, seed: UInt64(index))) }
        fixture.server.clearReceivedCommands()
        let result = try FerryProcess.run(["get", "-r", "-P", "1", fixture.url("d/"), "."], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        let commands = fixture.server.receivedCommands
        // Per file: the data connection, the file, its digest; SIZE and MDTM come from MLSD.
        #expect(!commands.contains { $0.hasPrefix("SIZE") || $0.hasPrefix("MDTM") }, "\(commands)")
        #expect(commands.filter { $0.hasPrefix("HASH") }.count == 3)
        for index in 0..<3 { #expect(local.read("d/f\(index).bin") == sampleBytes(10_000, seed: UInt64(index))) }
    }

    @Test func aWrongDigestLeavesNoFileAndExitsWithOne() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("a.bin", sampleBytes(100_000))
        fixture.server.faults.answerWrongDigests(true)
        let result = try FerryProcess.run(["get", "--json", fixture.url("a.bin")], in: local.path)
        #expect(result.status == 1)
        #expect(result.standardError.contains("checksum mismatch"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.path).isEmpty)
        let reported = try objects(result.standardOutput)
        #expect(reported.first?["status"] as? String == "failed")
        #expect((reported.first?["error"] as? String)?.contains("checksum mismatch") == true)
    }

    @Test func aRecursiveDownloadKilledMidwayIsFinishedByResume() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let files = (1...4).map { ("tree/sub\($0 % 2)/file\($0).bin", sampleBytes(600_000, seed: UInt64($0))) }
        for (path, contents) in files { try fixture.root.write(path, contents) }
        // Three seconds a file: the kill lands well before the first is whole.
        fixture.server.faults.throttle(bytesPerSecond: 200_000)
        let output = try TemporaryDirectory("ferry-output")
        defer { output.remove() }
        let child = try Program.start(
            FerryProcess.executable, ["get", "-r", "-P", "1", fixture.url("tree/"), "copy"], in: local.path,
            standardOutput: output.file("stdout"), standardError: output.file("stderr"))
        // Kill it once the first file is partly there.
        var partial = false
        for _ in 0..<200 where !partial {
            usleep(50_000)
            let parts = (FileManager.default.enumerator(atPath: local.file("copy"))?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".part") }
            partial = parts.contains { (try? FileManager.default.attributesOfItem(atPath: local.file("copy/" + $0))[.size] as? Int ?? 0) ?? 0 > 100_000 }
        }
        child.send(SIGKILL)
        _ = child.wait()
        #expect(partial)

        let journal = try FileManager.default.contentsOfDirectory(atPath: local.journalFolder)
            .compactMap { FileManager.default.contents(atPath: local.journalFolder + "/" + $0) }
        #expect(!journal.isEmpty)
        #expect(!journal.contains { String(decoding: $0, as: UTF8.self).contains(ServerFixture.password) })
        let listed = try FerryProcess.run(["resume", "--list"], in: local.path)
        #expect(listed.status == 0)
        #expect(listed.standardOutput.split(separator: "\n").count == 4, "\(listed.standardOutput)")
        let json = try FerryProcess.run(["resume", "--list", "--json"], in: local.path)
        #expect(try objects(json.standardOutput).allSatisfy { $0["kind"] as? String == "download" })

        fixture.server.faults.throttle(bytesPerSecond: nil)
        fixture.server.clearReceivedCommands()
        let resumed = try FerryProcess.run(["resume"], in: local.path, environment: ["FERRY_PASSWORD": ServerFixture.password])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        for (path, contents) in files {
            #expect(local.read("copy/" + path.dropFirst("tree/".count)) == contents, "\(path)")
        }
        #expect(fixture.server.receivedCommands.contains { $0.hasPrefix("REST ") })
        #expect(try FerryProcess.run(["resume", "--list"], in: local.path).standardOutput.isEmpty)
    }

    /// A big download sets aside the room for its whole size first: killed midway, its partial
    /// file has that size, and only the bytes written count. With no digest to catch it, a
    /// resume that took the whole size for bytes written would put a file of zeros in place.
    @Test func aKilledBigDownloadResumesFromTheBytesWrittenNotItsRoom() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(20 << 20, seed: 47)
        try fixture.root.write("big.bin", contents)
        fixture.server.faults.offerDigestCommands([])
        // Five seconds for the file: the kill lands well before it is whole.
        fixture.server.faults.throttle(bytesPerSecond: 4_000_000)
        let output = try TemporaryDirectory("ferry-output")
        defer { output.remove() }
        let child = try Program.start(
            FerryProcess.executable, ["get", fixture.url("big.bin"), "big.bin"], in: local.path,
            standardOutput: output.file("stdout"), standardError: output.file("stderr"))
        var written = 0
        for _ in 0..<200 where written < 2 << 20 {
            usleep(50_000)
            written = Self.bytesBeforeFirstHole(local.file("big.bin.part"))
        }
        child.send(SIGKILL)
        _ = child.wait()
        #expect(written >= 2 << 20)
        // The room is set aside where the disk takes direct writes (ext4 and XFS).
        let left = try FileManager.default.attributesOfItem(atPath: local.file("big.bin.part"))[.size] as? Int ?? 0
        if Self.temporaryFolderTakesDirectWrites { #expect(left == contents.count) } else { #expect(left < contents.count) }

        fixture.server.faults.throttle(bytesPerSecond: nil)
        fixture.server.clearReceivedCommands()
        let resumed = try FerryProcess.run(["resume"], in: local.path, environment: ["FERRY_PASSWORD": ServerFixture.password])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(local.read("big.bin") == contents)
        let rest = fixture.server.receivedCommands.first { $0.hasPrefix("REST ") }.flatMap { Int($0.dropFirst(5)) }
        #expect(rest.map { $0 >= 2 << 20 && $0 < contents.count } == true, "\(fixture.server.receivedCommands)")
    }

    /// Whether the temporary folder is on ext4 or XFS, where a download writes directly.
    static let temporaryFolderTakesDirectWrites: Bool = {
        let descriptor = open(FileManager.default.temporaryDirectory.path, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        return descriptor >= 0 && [0xEF53, 0x5846_5342].contains(ferry_file_system_type(descriptor))
    }()

    /// Where the first hole of the file at `path` begins (`SEEK_HOLE`, blocks set aside and not
    /// written included); 0 when there is no such file.
    private static func bytesBeforeFirstHole(_ path: String) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        return max(0, lseek(descriptor, 0, 4))
    }

    /// An upload writes the server's file itself: killed midway, the partial file is its
    /// target, which `--overwrite skip` would judge "there" and leave cut short. Resumed, the
    /// job continues what it wrote whatever its policy.
    @Test func aKilledUploadWithSkipIsFinishedByResume() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_500_000, seed: 41)
        try local.write("big.bin", contents)
        // Never begun, this one is judged as it was: the server's file stays.
        try local.write("b.txt", Data("mine".utf8))
        try fixture.root.write("b.txt", Data("theirs".utf8))
        fixture.server.faults.throttle(bytesPerSecond: 400_000)
        let output = try TemporaryDirectory("ferry-output")
        defer { output.remove() }
        let child = try Program.start(
            FerryProcess.executable, ["put", "-P", "1", "--overwrite", "skip", "big.bin", "b.txt", fixture.url("")], in: local.path,
            standardOutput: output.file("stdout"), standardError: output.file("stderr"))
        var partial = false
        for _ in 0..<200 where !partial {
            usleep(50_000)
            partial = (fixture.root.read("big.bin")?.count ?? 0) > 200_000
        }
        child.send(SIGKILL)
        _ = child.wait()
        #expect(partial)
        #expect((fixture.root.read("big.bin")?.count ?? 0) < contents.count)

        fixture.server.faults.throttle(bytesPerSecond: nil)
        let resumed = try FerryProcess.run(["resume", "--json"], in: local.path, environment: ["FERRY_PASSWORD": ServerFixture.password])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("\"status\": \"done\""), "\(resumed.standardOutput)")
        #expect(fixture.root.read("big.bin") == contents)
        #expect(fixture.root.read("b.txt") == Data("theirs".utf8))
        #expect(try FerryProcess.run(["resume", "--list"], in: local.path).standardOutput.isEmpty)
    }

    /// A partial file is locked while it is written: a second Ferry fetching the same file to
    /// the same place at the same time is refused before it cuts or writes a byte.
    @Test func twoFerriesWritingOneFileDoNotMixTheirBytes() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let contents = sampleBytes(1_200_000, seed: 43)
        try fixture.root.write("big.bin", contents)
        // Four seconds: time for the second to start and reach the lock, loaded machine or not.
        fixture.server.faults.throttle(bytesPerSecond: 300_000)
        let output = try TemporaryDirectory("ferry-output")
        defer { output.remove() }
        let first = try Program.start(
            FerryProcess.executable, ["get", fixture.url("big.bin"), "big.bin"], in: local.path,
            standardOutput: output.file("stdout"), standardError: output.file("stderr"))
        var writing = false
        for _ in 0..<200 where !writing {
            usleep(20_000)
            writing = (try? FileManager.default.attributesOfItem(atPath: local.file("big.bin.part"))[.size] as? Int ?? 0) ?? 0 > 100_000
        }
        #expect(writing)
        let second = try FerryProcess.run(["get", "--retries", "0", fixture.url("big.bin"), "big.bin"], in: local.path)
        #expect(second.status == 1, "\(second.standardError)")
        #expect(second.standardError.contains("cannot write big.bin.part: another process (another Ferry copy, say) holds it locked"), "\(second.standardError)")
        #expect(first.wait(timeout: 60) == .exited(0))
        #expect(local.read("big.bin") == contents)
        // The file was the other copy's to finish: nothing is left for a resume to redo.
        #expect(try FerryProcess.run(["resume", "--list"], in: local.path).standardOutput.isEmpty)
    }

    /// Two stopped uploads to one server file: `resume` runs the first and reports the second,
    /// which would write the file at the same time.
    @Test func resumeRunsOneOfTwoJobsForOneFile() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("u1", sampleBytes(300_000, seed: 5))
        try local.write("u2", sampleBytes(200_000, seed: 6))
        for name in ["u1", "u2"] { try JournalFixture.stoppedUpload(of: local.file(name), to: fixture.url("same"), in: local.journalFolder) }
        let resumed = try FerryProcess.run(["resume", "--json"], in: local.path, environment: ["FERRY_PASSWORD": ServerFixture.password])
        #expect(resumed.status == 1, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("another job writes that file; only the first runs"), "\(resumed.standardError)")
        let stored = fixture.root.read("same")
        #expect(stored == sampleBytes(300_000, seed: 5) || stored == sampleBytes(200_000, seed: 6))
        #expect(resumed.standardOutput.split(separator: "\n").filter { $0.contains("\"status\": \"done\"") }.count == 1, "\(resumed.standardOutput)")
    }
}

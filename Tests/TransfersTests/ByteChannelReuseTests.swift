import Foundation
import Net
import Testing
import TestSupport
@testable import Transfers

/// The channel between a server's reader thread and a copy: the bytes are read into its blocks,
/// which it reuses; they must come out whole and in order however they were cut.
@Suite("Byte channel reuse", .timeLimit(.minutes(1)))
struct ByteChannelReuseTests {
    /// Writes `contents` into the channel in pieces of at most `writeSize` bytes (each read of a
    /// connection gives what it has, which may be less than the room), on a thread of its own.
    private static func write(_ contents: [UInt8], into channel: ByteChannel, pieces writeSize: Int) {
        let writer = Thread {
            contents.withUnsafeBytes { all in
                var offset = 0
                var piece = 0
                while offset < all.count {
                    guard let space = try? channel.space() else { return }
                    let count = min(space.count, writeSize - piece % 3, all.count - offset)
                    space.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + count)]))
                    guard (try? channel.received(count)) != nil else { return }
                    offset += count
                    piece += 1
                }
            }
            channel.finish()
        }
        writer.start()
    }

    @Test(arguments: [(7_000, 4_096, 3), (262_144, 262_144, 3), (262_144, 100_000, 2), (1_000, 1_000_000, 1), (100_000, 50_000, 16)])
    func bytesPassWholeThroughBlocksThatAreReused(writeSize: Int, readSize: Int, blockCount: Int) throws {
        let contents = Array(sampleBytes(5_000_000, seed: 3))
        // A small channel, so that it fills and empties many times over.
        let channel = ByteChannel(blockSize: 3 * writeSize / 2, blockCount: blockCount)
        Self.write(contents, into: channel, pieces: writeSize)
        var received: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try channel.read(into: buffer)
            if count == 0 { break }
            received += buffer[0..<count]
        }
        #expect(received == contents)
    }

    /// A writer waiting for room is let go by the reader's stop, a reader waiting for bytes by
    /// the writer's end or failure.
    @Test func waitingEndsAreLetGo() throws {
        struct Stop: Error {}
        let full = ByteChannel(blockSize: 1_000, blockCount: 1)
        _ = try full.space()
        try full.received(1_000)
        let writerLetGo = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            if (try? full.space()) == nil { writerLetGo.signal() }
        }
        Thread.sleep(forTimeInterval: 0.05)
        full.fail(Stop())
        #expect(writerLetGo.wait(timeout: .now() + 10) == .success)

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 16)
        defer { buffer.deallocate() }
        for failing in [false, true] {
            let empty = ByteChannel(blockSize: 1_000, blockCount: 1)
            let readerLetGo = DispatchSemaphore(value: 0)
            let outcome = Locked<Int?>(nil)
            Thread.detachNewThread {
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 16)
                defer { scratch.deallocate() }
                outcome.withLock { $0 = (try? empty.read(into: scratch)) ?? -1 }
                readerLetGo.signal()
            }
            Thread.sleep(forTimeInterval: 0.05)
            if failing { empty.fail(Stop()) } else { empty.finish() }
            #expect(readerLetGo.wait(timeout: .now() + 10) == .success)
            #expect(outcome.withLock { $0 } == (failing ? -1 : 0))
        }
    }

    /// A reader that stops leaves the writer waiting for room no longer: its next request for
    /// room throws. The bytes written before a writer's failure are read before the failure.
    @Test func eitherEndStopsTheOther() throws {
        struct Broken: Error {}
        let channel = ByteChannel(blockSize: 1_000, blockCount: 1)
        let space = try channel.space()
        space.storeBytes(of: 7, as: UInt8.self)
        try channel.received(1)
        channel.fail(Broken())
        #expect(throws: Broken.self) { try channel.space() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 10, alignment: 16)
        defer { buffer.deallocate() }
        #expect(try channel.read(into: buffer) == 1)
        #expect(buffer[0] == 7)
        #expect(throws: Broken.self) { try channel.read(into: buffer) }
    }

    /// A read waits for as many bytes as it has room for, a while, so that it is not woken for
    /// every piece; what came in that time is all it waits for.
    @Test func aReadGathersWhatComesWithinItsTime() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_000, alignment: 16)
        defer { buffer.deallocate() }
        let patient = ByteChannel(blockSize: 1_000, blockCount: 4, gathering: 60)
        try Self.put(600, into: patient)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            try? Self.put(400, into: patient)
        }
        #expect(try patient.read(into: buffer) == 1_000)

        let hasty = ByteChannel(blockSize: 1_000, blockCount: 4, gathering: 0.05)
        try Self.put(100, into: hasty)
        #expect(try hasty.read(into: buffer) == 100)
        // Gathering ends with the writer's end, too.
        let ending = ByteChannel(blockSize: 1_000, blockCount: 4, gathering: 60)
        try Self.put(100, into: ending)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            ending.finish()
        }
        #expect(try ending.read(into: buffer) == 100)
        #expect(try ending.read(into: buffer) == 0)
    }

    /// A reader gathering bytes takes what is there once the writer waits for room: the bytes it
    /// wants cannot come before it reads.
    @Test func aReadGathersNoLongerThanTheWriterCanWrite() throws {
        let channel = ByteChannel(blockSize: 1_000, blockCount: 1, gathering: 60)
        try Self.put(800, into: channel)
        // The last fifth of the only block is too little room: the writer waits for it to empty.
        let writer = Thread { try? Self.put(1_000, into: channel) }
        writer.start()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 500, alignment: 16)
        defer { buffer.deallocate() }
        #expect(try channel.read(into: buffer) == 500)
        let started = ContinuousClock.now
        #expect(try channel.read(into: buffer) == 300)
        #expect(ContinuousClock.now - started < .seconds(30))
        channel.fail(CancellationError())
    }

    /// Writes `count` bytes into the channel.
    private static func put(_ count: Int, into channel: ByteChannel) throws {
        var written = 0
        while written < count {
            let space = try channel.space()
            let piece = min(space.count, count - written)
            space.initializeMemory(as: UInt8.self, repeating: 1)
            try channel.received(piece)
            written += piece
        }
    }
}

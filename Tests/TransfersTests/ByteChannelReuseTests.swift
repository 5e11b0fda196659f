import Foundation
import Testing
import TestSupport
@testable import Transfers

/// The channel between a server's reader thread and a copy keeps the chunks it emptied for
/// the next writes: the bytes must come out whole and in order however they were cut.
@Suite("Byte channel reuse")
struct ByteChannelReuseTests {
    @Test(arguments: [(7_000, 4_096), (262_144, 262_144), (262_144, 100_000), (1_000, 1_000_000)])
    func bytesPassWholeThroughChunksThatAreReused(writeSize: Int, readSize: Int) throws {
        let contents = Array(sampleBytes(5_000_000, seed: 3))
        // A small channel, so that it fills and empties many times over.
        let channel = ByteChannel(capacity: 3 * writeSize)
        let writer = Thread {
            contents.withUnsafeBytes { all in
                var offset = 0
                while offset < all.count {
                    let count = min(writeSize - offset % 3, all.count - offset)
                    try? channel.write(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + count)]))
                    offset += count
                }
            }
            channel.finish()
        }
        writer.start()
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
}

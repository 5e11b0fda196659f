import Foundation
import FTP
import FTPWire
import Testing

@Suite("Digests")
struct DigestTests {
    @Test(arguments: [
        (DigestAlgorithm.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (.md5, "900150983cd24fb0d6963f7d28e17f72"),
        (.crc32, "352441c2"),
    ])
    func knownDigestsOfABC(_ algorithm: DigestAlgorithm, _ hex: String) {
        let digest = ContentDigest(algorithm)
        digest.update(Array("abc".utf8))
        #expect(ContentDigest.hex(digest.finish()) == hex)
    }

    @Test func crc32OverEveryAlignmentAgreesWithTheCheckValue() {
        // "123456789" is CRC-32's check string; split at every point, the slicing paths must agree.
        let bytes = Array("123456789".utf8)
        for split in 0...bytes.count {
            let digest = ContentDigest(.crc32)
            digest.update(Array(bytes[..<split]))
            digest.update(Array(bytes[split...]))
            #expect(ContentDigest.hex(digest.finish()) == "cbf43926")
        }
    }

    @Test func crc32OfALongBufferMatchesTheBytewiseDefinition() {
        let bytes = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        let digest = ContentDigest(.crc32)
        digest.update(bytes)
        #expect(digest.finish() == withUnsafeBytes(of: (~crc).bigEndian) { Array($0) })
    }

    @Test func hexParsingTakesExactlyTheRightLength() {
        #expect(ContentDigest.bytes(fromHex: "00ff", byteCount: 2) == [0, 255])
        #expect(ContentDigest.bytes(fromHex: "00FF", byteCount: 2) == [0, 255])
        #expect(ContentDigest.bytes(fromHex: "00f", byteCount: 2) == nil)
        #expect(ContentDigest.bytes(fromHex: "00fg", byteCount: 2) == nil)
        #expect(ContentDigest.bytes(fromHex: "00ff00", byteCount: 2) == nil)
    }

    @Test func theStrongestAnnouncedCommandIsChosen() {
        func features(_ lines: [String]) -> FeatureSet {
            FeatureSet(reply: Reply(code: ReplyCode(rawValue: 211), lines: ["Features:"] + lines + ["End"]))
        }
        #expect(DigestCommand.best(offeredBy: features([" HASH SHA-1*;SHA-256;MD5"])) == DigestCommand(verb: "HASH", algorithm: .sha256))
        #expect(DigestCommand.best(offeredBy: features([" HASH MD5*;CRC32"])) == DigestCommand(verb: "HASH", algorithm: .md5))
        #expect(DigestCommand.best(offeredBy: features([" XCRC", " XMD5"])) == DigestCommand(verb: "XMD5", algorithm: .md5))
        #expect(DigestCommand.best(offeredBy: features([" HASH SHA-512", " XCRC"])) == DigestCommand(verb: "XCRC", algorithm: .crc32))
        #expect(DigestCommand.best(offeredBy: features([" MDTM", " SIZE"])) == nil)
    }
}

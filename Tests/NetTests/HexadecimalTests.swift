import Net
import Testing

@Suite("Hexadecimal")
struct HexadecimalTests {
    @Test func bytesBecomeTwoDigitsEach() {
        #expect(Hexadecimal.string([0x00, 0x0A, 0xFF]) == "000aff")
        #expect(Hexadecimal.string([0x00, 0x0A, 0xFF], uppercase: true, separator: ":") == "00:0A:FF")
        #expect(Hexadecimal.string([UInt8]()) == "")
        #expect(ContentDigest.hex([0xDE, 0xAD]) == "dead")
    }

    @Test func everyByteRoundTrips() {
        for byte in UInt8.min...UInt8.max {
            let digits = Array(Hexadecimal.string([byte]).utf8)
            #expect(digits.count == 2)
            #expect(Hexadecimal.value(of: digits[0]).map { $0 << 4 | (Hexadecimal.value(of: digits[1]) ?? 0xFF) } == byte)
        }
    }
}

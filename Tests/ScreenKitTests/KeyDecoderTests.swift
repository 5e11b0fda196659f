import ScreenKit
import Testing

/// The key decoder against the bytes real terminals send: xterm (and tmux), rxvt, the vt100
/// application keys and the Linux console.
@Suite struct KeyDecoderTests {
    func keys(_ text: String) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.decode(Array(text.utf8)) + decoder.flush()
    }

    func keys(_ bytes: [UInt8]) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.decode(bytes) + decoder.flush()
    }

    @Test(arguments: [
        // xterm, tmux: SS3 for F1-F4, CSI n ~ for F5-F12.
        ("\u{1B}OP", 1), ("\u{1B}OQ", 2), ("\u{1B}OR", 3), ("\u{1B}OS", 4),
        ("\u{1B}[15~", 5), ("\u{1B}[17~", 6), ("\u{1B}[18~", 7), ("\u{1B}[19~", 8),
        ("\u{1B}[20~", 9), ("\u{1B}[21~", 10), ("\u{1B}[23~", 11), ("\u{1B}[24~", 12),
        // vt220 and rxvt: CSI n ~ for F1-F4 too.
        ("\u{1B}[11~", 1), ("\u{1B}[12~", 2), ("\u{1B}[13~", 3), ("\u{1B}[14~", 4),
        // The Linux console: CSI [ A-E for F1-F5.
        ("\u{1B}[[A", 1), ("\u{1B}[[B", 2), ("\u{1B}[[C", 3), ("\u{1B}[[D", 4), ("\u{1B}[[E", 5),
        // xterm with a modifier (Shift-F1, Ctrl-F5): the key, the modifier ignored.
        ("\u{1B}[1;2P", 1), ("\u{1B}[15;5~", 5),
    ])
    func functionKeys(sequence: String, number: Int) {
        #expect(keys(sequence) == [.function(number)], "\(sequence.debugDescription)")
    }

    @Test(arguments: [
        ("\u{1B}[A", Key.up), ("\u{1B}[B", .down), ("\u{1B}[C", .right), ("\u{1B}[D", .left),
        ("\u{1B}OA", .up), ("\u{1B}OB", .down), ("\u{1B}OC", .right), ("\u{1B}OD", .left),
        ("\u{1B}[H", .home), ("\u{1B}[F", .end), ("\u{1B}OH", .home), ("\u{1B}OF", .end),
        ("\u{1B}[1~", .home), ("\u{1B}[4~", .end), ("\u{1B}[7~", .home), ("\u{1B}[8~", .end),
        ("\u{1B}[2~", .insert), ("\u{1B}[3~", .delete), ("\u{1B}[5~", .pageUp), ("\u{1B}[6~", .pageDown),
        ("\u{1B}[Z", .backTab), ("\u{1B}[1;5A", .up), ("\u{1B}OM", .enter),
    ])
    func editingKeysAndArrows(sequence: String, key: Key) {
        #expect(keys(sequence) == [key], "\(sequence.debugDescription)")
    }

    @Test func controlCharacters() {
        #expect(keys("\r") == [.enter])
        #expect(keys("\n") == [.enter])
        #expect(keys("\t") == [.tab])
        #expect(keys([127]) == [.backspace])
        #expect(keys([8]) == [.backspace])
        #expect(keys([1, 15, 18, 21, 26]) == [.control("a"), .control("o"), .control("r"), .control("u"), .control("z")])
        // NUL and the other controls without a key mean nothing.
        #expect(keys([0, 28, 29, 30, 31]) == [])
    }

    @Test func printableAndUTF8Characters() {
        #expect(keys("aZ 5?") == [.character("a"), .character("Z"), .character(" "), .character("5"), .character("?")])
        #expect(keys("é€😀日") == [.character("é"), .character("€"), .character("😀"), .character("日")])
    }

    @Test func escapeAloneIsEscapeOnlyOnceNothingMoreCame() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0x1B]) == [])
        #expect(decoder.isWaiting)
        #expect(decoder.flush() == [.escape])
        #expect(!decoder.isWaiting)
        // Two in a row: the first stands alone at once.
        #expect(decoder.decode([0x1B, 0x1B]) == [.escape])
        #expect(decoder.flush() == [.escape])
    }

    @Test func escapeWithACharacterIsAlt() {
        #expect(keys("\u{1B}x") == [.alt("x")])
        #expect(keys("\u{1B}1") == [.alt("1")])
        #expect(keys("\u{1B}é") == [.alt("é")])
        // Esc then a control character: Esc, then the control character.
        #expect(keys("\u{1B}\r") == [.escape, .enter])
        // Esc [ and Esc O with nothing after, once nothing more came: Alt with them.
        #expect(keys("\u{1B}[") == [.alt("[")])
        #expect(keys("\u{1B}O") == [.alt("O")])
    }

    @Test func aSequenceSplitBetweenReadsWaitsForTheRest() {
        let bytes = Array("a\u{1B}[15~b\u{1B}OPé\u{1B}[[C".utf8)
        let whole = keys(bytes)
        #expect(whole == [.character("a"), .function(5), .character("b"), .function(1), .character("é"), .function(3)])
        // Cut anywhere, and byte by byte, the keys are the same.
        for cut in 0...bytes.count {
            var decoder = KeyDecoder()
            let split = decoder.decode(bytes[..<cut]) + decoder.decode(bytes[cut...]) + decoder.flush()
            #expect(split == whole, "cut at \(cut)")
        }
        var decoder = KeyDecoder()
        #expect(bytes.flatMap { decoder.decode([$0]) } + decoder.flush() == whole)
    }

    @Test func aStartedSequenceFlushedEarlyIsEscapeAndItsCharacters() {
        #expect(keys("\u{1B}[1") == [.escape, .character("["), .character("1")])
        var decoder = KeyDecoder()
        #expect(decoder.decode(Array("\u{1B}[15".utf8)) == [])
        #expect(decoder.isWaiting)
    }

    @Test func unknownSequencesAreDroppedWhole() {
        #expect(keys("\u{1B}[99~x") == [.character("x")])
        #expect(keys("\u{1B}[200~y") == [.character("y")])
        #expect(keys("\u{1B}[?1;2cz") == [.character("z")])
        #expect(keys("\u{1B}OXq") == [.character("q")])
        #expect(keys("\u{1B}[[Zw") == [.character("w")])
    }

    @Test func bytesThatAreNotUTF8AreDroppedAlone() {
        #expect(keys([0xFF, 0x61]) == [.character("a")])
        #expect(keys([0xC3, 0x61]) == [.character("a")])
        #expect(keys([0x80, 0x62]) == [.character("b")])
        // An overlong form and a surrogate are not characters.
        #expect(keys([0xC0, 0xAF, 0x63]) == [.character("c")])
        #expect(keys([0xED, 0xA0, 0x80, 0x64]) == [.character("d")])
        // A C1 control encoded in UTF-8 is not for showing.
        #expect(keys([0xC2, 0x9B, 0x65]) == [.character("e")])
        // Cut short at the end, it is dropped.
        #expect(keys([0x66, 0xE2, 0x82]) == [.character("f")])
    }

    @Test func anEndlessParameterListEnds() {
        let long = "\u{1B}[" + String(repeating: "1;", count: 5000) + "A" + "k"
        let decoded = keys(long)
        #expect(decoded.last == .character("k"))
        #expect(!decoded.contains(.up))
    }

    @Test func anyBytesDecodeWithoutTrapping() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                [0x1B, 0x5B, 0x4F, 0x7E, 0x3B, 0x31, 0xC3, 0xA9, 0xFF, 0x41][Int.random(in: 0..<10, using: &generator)] as UInt8
            }
            var decoder = KeyDecoder()
            _ = bytes.flatMap { decoder.decode([$0]) } + decoder.flush()
            #expect(!decoder.isWaiting)
        }
    }
}

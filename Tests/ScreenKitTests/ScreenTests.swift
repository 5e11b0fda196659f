import ScreenKit
import Testing

@Suite("Screen")
struct ScreenTests {
    @Test func widthsOfUnicodeText() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("🎉") == 2)
        #expect(DisplayWidth.of("ｱ") == 1)
        #expect(DisplayWidth.of("한국") == 4)
        #expect(DisplayWidth.of("\u{200B}") == 0)
    }

    @Test func writeClipsWithAnEllipsis() {
        var screen = Screen(width: 10, height: 1)
        #expect(screen.write("hello world", x: 0, y: 0, style: .plain) == 10)
        #expect(screen.dump() == "hello wor…")
        var short = Screen(width: 10, height: 1)
        #expect(short.write("hi", x: 2, y: 0, limit: 5, style: .plain) == 2)
        #expect(short.dump() == "  hi")
    }

    @Test func wideCharactersNeverStraddleTheEdge() {
        var screen = Screen(width: 6, height: 1)
        screen.write("日本語です", x: 0, y: 0, style: .plain)
        #expect(screen.dump() == "日本 …")
        #expect(screen[1, 0].isContinuation)
        var exact = Screen(width: 6, height: 1)
        exact.write("日本語", x: 0, y: 0, style: .plain)
        #expect(exact.dump() == "日本語")
    }

    @Test func combiningMarksJoinTheirBase() {
        var screen = Screen(width: 5, height: 1)
        #expect(screen.write("e\u{301}a", x: 0, y: 0, style: .plain) == 2)
        #expect(screen[0, 0].text == "e\u{301}")
        #expect(screen[1, 0].text == "a")
    }

    @Test func controlCharactersNeverReachTheGrid() {
        var screen = Screen(width: 10, height: 1)
        screen.write("a\u{1B}[2Jb", x: 0, y: 0, style: .plain)
        #expect(screen.dump() == "a?[2Jb")
        #expect(!screen.cells.contains { $0.text.unicodeScalars.contains { $0.value < 0x20 } })
    }

    @Test func changesCoverOnlyWhatDiffers() {
        var old = Screen(width: 8, height: 2)
        old.write("abcdefgh", x: 0, y: 0, style: .plain)
        var new = old
        new.write("XY", x: 3, y: 0, style: .plain)
        let changes = new.changes(since: old)
        #expect(changes == [Screen.Change(x: 3, y: 0, cells: [Cell(text: "X"), Cell(text: "Y")])])
        #expect(new.changes(since: new).isEmpty)
        #expect(new.changes(since: nil).count == 2)
    }

    @Test func changesNeverStartInsideAWideCharacter() {
        var old = Screen(width: 6, height: 1)
        old.write("日本語", x: 0, y: 0, style: .plain)
        var new = old
        new.write("日本", x: 0, y: 0, style: Style(bold: true))
        new[3, 0] = Cell(text: "", style: Style(underline: true))
        let changes = new.changes(since: old)
        #expect(changes.allSatisfy { !new[$0.x, $0.y].isContinuation })
    }

    @Test func colours() {
        #expect(Color("bright-cyan") == .named(14))
        #expect(Color("208") == .indexed(208))
        #expect(Color("#ff0000") == .rgb(255, 0, 0))
        #expect(Color("nope") == nil)
        #expect(Color.rgb(255, 0, 0).paletteIndex(colors: 256) == 196)
        #expect(Color.rgb(255, 0, 0).paletteIndex(colors: 8) == 1)
        #expect(Color.indexed(21).paletteIndex(colors: 16) == 4)
        // White on bright white is white on white on 8 colours: the text turns black instead.
        let pale = Style(foreground: Color("white"), background: Color("bright-white"))
        #expect(pale.paletteIndices(colors: 256) == (7, 15))
        #expect(pale.paletteIndices(colors: 8) == (0, 7))
        #expect(Style(foreground: .named(7), background: .named(4)).paletteIndices(colors: 8) == (7, 4))
        #expect(Style(foreground: Color("bright-blue"), background: .named(4)).paletteIndices(colors: 8) == (7, 4))
        #expect(Style(background: .named(2)).paletteIndices(colors: 8) == (nil, 2))
        #expect(Style(foreground: Color("208"), background: Color("208")).paletteIndices(colors: 8) == (3, 3))
        #expect(Style(foreground: .named(1)).over(Style(background: .named(4), bold: true)) == Style(foreground: .named(1), background: .named(4), bold: true))
    }
}

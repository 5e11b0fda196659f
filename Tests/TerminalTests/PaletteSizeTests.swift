import ScreenKit
import Terminal
import Testing

/// How many colours the commander draws with, from what the terminal reports once colour started.
@Suite("Palette size")
struct PaletteSizeTests {
    @Test func colourTerminalsGetTheirPaletteAndOthersNone() {
        #expect(TerminalUI.paletteSize(reported: 0) == 0)
        #expect(TerminalUI.paletteSize(reported: 2) == 0)
        #expect(TerminalUI.paletteSize(reported: 8) == 8)
        #expect(TerminalUI.paletteSize(reported: 16) == 16)
        #expect(TerminalUI.paletteSize(reported: 88) == 16)
        #expect(TerminalUI.paletteSize(reported: 256) == 256)
        #expect(TerminalUI.paletteSize(reported: 16_777_216) == 256)
    }

    @Test func themeColoursComeToTheNearestTheTerminalHas() {
        let orange = Color.rgb(0xd7, 0x5f, 0x00)
        #expect(orange.paletteIndex(colors: 256) == 166)
        #expect(orange.paletteIndex(colors: 16) == 1)
        #expect(orange.paletteIndex(colors: 8) == 1)
        #expect(Color.named(14).paletteIndex(colors: 16) == 14)
        #expect(Color.named(14).paletteIndex(colors: 8) == 6)
    }
}

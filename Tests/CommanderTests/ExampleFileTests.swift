import Commander
import Foundation
import ScreenKit
import Testing

/// The example files in docs/examples, read by the parsers the commander uses for the real ones.
@Suite("docs/examples")
struct ExampleFileTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/examples").standardized

    func read(_ name: String) throws -> (text: String, path: String) {
        let path = Self.examples.appendingPathComponent(name).path
        return (try String(contentsOfFile: path, encoding: .utf8), path)
    }

    @Test func bookmarksParse() throws {
        let (text, path) = try read("bookmarks.toml")
        let bookmarks = try Bookmark.parse(text, file: path)
        #expect(bookmarks.map(\.name) == ["mirror", "website", "nas"])
        #expect(bookmarks[1].url == "ftpes://deploy@www.example.com/htdocs/")
    }

    @Test func keysParse() throws {
        let (text, path) = try read("keys.toml")
        let keymap = try Keymap.parse(text, file: path)
        #expect(keymap.action(for: .function(2)) == .toggleLog)
        #expect(keymap.action(for: .control("r")) == .refresh)
        #expect(keymap.action(for: .function(12)) == .cycleSort)
        #expect(keymap.action(for: .character("o")) == nil)
        #expect(keymap.action(for: .function(5)) == .copy)
    }

    @Test func themeOverrideParsesAndOverridesOnlyItsRoles() throws {
        let (text, path) = try read("theme-override.toml")
        let theme = Theme.standard.overridden(by: try Theme.parse(text, file: path))
        #expect(theme[.cursor] == Style(foreground: .named(0), background: .named(11)))
        #expect(theme[.entryMarked] == Style(foreground: .rgb(255, 135, 0), bold: true, underline: true))
        #expect(theme[.paneBorder] == Theme.standard[.paneBorder])
    }
}

import Commander
import Foundation
import ScreenKit
import Testing

@Suite("Themes and keymaps")
struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Themes").standardized

    @Test(arguments: ["default", "classic", "mono"])
    func shippedThemesParse(_ name: String) throws {
        let path = Self.themesFolder.appendingPathComponent(name + ".toml").path
        let theme = try Theme.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(theme.name == name)
        #expect(!theme.styles.isEmpty)
        if name == "mono" { #expect(theme.styles.values.allSatisfy { $0.foreground == nil && $0.background == nil }) }
    }

    @Test func rolesAndColours() throws {
        let text = """
            name = "mine"
            [roles]
            pane.border = { fg = "blue" }
            cursor = { fg = "#ff8800", bg = "235", bold = true }
            """
        let theme = try Theme.parse(text, file: "mine.toml")
        #expect(theme[.paneBorder] == Style(foreground: .named(4)))
        #expect(theme[.cursor] == Style(foreground: .rgb(255, 136, 0), background: .indexed(235), bold: true))
        let merged = Theme.standard.overridden(by: theme)
        #expect(merged[.paneBorder] == Style(foreground: .named(4)))
        #expect(merged[.entryDirectory] == Theme.standard[.entryDirectory])
    }

    @Test func errorsNameTheFileLineAndRole() {
        let unknownRole = "name = \"x\"\n[roles]\npane.border = { fg = \"blue\" }\npane.frobnicate = { fg = \"red\" }\n"
        #expect(throws: ConfigurationError.self) { try Theme.parse(unknownRole, file: "x.toml") }
        do {
            _ = try Theme.parse(unknownRole, file: "x.toml")
        } catch {
            #expect(error.description.hasPrefix("x.toml:4: unknown role \"pane.frobnicate\""))
        }
        do {
            _ = try Theme.parse("[roles]\ncursor = { fg = \"blurple\" }\n", file: "y.toml")
            Issue.record("a bad colour should fail")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("blurple"))
        }
        do {
            _ = try Theme.parse("[roles\n", file: "z.toml")
            Issue.record("bad TOML should fail")
        } catch {
            #expect(error.file == "z.toml")
            #expect(error.line != nil)
        }
    }

    @Test func viPresetAndKeyNames() {
        #expect(Keymap.vi.action(for: .character("j")) == .down)
        #expect(Keymap.vi.action(for: .function(5)) == .copy)
        #expect(Keymap.standard.keys(for: .copy) == [.function(5), .character("c")])
        #expect(Keymap.key(named: "ctrl-o") == .control("o"))
        #expect(Keymap.key(named: "F10") == .function(10))
        #expect(Keymap.name(of: .control("o")) == "Ctrl-O")
    }
}

@Suite("Keys files")
struct KeysFileTests {
    @Test func presetAndBindings() throws {
        let text = """
            preset = "vi"
            [bindings]
            "F2" = "toggleLog"
            "Ctrl-K" = "delete"
            "q" = ""
            """
        let keymap = try Keymap.parse(text, file: "keys.toml")
        #expect(keymap.action(for: .character("j")) == .down)
        #expect(keymap.action(for: .function(2)) == .toggleLog)
        #expect(keymap.action(for: .control("k")) == .delete)
        #expect(keymap.action(for: .character("q")) == nil)
        #expect(keymap.action(for: .function(10)) == .quit)
        #expect(try Keymap.parse("[bindings]\n\"x\" = \"copy\"\n", file: "k", preset: .vi).action(for: .character("h")) == .parent)
    }

    @Test func mistakesAreNamedWithTheLine() {
        do {
            _ = try Keymap.parse("[bindings]\n\"F5\" = \"copy\"\n\"Hyper-Z\" = \"copy\"\n", file: "keys.toml")
            Issue.record("an unknown key should fail")
        } catch {
            #expect(error.description.hasPrefix("keys.toml:3: unknown key \"Hyper-Z\""))
        }
        do {
            _ = try Keymap.parse("[bindings]\n\"F5\" = \"teleport\"\n", file: "keys.toml")
            Issue.record("an unknown action should fail")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("teleport"))
        }
        #expect(throws: ConfigurationError.self) { try Keymap.parse("preset = \"emacs\"\n", file: "keys.toml") }
    }
}

@Suite("Bookmarks")
struct BookmarkTests {
    @Test func bookmarksAreOfferedByNumberOrName() throws {
        let bookmarks = try Bookmark.parse("""
            [[bookmark]]
            name = "work"
            url = "ftpes://anna:hunter2@ftp.example.org/"
            [[bookmark]]
            name = "mirror"
            url = "ftp://mirror.example.org/pub/"
            """, file: "bookmarks.toml")
        #expect(bookmarks.map(\.name) == ["work", "mirror"])
        #expect(bookmarks[0].shownURL == "ftpes://anna:****@ftp.example.org/")
        var state = AppState(left: .local("/"), right: .local("/"), width: 100, height: 30, now: Date())
        state.bookmarks = bookmarks
        _ = update(&state, .key(.character(":")))
        #expect(state.dialog?.message.contains("1  work  ftpes://anna:****@ftp.example.org/") == true)
        #expect(state.dialog?.message.contains("hunter2") == false)
        _ = update(&state, .key(.character("2")))
        #expect(update(&state, .key(.enter)) == [.connect(pane: 0, url: "ftp://mirror.example.org/pub/", user: nil)])
        _ = update(&state, .key(.character(":")))
        for character in "work" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.connect(pane: 0, url: "ftpes://anna:hunter2@ftp.example.org/", user: nil)])
        #expect(throws: ConfigurationError.self) { try Bookmark.parse("[[bookmark]]\nname = \"x\"\n", file: "b.toml") }
    }

    @Test func aTypedURLWithoutAUserAsksForOne() {
        var state = AppState(left: .local("/"), right: .local("/"), width: 100, height: 30, now: Date())
        _ = update(&state, .key(.character(":")))
        for character in "ftp.example.org/pub/" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [])
        #expect(state.dialog?.message.contains("User for ftp://ftp.example.org/pub/") == true)
        for character in "anna" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.connect(pane: 0, url: "ftp://ftp.example.org/pub/", user: "anna")])

        _ = update(&state, .key(.character(":")))
        for character in "ftp.example.org/" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.enter))
        #expect(update(&state, .key(.enter)) == [.connect(pane: 0, url: "ftp://ftp.example.org/", user: nil)])

        _ = update(&state, .key(.character(":")))
        for character in "bob@ftp.example.org/" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.connect(pane: 0, url: "ftp://bob@ftp.example.org/", user: nil)])
        #expect(state.dialog == nil)
    }
}

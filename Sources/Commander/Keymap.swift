import ScreenKit
import TOMLKit

/// What a key can do.
public enum Action: String, Sendable, CaseIterable {
    case help, view, edit, copy, move, makeDirectory, delete, connect, quit
    case up, down, pageUp, pageDown, home, end, open, parent, switchPane
    case mark, markByPattern, unmarkByPattern, invertMarks
    case toggleHidden, cycleSort, reverseSort, toggleLog, cancelTransfer, retryTransfers, refresh, quickSearch

    /// The words the help screen and key bar use.
    public var help: String {
        switch self {
        case .help: "help"
        case .view: "view a file"
        case .edit: "edit a file"
        case .copy: "copy to the other pane"
        case .move: "rename or move"
        case .makeDirectory: "make a folder"
        case .delete: "delete"
        case .connect: "connect to a server"
        case .quit: "quit"
        case .up: "cursor up"
        case .down: "cursor down"
        case .pageUp: "page up"
        case .pageDown: "page down"
        case .home: "first entry"
        case .end: "last entry"
        case .open: "open a folder"
        case .parent: "go up a folder"
        case .switchPane: "other pane"
        case .mark: "mark or unmark"
        case .markByPattern: "mark by pattern"
        case .unmarkByPattern: "unmark by pattern"
        case .invertMarks: "invert marks"
        case .toggleHidden: "show or hide dot files"
        case .cycleSort: "sort by name, size, time"
        case .reverseSort: "reverse the order"
        case .toggleLog: "show or hide the FTP log"
        case .cancelTransfer: "cancel the running transfer"
        case .retryTransfers: "retry failed transfers"
        case .refresh: "reload both panes"
        case .quickSearch: "quick search"
        }
    }

    /// The short label of the key bar, for the F-key actions.
    public var label: String? {
        switch self {
        case .help: "Help"
        case .view: "View"
        case .edit: "Edit"
        case .copy: "Copy"
        case .move: "RenMov"
        case .makeDirectory: "Mkdir"
        case .delete: "Delete"
        case .connect: "Connect"
        case .quit: "Quit"
        default: nil
        }
    }
}

/// Which keys do what. A binding holds a key, its action and (through the action) its help.
public struct Keymap: Equatable, Sendable {
    public private(set) var bindings: [Key: Action]

    public init(bindings: [Key: Action]) { self.bindings = bindings }

    /// The action of a key, if it has one.
    public func action(for key: Key) -> Action? { bindings[key] }

    /// The keys of an action, F-keys first.
    public func keys(for action: Action) -> [Key] {
        bindings.filter { $0.value == action }.map(\.key).sorted { Self.order($0) < Self.order($1) }
    }

    /// Midnight Commander's keys, with a letter for every F-key for terminals without them.
    public static let standard: Keymap = {
        var map: [Key: Action] = [
            .function(1): .help, .character("?"): .help,
            .function(3): .view, .character("v"): .view,
            .function(4): .edit, .character("e"): .edit,
            .function(5): .copy, .character("c"): .copy,
            .function(6): .move, .character("m"): .move,
            .function(7): .makeDirectory, .character("n"): .makeDirectory,
            .function(8): .delete, .character("d"): .delete, .delete: .delete,
            .function(9): .connect, .character(":"): .connect,
            .function(10): .quit, .character("q"): .quit,
            .up: .up, .down: .down, .pageUp: .pageUp, .pageDown: .pageDown, .home: .home, .end: .end,
            .enter: .open, .right: .open, .backspace: .parent, .left: .parent, .tab: .switchPane, .backTab: .switchPane,
            .insert: .mark, .character(" "): .mark, .character("+"): .markByPattern, .character("-"): .unmarkByPattern,
            .character("*"): .invertMarks, .character("."): .toggleHidden, .character("s"): .cycleSort,
            .character("r"): .reverseSort, .control("o"): .toggleLog, .character("o"): .toggleLog,
            .character("x"): .cancelTransfer, .character("R"): .retryTransfers, .control("r"): .refresh,
            .character("/"): .quickSearch, .control("s"): .quickSearch,
        ]
        map[.control("p")] = .up
        map[.control("n")] = .down
        return Keymap(bindings: map)
    }()

    /// The standard keys with vi's movement: hjkl, g and G, / to search.
    public static let vi: Keymap = {
        var keymap = standard
        keymap.bindings[.character("h")] = .parent
        keymap.bindings[.character("j")] = .down
        keymap.bindings[.character("k")] = .up
        keymap.bindings[.character("l")] = .open
        keymap.bindings[.character("g")] = .home
        keymap.bindings[.character("G")] = .end
        keymap.bindings[.control("f")] = .pageDown
        keymap.bindings[.control("b")] = .pageUp
        return keymap
    }()

    /// Reads a keys file: `preset = "mc"` or `"vi"` (unless `preset` is given), then a
    /// `[bindings]` table of `"key" = "action"` (an empty action unbinds the key). Keys are named
    /// as the help screen names them (`F5`, `Ctrl-O`, `Space`, `x`); actions by their names
    /// (`copy`, `quickSearch`, ...). Errors name the file and line.
    public static func parse(_ text: String, file: String, preset: Keymap? = nil) throws(ConfigurationError) -> Keymap {
        let table = try ConfigurationError.table(from: text, file: file)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func line(of key: String) -> Int? {
            lines.firstIndex { $0.contains("\"\(key)\"") || $0.trimmingCharacters(in: .whitespaces).hasPrefix(key) }.map { $0 + 1 }
        }
        var keymap = preset ?? .standard
        if preset == nil, let name = table["preset"]?.string {
            switch name {
            case "mc": keymap = .standard
            case "vi": keymap = .vi
            default: throw ConfigurationError(file: file, line: line(of: "preset"), message: "preset must be \"mc\" or \"vi\", not \"\(name)\"")
            }
        }
        guard let bindings = table["bindings"]?.table else { return keymap }
        for (name, value) in bindings {
            guard let key = Keymap.key(named: name) else {
                throw ConfigurationError(file: file, line: line(of: name), message: "unknown key \"\(name)\" (F1...F24, Ctrl-A...Ctrl-Z, Enter, Space, a letter, ...)")
            }
            guard let actionName = value.string else {
                throw ConfigurationError(file: file, line: line(of: name), message: "\(name): the action must be a string")
            }
            if actionName.isEmpty {
                keymap.bindings[key] = nil
                continue
            }
            guard let action = Action(rawValue: actionName) else {
                throw ConfigurationError(file: file, line: line(of: name), message: "unknown action \"\(actionName)\"; actions are \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            keymap.bindings[key] = action
        }
        return keymap
    }

    /// This keymap with `key` doing `action` (nil unbinds the key).
    public func binding(_ key: Key, to action: Action?) -> Keymap {
        var copy = self
        copy.bindings[key] = action
        return copy
    }

    /// A key as the help screen writes it: `F5`, `Ctrl-O`, `Enter`, `c`.
    public static func name(of key: Key) -> String {
        switch key {
        case .character(" "): "Space"
        case .character(let character): String(character)
        case .control(let character): "Ctrl-" + character.uppercased()
        case .function(let number): "F\(number)"
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .insert: "Insert"
        case .delete: "Delete"
        case .enter: "Enter"
        case .backspace: "Backspace"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .escape: "Esc"
        }
    }

    /// Parses a key name as `name(of:)` writes it (and `Esc`-less forms such as `ctrl-o`).
    public static func key(named text: String) -> Key? {
        let lowered = text.lowercased()
        if text.count == 1, let character = text.first { return .character(character) }
        if lowered.hasPrefix("f"), let number = Int(lowered.dropFirst()), (1...24).contains(number) { return .function(number) }
        if lowered.hasPrefix("ctrl-"), lowered.count == 6, let letter = lowered.last, letter.isLetter { return .control(letter) }
        let named: [String: Key] = [
            "space": .character(" "), "up": .up, "down": .down, "left": .left, "right": .right, "home": .home, "end": .end,
            "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown, "insert": .insert, "delete": .delete,
            "enter": .enter, "backspace": .backspace, "tab": .tab, "shift-tab": .backTab, "esc": .escape,
        ]
        return named[lowered]
    }

    private static func order(_ key: Key) -> Int {
        switch key {
        case .function(let number): number
        case .character: 100
        case .control: 200
        default: 300
        }
    }
}

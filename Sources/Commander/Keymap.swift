import ScreenKit
import TOMLKit

/// What a key can do.
public enum Action: String, Sendable, CaseIterable {
    case help, view, edit, copy, move, makeDirectory, delete, connect, quit
    case up, down, pageUp, pageDown, home, end, open, parent, switchPane
    case mark, markByPattern, unmarkByPattern, invertMarks
    case toggleHidden, cycleSort, reverseSort, toggleLog, cancelTransfer, retryTransfers, refresh, quickSearch
    case focusQueue, changeMode, toggleTree

    /// The words the help screen uses.
    public var help: String { PaneCommand.of(self).help }

    /// The short label of the key bar, for the F-key actions.
    public var label: String? { PaneCommand.of(self).label }

    /// The key bar's label where the full one leaves no gap before the next key (80 columns).
    public var shortLabel: String? { PaneCommand.of(self).shortLabel }
}

/// Which keys do what. A binding holds a key, its action and (through the action) its help.
public struct Keymap: Equatable, Sendable {
    public private(set) var bindings: [Key: Action]

    public init(bindings: [Key: Action]) { self.bindings = bindings }

    /// The action of a key, if it has one.
    public func action(for key: Key) -> Action? { bindings[key] }

    /// The keys of an action, F-keys first, the rest in an order that never changes.
    public func keys(for action: Action) -> [Key] {
        bindings.filter { $0.value == action }.map(\.key).sorted { (Self.order($0), Self.name(of: $0)) < (Self.order($1), Self.name(of: $1)) }
    }

    /// Midnight Commander's keys, with a letter for every F-key for terminals without them:
    /// the keys of `PaneCommand.all`.
    public static let standard = Keymap(bindings: Dictionary(
        PaneCommand.all.flatMap { command in command.keys.map { ($0, command.action) } }, uniquingKeysWith: { first, _ in first }))

    /// The standard keys with vi's movement: hjkl, g and G, Ctrl-F and Ctrl-B.
    public static let vi = Keymap(bindings: standard.bindings.merging(PaneCommand.viKeys) { $1 })

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
                throw ConfigurationError(file: file, line: line(of: name), message: "unknown key \"\(name)\" (F1...F24, Ctrl-A...Ctrl-Z, Alt-x, Enter, Space, a letter, ...)")
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
        case .alt(let character): "Alt-" + String(character)
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
        if lowered.hasPrefix("alt-"), text.count == 5, let character = text.last { return .alt(character) }
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
        case .alt: 250
        default: 300
        }
    }
}

/// One binding of a fixed table: its keys, what they do and the words the help screen shows.
public struct KeyBinding<Command: Sendable>: Sendable {
    public let keys: [Key]
    public let command: Command
    public let help: String

    public init(_ keys: [Key], _ command: Command, _ help: String) {
        self.keys = keys
        self.command = command
        self.help = help
    }
}

/// The keys of a place with fixed keys (the viewer, the help screen, a kind of dialog). The
/// handlers look keys up here and the help screen lists the same table, so the two never disagree.
public struct KeyTable<Command: Sendable>: Sendable {
    /// Where these keys work, as the help screen names it.
    public let title: String
    public let bindings: [KeyBinding<Command>]

    public init(_ title: String, _ bindings: [KeyBinding<Command>]) {
        self.title = title
        self.bindings = bindings
    }

    /// What a key does here, if anything.
    public func command(for key: Key) -> Command? {
        bindings.first { $0.keys.contains(key) }?.command
    }
}

extension KeyTable {
    /// The table as lines of the help screen: a heading, then the keys and what they do, the
    /// keys padded to `keyWidth` columns.
    func helpLines(keyWidth: Int) -> [String] {
        [title + ":"] + bindings.map { helpLine(keys: $0.keys, help: $0.help, keyWidth: keyWidth) }
    }
}

/// `  F5 c          copy to the other pane`.
func helpLine(keys: [Key], help: String, keyWidth: Int) -> String {
    let names = keys.map(Keymap.name).joined(separator: " ")
    return "  " + names + String(repeating: " ", count: max(1, keyWidth - DisplayWidth.of(names))) + help
}

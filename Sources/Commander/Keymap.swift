import ScreenKit
import TOMLKit

/// What a key can do.
public enum Action: String, Sendable, CaseIterable {
    case help, view, edit, copy, move, makeDirectory, delete, connect, quit
    case up, down, pageUp, pageDown, home, end, open, parent, switchPane
    case mark, markByPattern, unmarkByPattern, invertMarks
    case toggleHidden, cycleSort, reverseSort, toggleLog, cancelTransfer, retryTransfers, refresh, quickSearch
    case focusQueue, changeMode, toggleTree

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
        case .focusQueue: "steer the transfer queue"
        case .changeMode: "change permissions (chmod)"
        case .toggleTree: "show the folders as a tree"
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

    /// The key bar's label where the full one leaves no gap before the next key (80 columns).
    public var shortLabel: String? {
        switch self {
        case .move: "Move"
        case .makeDirectory: "Mkd"
        case .delete: "Del"
        case .connect: "Conn"
        default: label
        }
    }
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
            .character("/"): .quickSearch, .control("s"): .quickSearch, .character("Q"): .focusQueue,
            .character("M"): .changeMode, .character("t"): .toggleTree,
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

/// Moving through a long text (the viewer, the help screen) and closing it.
public enum ScrollCommand: Sendable, CaseIterable {
    case close, lineUp, lineDown, pageUp, pageDown, top, bottom
}

/// What a key does in a dialog.
public enum DialogCommand: Sendable, Equatable {
    /// Enter: yes, OK.
    case accept
    /// Esc: no, cancel, close.
    case cancel
    /// Backspace in a line of text.
    case erase
    /// Ctrl-U in a line of text: erase it all.
    case clear
    /// A copy onto a name that exists: what to do, for this file or (`forAll`) the rest of the copy too.
    case resolveConflict(ConflictPolicy, forAll: Bool)
    case rejectCertificate, acceptCertificateOnce, trustCertificateAlways
    case overwriteTheirs, keepTheirs, saveYoursAs
    case resumeUnfinished, keepUnfinished, discardUnfinished
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

extension KeyTable where Command == ScrollCommand {
    /// The file viewer (F3).
    public static var viewer: KeyTable {
        KeyTable("Viewer", [
            KeyBinding([.up, .character("k")], .lineUp, "line up"),
            KeyBinding([.down, .character("j"), .enter], .lineDown, "line down"),
            KeyBinding([.pageUp, .character("b")], .pageUp, "page up"),
            KeyBinding([.pageDown, .character(" ")], .pageDown, "page down"),
            KeyBinding([.home, .character("g")], .top, "first line"),
            KeyBinding([.end, .character("G")], .bottom, "last line"),
            KeyBinding([.character("q"), .escape, .function(3), .function(10), .character("v")], .close, "close the viewer"),
        ])
    }

    /// The help screen (F1).
    public static var help: KeyTable {
        KeyTable("Help", [
            KeyBinding([.up, .character("k")], .lineUp, "line up"),
            KeyBinding([.down, .character("j")], .lineDown, "line down"),
            KeyBinding([.pageUp, .character("b")], .pageUp, "page up"),
            KeyBinding([.pageDown, .character(" ")], .pageDown, "page down"),
            KeyBinding([.home, .character("g")], .top, "top"),
            KeyBinding([.end, .character("G")], .bottom, "bottom"),
            KeyBinding([.escape, .character("q"), .function(1), .enter, .function(10), .character("?")], .close, "close the help"),
        ])
    }
}

extension KeyTable where Command == DialogCommand {
    /// A question (copy, delete, quit, ...).
    public static var confirm: KeyTable {
        KeyTable("Questions", [
            KeyBinding([.enter], .accept, "yes"),
            KeyBinding([.escape], .cancel, "no"),
        ])
    }

    /// A line to type (a name, a URL, a pattern, a password); other keys type.
    public static var input: KeyTable {
        KeyTable("Typing a line", [
            KeyBinding([.enter], .accept, "OK"),
            KeyBinding([.escape], .cancel, "cancel"),
            KeyBinding([.backspace], .erase, "erase the last character"),
            KeyBinding([.control("u")], .clear, "erase the whole line"),
        ])
    }

    /// A copy onto a name that exists at the destination. An upper-case letter answers for the
    /// rest of the copy too.
    public static var conflict: KeyTable {
        KeyTable("Copying onto a name that exists", [
            KeyBinding([.character("o")], .resolveConflict(.overwrite, forAll: false), "overwrite it"),
            KeyBinding([.character("c")], .resolveConflict(.resume, forAll: false), "continue it (when it is shorter)"),
            KeyBinding([.character("s")], .resolveConflict(.skip, forAll: false), "skip this one"),
            KeyBinding([.character("r")], .resolveConflict(.rename, forAll: false), "copy beside it as NAME.1"),
            KeyBinding([.character("n")], .resolveConflict(.newer, forAll: false), "copy only when newer"),
            KeyBinding([.character("O")], .resolveConflict(.overwrite, forAll: true), "overwrite all"),
            KeyBinding([.character("C")], .resolveConflict(.resume, forAll: true), "continue all (the shorter ones)"),
            KeyBinding([.character("S")], .resolveConflict(.skip, forAll: true), "skip all"),
            KeyBinding([.character("R")], .resolveConflict(.rename, forAll: true), "rename all"),
            KeyBinding([.character("N")], .resolveConflict(.newer, forAll: true), "newer only, for all"),
            KeyBinding([.escape], .cancel, "cancel the copy: nothing is written"),
        ])
    }

    /// A message; any other key closes it too.
    public static var message: KeyTable {
        KeyTable("Messages", [
            KeyBinding([.escape, .enter], .cancel, "close"),
        ])
    }

    /// A server's certificate that was refused.
    public static var certificate: KeyTable {
        KeyTable("Untrusted certificate", [
            KeyBinding([.character("r"), .escape], .rejectCertificate, "reject: do not connect"),
            KeyBinding([.character("o")], .acceptCertificateOnce, "accept once"),
            KeyBinding([.character("a")], .trustCertificateAlways, "trust always"),
        ])
    }

    /// An edited file that changed on the server meanwhile.
    public static var editConflict: KeyTable {
        KeyTable("Edited file changed on the server", [
            KeyBinding([.character("o")], .overwriteTheirs, "overwrite theirs"),
            KeyBinding([.character("k")], .keepTheirs, "keep theirs (drop your edit)"),
            KeyBinding([.character("s")], .saveYoursAs, "save yours as another name"),
            KeyBinding([.escape], .cancel, "close (your edit is not sent)"),
        ])
    }

    /// Transfers an earlier run left unfinished, offered at start.
    public static var unfinishedTransfers: KeyTable {
        KeyTable("Unfinished transfers", [
            KeyBinding([.character("r")], .resumeUnfinished, "resume them now"),
            KeyBinding([.character("k"), .escape], .keepUnfinished, "keep them for later (ferry resume)"),
            KeyBinding([.character("d")], .discardUnfinished, "discard them"),
        ])
    }

    /// A quick search (`/`) while it is typed; other keys end it and do what they do.
    public static var quickSearch: KeyTable {
        KeyTable("Quick search", [
            KeyBinding([.enter, .escape], .accept, "end the search"),
            KeyBinding([.backspace], .erase, "erase the last character"),
        ])
    }

    /// The keys of a kind of dialog; nil for the help screen, which scrolls (`KeyTable.help`).
    public static func of(_ kind: Dialog.Kind) -> KeyTable? {
        switch kind {
        case .confirm: .confirm
        case .input: .input
        case .message: .message
        case .certificate: .certificate
        case .editConflict: .editConflict
        case .unfinishedTransfers: .unfinishedTransfers
        case .conflict: .conflict
        case .help: nil
        }
    }

    /// Every dialog's keys, in the order the help screen lists them.
    public static var dialogs: [KeyTable] { [.confirm, .input, .message, .certificate, .editConflict, .unfinishedTransfers, .conflict, .quickSearch] }
}

/// What a key does while the transfer queue has the focus (`Q`).
public enum QueueCommand: Sendable, Equatable {
    case up, down, pause, cancel, retry, remove, leave
}

extension KeyTable where Command == QueueCommand {
    /// The transfer queue with the focus.
    public static var queue: KeyTable {
        KeyTable("Transfer queue (Q)", [
            KeyBinding([.up, .character("k")], .up, "previous transfer"),
            KeyBinding([.down, .character("j")], .down, "next transfer"),
            KeyBinding([.character("p")], .pause, "pause or resume it"),
            KeyBinding([.character("x")], .cancel, "cancel it"),
            KeyBinding([.character("R")], .retry, "retry it (failed or cancelled)"),
            KeyBinding([.delete], .remove, "remove it from the list (finished)"),
            KeyBinding([.escape, .character("Q"), .tab], .leave, "back to the panes"),
        ])
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

import ScreenKit

// Every key of the commander, in one place: the panes' commands (default keys, key-bar label,
// help and handler together), then the fixed keys of the viewer, the help screen, the transfer
// queue, the folder tree and each kind of dialog. The keymap presets and the help screen are
// made from these tables, so what a key does and what the help says of it never disagree.
//
// A key goes to the first place that has it (`handle` in `Update.swift`): an open dialog or the
// help, else the viewer, else the focused queue, else the folder tree, else a quick search being
// typed, else the panes' command bound to it in the keymap.

/// A command of the panes: what its keys do, the words the key bar and the help screen show for
/// it, and the handler that carries it out. A keys file rebinds the keys; the rest is fixed.
public struct PaneCommand: Sendable {
    public let action: Action
    /// Its keys in the standard (Midnight Commander) preset.
    public let keys: [Key]
    /// The key bar's label, for the commands on F-keys.
    public let label: String?
    /// The key bar's label where the full one leaves no gap before the next key (80 columns).
    public let shortLabel: String?
    /// The words of the help screen.
    public let help: String
    /// Changes the state and returns the work to do.
    let handler: @Sendable (inout AppState) -> [Effect]

    init(
        _ action: Action, _ keys: [Key], label: String? = nil, short shortLabel: String? = nil, _ help: String,
        _ handler: @escaping @Sendable (inout AppState) -> [Effect]
    ) {
        self.action = action
        self.keys = keys
        self.label = label
        self.shortLabel = shortLabel ?? label
        self.help = help
        self.handler = handler
    }

    /// Carries the command out: changes the state and returns the work to do.
    public func run(_ state: inout AppState) -> [Effect] { handler(&state) }
}

extension PaneCommand {
    /// The panes' commands, in the order the help screen lists them. Handlers live in
    /// `Update+Panes.swift` unless named after another feature (`Update+Copies.swift`, `Tree.swift`).
    public static let all: [PaneCommand] = [
        PaneCommand(.help, [.function(1), .character("?")], label: "Help", "help", showHelp),
        PaneCommand(.view, [.function(3), .character("v")], label: "View", "view a file", viewFile),
        PaneCommand(.edit, [.function(4), .character("e")], label: "Edit", "edit a file", editFile),
        PaneCommand(.copy, [.function(5), .character("c")], label: "Copy", "copy to the other pane", askToCopy),
        PaneCommand(.move, [.function(6), .character("m")], label: "RenMov", short: "Move", "rename or move", askToMove),
        PaneCommand(.makeDirectory, [.function(7), .character("n")], label: "Mkdir", short: "Mkd", "make a folder", askToMakeDirectory),
        PaneCommand(.delete, [.function(8), .character("d"), .delete], label: "Delete", short: "Del", "delete", askToDelete),
        PaneCommand(.connect, [.function(9), .character(":")], label: "Connect", short: "Conn", "connect to a server", askToConnect),
        PaneCommand(.quit, [.function(10), .character("q")], label: "Quit", "quit", askToQuit),
        PaneCommand(.up, [.up, .control("p")], "cursor up") { moveCursor(&$0, by: -1); return [] },
        PaneCommand(.down, [.down, .control("n")], "cursor down") { moveCursor(&$0, by: 1); return [] },
        PaneCommand(.pageUp, [.pageUp], "page up") { moveCursor(&$0, by: -pageRows($0)); return [] },
        PaneCommand(.pageDown, [.pageDown], "page down") { moveCursor(&$0, by: pageRows($0)); return [] },
        PaneCommand(.home, [.home], "first entry") { moveCursor(&$0, to: 0); return [] },
        PaneCommand(.end, [.end], "last entry") { moveCursor(&$0, to: $0.activePane.rows.count - 1); return [] },
        PaneCommand(.open, [.enter, .right], "open a folder", openEntry),
        PaneCommand(.parent, [.backspace, .left], "go up a folder", goUp),
        PaneCommand(.switchPane, [.tab, .backTab], "other pane", switchPane),
        PaneCommand(.mark, [.insert, .character(" ")], "mark or unmark", toggleMark),
        PaneCommand(.markByPattern, [.character("+")], "mark by pattern") { askForPattern(&$0, marking: true) },
        PaneCommand(.unmarkByPattern, [.character("-")], "unmark by pattern") { askForPattern(&$0, marking: false) },
        PaneCommand(.invertMarks, [.character("*")], "invert marks", invertMarks),
        PaneCommand(.toggleHidden, [.character(".")], "show or hide dot files", toggleHidden),
        PaneCommand(.cycleSort, [.character("s")], "sort by name, size, time", cycleSort),
        PaneCommand(.reverseSort, [.character("r")], "reverse the order", reverseSort),
        PaneCommand(.toggleLog, [.control("o"), .character("o")], "show or hide the FTP log", toggleLog),
        PaneCommand(.cancelTransfer, [.character("x")], "cancel the running transfer", cancelRunningTransfer),
        PaneCommand(.retryTransfers, [.character("R")], "retry failed transfers", retryFailedTransfers),
        PaneCommand(.refresh, [.control("r")], "reload both panes", reloadPanes),
        PaneCommand(.quickSearch, [.character("/"), .control("s")], "quick search", startQuickSearch),
        PaneCommand(.focusQueue, [.character("Q")], "steer the transfer queue", focusQueue),
        PaneCommand(.changeMode, [.character("M")], "change permissions (chmod)", askForMode),
        PaneCommand(.toggleTree, [.character("t")], "show the folders as a tree", openTree),
    ]

    /// vi's movement over the standard keys: hjkl, g and G, Ctrl-F and Ctrl-B.
    static let viKeys: [Key: Action] = [
        .character("h"): .parent, .character("j"): .down, .character("k"): .up, .character("l"): .open,
        .character("g"): .home, .character("G"): .end, .control("f"): .pageDown, .control("b"): .pageUp,
    ]

    /// The command of an action.
    public static func of(_ action: Action) -> PaneCommand {
        // Every action has a command: `CommandTableTests` checks it.
        all.first { $0.action == action } ?? all[0]
    }
}

// MARK: The fixed tables

/// Moving through a long text (the viewer, the help screen) and closing it.
public enum ScrollCommand: Sendable, CaseIterable {
    case close, lineUp, lineDown, pageUp, pageDown, top, bottom
}

extension KeyTable where Command == ScrollCommand {
    /// The file viewer (F3); carried out by `handleViewer` (`Update+Viewer.swift`).
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

    /// The help screen (F1); carried out by `handleHelp` (`Update+Viewer.swift`).
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

/// What a key does while the transfer queue has the focus (`Q`).
public enum QueueCommand: Sendable, Equatable {
    case up, down, pause, cancel, retry, remove, leave
}

extension KeyTable where Command == QueueCommand {
    /// The transfer queue with the focus; carried out by `handleQueue` (`Update+Queue.swift`).
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

/// What a key does in the folder tree.
public enum TreeCommand: Sendable, CaseIterable {
    case up, down, expand, collapse, open, close
}

extension KeyTable where Command == TreeCommand {
    /// The folder tree (`t`); carried out by `handleTree` (`Update+Tree.swift`).
    public static var tree: KeyTable {
        KeyTable("Folder tree", [
            KeyBinding([.up, .character("k")], .up, "folder up"),
            KeyBinding([.down, .character("j")], .down, "folder down"),
            KeyBinding([.right, .character("+"), .character("l")], .expand, "open a branch (a server's is listed then)"),
            KeyBinding([.left, .character("-"), .character("h")], .collapse, "close a branch, or go to its parent"),
            KeyBinding([.enter], .open, "show that folder's files"),
            KeyBinding([.character("t"), .escape], .close, "back to the files"),
        ])
    }
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

// Dialogs' keys are carried out by `handleDialog` (`Update+Dialogs.swift`), a quick search's by
// `handleQuickSearch` (`Update+Panes.swift`).
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

// MARK: The help screen

/// The help: every key of the keymap, then the keys of the viewer, the help itself, the queue,
/// the tree and each kind of dialog, from the tables above.
func helpText(_ keymap: Keymap) -> String {
    let keyWidth = 20
    let panes = PaneCommand.all.compactMap { command -> String? in
        let keys = keymap.keys(for: command.action)
        guard !keys.isEmpty else { return nil }
        return helpLine(keys: keys, help: command.help, keyWidth: keyWidth)
    }
    let escape = "  Esc 1 ... Esc 0" + String(repeating: " ", count: keyWidth - 15) + "F1 ... F10, for terminals without F-keys"
    var lines = ["Panes:"] + panes + [escape]
    for table in [KeyTable.viewer, KeyTable.help] { lines += [""] + table.helpLines(keyWidth: keyWidth) }
    lines += [""] + KeyTable.queue.helpLines(keyWidth: keyWidth)
    lines += [""] + KeyTable.tree.helpLines(keyWidth: keyWidth)
    for table in KeyTable.dialogs { lines += [""] + table.helpLines(keyWidth: keyWidth) }
    return lines.joined(separator: "\n")
}

import Foundation
import FTPWire
import ScreenKit

// The panes: the handlers of the commands in `PaneCommand.all` that are not another feature's,
// and the quick search.

/// The rows a page key moves.
func pageRows(_ state: AppState) -> Int { max(1, Layout(state).listRows - 1) }

func moveCursor(_ state: inout AppState, by delta: Int) {
    moveCursor(&state, to: state.activePane.cursor + delta)
}

func moveCursor(_ state: inout AppState, to row: Int) {
    let count = state.activePane.rows.count
    state.panes[state.active].cursor = max(0, min(count - 1, row))
    keepCursorVisible(&state, pane: state.active)
}

func switchPane(_ state: inout AppState) -> [Effect] {
    state.active = 1 - state.active
    return []
}

/// Enter: a folder (or a link, which may be one) is listed; `..` goes up.
func openEntry(_ state: inout AppState) -> [Effect] {
    let current = state.activePane
    if current.hasParentRow, current.cursor == 0 { return goUp(&state) }
    guard let entry = current.current else { return [] }
    guard entry.kind == .directory || entry.kind == .link || entry.kind == .other else {
        state.message = "\(Sanitizer.visible(entry.name)) is a file: F5 copies it to the other pane"
        return []
    }
    guard entry.hasSafeName else {
        state.message = "Not opening \(SafeName.shown(entry.name)): it is not a plain file name"
        return []
    }
    state.panes[state.active].loading = true
    return [.list(pane: state.active, location: current.location.appending(entry), focus: nil)]
}

func goUp(_ state: inout AppState) -> [Effect] {
    let location = state.activePane.location
    guard !location.isRoot else { return [] }
    state.panes[state.active].loading = true
    return [.list(pane: state.active, location: location.parent, focus: location.lastName)]
}

func toggleMark(_ state: inout AppState) -> [Effect] {
    let pane = state.active
    if let entry = state.activePane.current {
        if state.panes[pane].marked.remove(entry.remoteName) == nil { state.panes[pane].marked.insert(entry.remoteName) }
    }
    moveCursor(&state, by: 1)
    return []
}

/// `+` and `-`: a pattern of the files to mark or unmark.
func askForPattern(_ state: inout AppState, marking: Bool) -> [Effect] {
    state.dialog = Dialog(
        kind: .input(text: "*", secret: false), title: marking ? "Mark" : "Unmark",
        message: "Files matching (* and ? allowed):", action: .mark(pane: state.active, marking: marking))
    return []
}

func invertMarks(_ state: inout AppState) -> [Effect] {
    let pane = state.active
    let names = state.activePane.rows.filter { $0.name != ".." && $0.kind != .directory }.map(\.remoteName)
    state.panes[pane].marked = Set(names).symmetricDifference(state.panes[pane].marked)
    return []
}

func toggleHidden(_ state: inout AppState) -> [Effect] {
    state.panes[state.active].setShowsHidden(!state.activePane.showsHidden)
    keepCursorVisible(&state, pane: state.active)
    return []
}

func cycleSort(_ state: inout AppState) -> [Effect] {
    let keys = SortKey.allCases
    let next = keys[((keys.firstIndex(of: state.activePane.sort) ?? 0) + 1) % keys.count]
    state.panes[state.active].setSort(next, reversed: state.activePane.reversed)
    state.message = "Sorted by \(next.rawValue)"
    keepCursorVisible(&state, pane: state.active)
    return []
}

func reverseSort(_ state: inout AppState) -> [Effect] {
    state.panes[state.active].setSort(state.activePane.sort, reversed: !state.activePane.reversed)
    keepCursorVisible(&state, pane: state.active)
    return []
}

func toggleLog(_ state: inout AppState) -> [Effect] {
    state.showsLog.toggle()
    for index in state.panes.indices { keepCursorVisible(&state, pane: index) }
    return []
}

func startQuickSearch(_ state: inout AppState) -> [Effect] {
    state.panes[state.active].quickSearch = ""
    return []
}

func reloadPanes(_ state: inout AppState) -> [Effect] {
    state.panes.indices.map { .list(pane: $0, location: state.panes[$0].location, focus: state.panes[$0].current?.remoteName) }
}

func showHelp(_ state: inout AppState) -> [Effect] {
    state.dialog = Dialog(kind: .help, title: "Keys", message: helpText(state.keymap))
    return []
}

/// `M`: the new permissions of the selection, in octal, prefilled with one entry's.
func askForMode(_ state: inout AppState) -> [Effect] {
    let selection = state.activePane.selection
    guard !selection.isEmpty else { return [] }
    let what = selection.count == 1 ? "\"\(Sanitizer.visible(selection[0].name))\"" : "\(selection.count) entries"
    state.dialog = Dialog(
        kind: .input(text: selection.count == 1 ? selection[0].permissions.flatMap(octalMode) ?? "" : "", secret: false), title: "Permissions",
        message: "Permissions of \(what), in octal (644, 755):", action: .changeMode(pane: state.active, location: state.activePane.location, entries: selection))
    return []
}

func askToMakeDirectory(_ state: inout AppState) -> [Effect] {
    state.dialog = Dialog(
        kind: .input(text: "", secret: false), title: "Make folder",
        message: "Make a folder in \(state.activePane.location):", action: .makeDirectory(pane: state.active, location: state.activePane.location))
    return []
}

func askToDelete(_ state: inout AppState) -> [Effect] {
    let selection = state.activePane.selection
    guard !selection.isEmpty else { return [] }
    let folders = selection.filter { $0.kind == .directory }.count
    let what = selection.count == 1 ? "\"\(Sanitizer.visible(selection[0].name))\"" : "\(selection.count) entries"
    let recursive = folders > 0 ? " (\(folders) folder\(folders == 1 ? "" : "s") with all inside)" : ""
    state.dialog = Dialog(
        kind: .confirm, title: "Delete", message: "Delete \(what)\(recursive)?",
        action: .delete(pane: state.active, location: state.activePane.location, entries: selection))
    return []
}

/// F9: a URL, or a bookmark's number or name.
func askToConnect(_ state: inout AppState) -> [Effect] {
    let saved = state.bookmarks.enumerated().map { "  \($0.offset + 1)  \(Sanitizer.visible($0.element.name))  \($0.element.shownURL)" }
    let list = saved.isEmpty ? "" : "\nBookmarks (type the number or the name):\n" + saved.joined(separator: "\n") + "\n"
    state.dialog = Dialog(
        kind: .input(text: state.bookmarks.isEmpty ? "ftp://" : "", secret: false), title: "Connect",
        message: "URL (ftp://, ftpes://, ftps://; user@ and :port allowed; the user is asked next if not):" + list,
        action: .connect(pane: state.active))
    return []
}

/// F10: quits, after asking when transfers still run.
func askToQuit(_ state: inout AppState) -> [Effect] {
    if state.transfers.contains(where: \.isActive) {
        state.dialog = Dialog(kind: .confirm, title: "Quit", message: "Transfers are still running. Quit and cancel them?", action: .quit)
        return []
    }
    state.isRunning = false
    return [.quit]
}

/// F3: the viewer, asking for the file's first range on the session of the pane it is in.
func viewFile(_ state: inout AppState) -> [Effect] {
    guard let entry = state.activePane.current, entry.kind != .directory else { return [] }
    let location = state.activePane.location
    let viewer = Viewer(title: location.appending(entry).description, pane: state.active, location: location, entry: entry)
    state.viewer = viewer
    return viewer.request.map { [rangeEffect($0, of: viewer)] } ?? []
}

/// F4: the file is fetched to a local copy (a server's), then handed to the editor.
func editFile(_ state: inout AppState) -> [Effect] {
    guard let entry = state.activePane.current, entry.kind == .file || entry.kind == .link else { return [] }
    state.message = "Opening \(Sanitizer.visible(entry.name))…"
    return [.prepareEdit(pane: state.active, location: state.activePane.location, entry: entry)]
}

/// Typing narrows a quick search; true when the key was used.
func handleQuickSearch(_ key: Key, in state: inout AppState) -> Bool {
    guard var text = state.activePane.quickSearch else { return false }
    switch (KeyTable.quickSearch.command(for: key), key) {
    case (.erase, _):
        guard !text.isEmpty else {
            state.activePane.quickSearch = nil
            return true
        }
        text.removeLast()
    case (.accept, _), (.cancel, _):
        state.activePane.quickSearch = nil
        return true
    case (nil, .character(let character)):
        text.append(character)
    default:
        state.activePane.quickSearch = nil
        return false
    }
    state.activePane.quickSearch = text
    let lowered = text.lowercased()
    if let index = state.activePane.rows.firstIndex(where: { $0.name.lowercased().hasPrefix(lowered) }) {
        state.activePane.cursor = index
        keepCursorVisible(&state, pane: state.active)
    }
    return true
}

/// `rw-r--r--` as `644`; nil for anything that is not nine permission letters.
public func octalMode(_ permissions: String) -> String? {
    let letters = Array(permissions)
    guard letters.count == 9 else { return nil }
    var mode = 0
    for (index, letter) in letters.enumerated() {
        let bit = 1 << (8 - index)
        switch letter {
        case "r", "w", "x", "s", "t": mode |= bit
        case "-", "S", "T": break
        default: return nil
        }
    }
    return String(mode, radix: 8)
}

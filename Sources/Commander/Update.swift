import Foundation
import FTPWire
import ScreenKit

/// The commander's logic: the next state, and the effects to carry out, for an event.
/// Pure: no I/O, no clock, no threads; it never blocks.
public func update(_ state: inout AppState, _ event: Event) -> [Effect] {
    // The queue's selection stays on its transfer while others start, end and move in the list;
    // only keys move it.
    let selected = state.queueFocused ? selectedTransfer(state) : nil
    let effects = respond(to: event, in: &state)
    if let selected, !event.isKey, let index = Layout.queueItems(state).firstIndex(where: { $0.id == selected }) {
        state.queueCursor = index
    }
    // A pane waits for every listing asked for it.
    for case .list(let pane, _, _) in effects {
        state.panes[pane].loading = true
        state.panes[pane].discardsListing = false
    }
    return effects
}

private func respond(to event: Event, in state: inout AppState) -> [Effect] {
    switch event {
    case .key(let key):
        return handle(key, in: &state)
    case .tick:
        state.spinnerFrame = (state.spinnerFrame + 1) % 4
        return []
    case .resize(let width, let height):
        state.width = width
        state.height = height
        for index in state.panes.indices { keepCursorVisible(&state, pane: index) }
        return []
    case .listed(let pane, let location, let focus, let result, let now):
        state.now = now
        guard !state.panes[pane].discardsListing else {
            state.panes[pane].discardsListing = false
            return []
        }
        switch result {
        case .success(let entries):
            state.panes[pane].show(entries, at: location, focus: focus)
        case .failure(let failure):
            state.panes[pane].loading = false
            state.panes[pane].error = failure.message
            state.message = failure.message
        }
        keepCursorVisible(&state, pane: pane)
        return []
    case .transferStarted(let id):
        modifyTransfer(&state, id) { $0.state = .running }
        return []
    case .transferProgress(let id, let name, let completed, let total, let rate):
        modifyTransfer(&state, id) { item in
            item.currentName = name
            item.completedBytes = completed
            item.totalBytes = total ?? item.totalBytes
            item.bytesPerSecond = rate
        }
        return []
    case .transferFinished(let id, let error, let verified, let skipped):
        var destination: Location?
        modifyTransfer(&state, id) { item in
            if item.state != .cancelled { item.state = error.map { .failed($0) } ?? .done }
            item.paused = false
            item.verified = error == nil && verified
            item.skippedFiles = skipped
            if error == nil, skipped == 0, let total = item.totalBytes { item.completedBytes = total }
            destination = item.request.destination
        }
        if let error { state.message = "Transfer failed: \(error)" }
        let item = state.transfers.first { $0.id == id }
        let source = item?.request.movesSource == true ? item?.request.source : nil
        return [destination, source].compactMap { $0 }.flatMap { refresh(&state, showing: $0) }
    case .log(let line):
        state.log.append(line)
        if state.log.count > AppState.logLimit { state.log.removeFirst(state.log.count - AppState.logLimit) }
        return []
    case .notice(let text):
        state.message = Sanitizer.visible(text)
        return []
    case .foldersListed(let pane, let location, let result):
        switch result {
        case .success(let entries): state.panes[pane].tree?.insert(entries, under: location)
        case .failure(let failure): state.message = failure.message
        }
        return []
    case .operationFinished(let location, let message):
        state.message = message
        return refresh(&state, showing: location)
    case .certificateUntrusted(let pane, let location, let question):
        state.panes[pane].loading = false
        state.dialog = Dialog(kind: .certificate, title: "Untrusted certificate", message: """
            \(Sanitizer.visible(question.reason))

            Server:   \(location)
            Subject:  \(Sanitizer.visible(question.subject))
            Names:    \(Sanitizer.visible(question.names.isEmpty ? "(none)" : question.names))
            Expires:  \(Sanitizer.visible(question.expires))
            SHA-256:  \(question.fingerprint.prefix(47))
                      \(question.fingerprint.dropFirst(48))

            r  reject     o  accept once     a  trust always
            """, action: .trust(pane: pane, location: location, fingerprint: question.fingerprint))
        return []
    case .passwordNeeded(let pane, let url):
        state.panes[pane].loading = false
        state.dialog = Dialog(kind: .input(text: "", secret: true), title: "Password", message: "Password for \(Sanitizer.visible(url)):", action: .password(pane: pane, url: url))
        return []
    case .editReady(let session):
        state.message = nil
        return [.runEditor(session)]
    case .editorFinished(let session, let changed):
        guard changed else {
            state.message = "\(Sanitizer.visible(session.name)): no changes"
            return []
        }
        guard session.location.isRemote else {
            state.message = "Saved \(Sanitizer.visible(session.name))"
            return refresh(&state, showing: session.location)
        }
        state.message = "Uploading \(Sanitizer.visible(session.name))…"
        return [.uploadEdit(session, force: false)]
    case .editConflict(let session):
        state.dialog = Dialog(kind: .editConflict, title: "Changed on the server", message: """
            \(Sanitizer.visible(session.entry.name)) changed on the server while you edited it.

            o  overwrite theirs     k  keep theirs (drop your edit)     s  save yours as…
            """, action: .resolveEdit(session))
        return []
    case .unfinishedTransfers(let count):
        guard state.dialog == nil else { return [] }
        state.dialog = Dialog(kind: .unfinishedTransfers, title: "Unfinished transfers", message: """
            \(count) unfinished transfer\(count == 1 ? "" : "s") from an earlier run (see ferry resume --list).

            r  resume now     k  keep for later     d  discard
            """)
        return []
    case .viewRangeLoaded(let location, let entry, let offset, let result):
        guard var viewer = state.viewer, viewer.location == location, viewer.entry == entry else { return [] }
        switch result {
        case .success(let bytes):
            viewer.receive(bytes, at: offset, page: viewerPage(state))
            state.viewer = viewer
            state.message = nil
        case .failure(let failure) where viewer.isEmpty:
            state.viewer = nil
            state.message = failure.message
        case .failure(let failure):
            viewer.cancelRequest()
            viewer.failure = failure.message
            state.viewer = viewer
        }
        return []
    }
}

// MARK: Keys

private func handle(_ key: Key, in state: inout AppState) -> [Effect] {
    if state.dialog != nil { return handleDialog(key, in: &state) }
    if state.viewer != nil { return handleViewer(key, in: &state) }
    if state.queueFocused { return handleQueue(key, in: &state) }
    if state.activePane.tree != nil { return handleTree(key, in: &state) }
    var key = key
    if state.escapePending {
        state.escapePending = false
        if case .character(let character) = key, let digit = character.wholeNumberValue {
            key = .function(digit == 0 ? 10 : digit)
        }
    }
    if state.activePane.quickSearch != nil, handleQuickSearch(key, in: &state) { return [] }
    if key == .escape {
        state.message = nil
        if state.activePane.loading {
            state.panes[state.active].loading = false
            state.panes[state.active].discardsListing = true
            state.message = "Listing cancelled"
            return [.cancelListing(pane: state.active)]
        }
        state.escapePending = true
        return []
    }
    state.message = nil
    guard let action = state.keymap.action(for: key) else { return [] }
    return perform(action, in: &state)
}

/// Typing narrows a quick search; true when the key was used.
private func handleQuickSearch(_ key: Key, in state: inout AppState) -> Bool {
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

func perform(_ action: Action, in state: inout AppState) -> [Effect] {
    let layout = Layout(state)
    let pane = state.active
    switch action {
    case .up: moveCursor(&state, by: -1)
    case .down: moveCursor(&state, by: 1)
    case .pageUp: moveCursor(&state, by: -max(1, layout.listRows - 1))
    case .pageDown: moveCursor(&state, by: max(1, layout.listRows - 1))
    case .home: moveCursor(&state, to: 0)
    case .end: moveCursor(&state, to: state.activePane.rows.count - 1)
    case .switchPane: state.active = 1 - state.active
    case .open:
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
        state.panes[pane].loading = true
        return [.list(pane: pane, location: current.location.appending(entry), focus: nil)]
    case .parent:
        return goUp(&state)
    case .mark:
        if let entry = state.activePane.current {
            if state.panes[pane].marked.remove(entry.remoteName) == nil { state.panes[pane].marked.insert(entry.remoteName) }
        }
        moveCursor(&state, by: 1)
    case .markByPattern, .unmarkByPattern:
        let marking = action == .markByPattern
        state.dialog = Dialog(
            kind: .input(text: "*", secret: false), title: marking ? "Mark" : "Unmark",
            message: "Files matching (* and ? allowed):", action: .mark(pane: pane, marking: marking))
    case .invertMarks:
        let names = state.activePane.rows.filter { $0.name != ".." && $0.kind != .directory }.map(\.remoteName)
        state.panes[pane].marked = Set(names).symmetricDifference(state.panes[pane].marked)
    case .toggleHidden:
        state.panes[pane].setShowsHidden(!state.activePane.showsHidden)
        keepCursorVisible(&state, pane: pane)
    case .cycleSort:
        let keys = SortKey.allCases
        let next = keys[((keys.firstIndex(of: state.activePane.sort) ?? 0) + 1) % keys.count]
        state.panes[pane].setSort(next, reversed: state.activePane.reversed)
        state.message = "Sorted by \(next.rawValue)"
        keepCursorVisible(&state, pane: pane)
    case .reverseSort:
        state.panes[pane].setSort(state.activePane.sort, reversed: !state.activePane.reversed)
        keepCursorVisible(&state, pane: pane)
    case .toggleLog:
        state.showsLog.toggle()
        for index in state.panes.indices { keepCursorVisible(&state, pane: index) }
    case .quickSearch:
        state.panes[pane].quickSearch = ""
    case .refresh:
        return state.panes.indices.map { .list(pane: $0, location: state.panes[$0].location, focus: state.panes[$0].current?.name) }
    case .help:
        state.dialog = Dialog(kind: .help, title: "Keys", message: helpText(state.keymap))
    case .copy:
        return askToCopy(&state)
    case .move:
        return askToMove(&state)
    case .toggleTree:
        openTree(in: &state)
    case .changeMode:
        let selection = state.activePane.selection
        guard !selection.isEmpty else { return [] }
        let what = selection.count == 1 ? "\"\(Sanitizer.visible(selection[0].name))\"" : "\(selection.count) entries"
        state.dialog = Dialog(
            kind: .input(text: selection.count == 1 ? selection[0].permissions.flatMap(octalMode) ?? "" : "", secret: false), title: "Permissions",
            message: "Permissions of \(what), in octal (644, 755):", action: .changeMode(pane: pane, location: state.activePane.location, entries: selection))
    case .makeDirectory:
        state.dialog = Dialog(
            kind: .input(text: "", secret: false), title: "Make folder",
            message: "Make a folder in \(state.activePane.location):", action: .makeDirectory(pane: pane, location: state.activePane.location))
    case .delete:
        let selection = state.activePane.selection
        guard !selection.isEmpty else { return [] }
        let folders = selection.filter { $0.kind == .directory }.count
        let what = selection.count == 1 ? "\"\(Sanitizer.visible(selection[0].name))\"" : "\(selection.count) entries"
        let recursive = folders > 0 ? " (\(folders) folder\(folders == 1 ? "" : "s") with all inside)" : ""
        state.dialog = Dialog(
            kind: .confirm, title: "Delete", message: "Delete \(what)\(recursive)?",
            action: .delete(pane: pane, location: state.activePane.location, entries: selection))
    case .connect:
        let saved = state.bookmarks.enumerated().map { "  \($0.offset + 1)  \(Sanitizer.visible($0.element.name))  \($0.element.shownURL)" }
        let list = saved.isEmpty ? "" : "\nBookmarks (type the number or the name):\n" + saved.joined(separator: "\n") + "\n"
        state.dialog = Dialog(
            kind: .input(text: state.bookmarks.isEmpty ? "ftp://" : "", secret: false), title: "Connect",
            message: "URL (ftp://, ftpes://, ftps://; user@ and :port allowed; the user is asked next if not):" + list,
            action: .connect(pane: pane))
    case .quit:
        if state.transfers.contains(where: \.isActive) {
            state.dialog = Dialog(kind: .confirm, title: "Quit", message: "Transfers are still running. Quit and cancel them?", action: .quit)
            return []
        }
        state.isRunning = false
        return [.quit]
    case .focusQueue:
        guard !Layout.queueItems(state).isEmpty else {
            state.message = "No transfers to steer"
            return []
        }
        state.queueFocused = true
        state.queueCursor = min(state.queueCursor, Layout.queueItems(state).count - 1)
    case .cancelTransfer:
        guard let running = state.transfers.last(where: { $0.state == .running }) ?? state.transfers.first(where: \.isActive) else { return [] }
        modifyTransfer(&state, running.id) { $0.state = .cancelled }
        return [.cancelTransfer(id: running.id)]
    case .retryTransfers:
        var effects: [Effect] = []
        for item in state.transfers {
            if case .failed = item.state { effects.append(retry(&state, item.id)) }
        }
        return effects
    case .view:
        guard let entry = state.activePane.current, entry.kind != .directory else { return [] }
        let location = state.activePane.location
        let viewer = Viewer(title: location.appending(entry).description, location: location, entry: entry)
        state.viewer = viewer
        return viewer.request.map { [rangeEffect($0, of: viewer)] } ?? []
    case .edit:
        guard let entry = state.activePane.current, entry.kind == .file || entry.kind == .link else { return [] }
        state.message = "Opening \(Sanitizer.visible(entry.name))…"
        return [.prepareEdit(location: state.activePane.location, entry: entry)]
    }
    return []
}

func goUp(_ state: inout AppState) -> [Effect] {
    let location = state.activePane.location
    guard !location.isRoot else { return [] }
    state.panes[state.active].loading = true
    return [.list(pane: state.active, location: location.parent, focus: location.lastComponent)]
}

// MARK: Helpers

func moveCursor(_ state: inout AppState, by delta: Int) {
    moveCursor(&state, to: state.activePane.cursor + delta)
}

func moveCursor(_ state: inout AppState, to row: Int) {
    let count = state.activePane.rows.count
    state.panes[state.active].cursor = max(0, min(count - 1, row))
    keepCursorVisible(&state, pane: state.active)
}

/// Scrolls a pane so that its cursor is on screen.
func keepCursorVisible(_ state: inout AppState, pane index: Int) {
    let rows = Layout(state).listRows
    var pane = state.panes[index]
    pane.cursor = max(0, min(pane.cursor, pane.rows.count - 1))
    if pane.cursor < pane.top { pane.top = pane.cursor }
    if pane.cursor >= pane.top + rows { pane.top = pane.cursor - rows + 1 }
    pane.top = max(0, min(pane.top, max(0, pane.rows.count - rows)))
    state.panes[index] = pane
}

/// Relists every pane that shows `location`.
func refresh(_ state: inout AppState, showing location: Location) -> [Effect] {
    state.panes.indices.filter { state.panes[$0].location == location }.map {
        .list(pane: $0, location: location, focus: state.panes[$0].current?.name)
    }
}

/// The help: every key of the keymap, then the keys of the viewer, the help itself and each kind
/// of dialog, from the tables their handlers use.
func helpText(_ keymap: Keymap) -> String {
    let keyWidth = 20
    let panes = Action.allCases.compactMap { action -> String? in
        let keys = keymap.keys(for: action)
        guard !keys.isEmpty else { return nil }
        return helpLine(keys: keys, help: action.help, keyWidth: keyWidth)
    }
    let escape = "  Esc 1 ... Esc 0" + String(repeating: " ", count: keyWidth - 15) + "F1 ... F10, for terminals without F-keys"
    var lines = ["Panes:"] + panes + [escape]
    for table in [KeyTable.viewer, KeyTable.help] { lines += [""] + table.helpLines(keyWidth: keyWidth) }
    lines += [""] + KeyTable.queue.helpLines(keyWidth: keyWidth)
    lines += [""] + KeyTable.tree.helpLines(keyWidth: keyWidth)
    for table in KeyTable.dialogs { lines += [""] + table.helpLines(keyWidth: keyWidth) }
    return lines.joined(separator: "\n")
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

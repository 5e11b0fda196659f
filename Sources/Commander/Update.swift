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

private func perform(_ action: Action, in state: inout AppState) -> [Effect] {
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

/// The keys of the transfer queue while it has the focus: they act on the selected transfer.
private func handleQueue(_ key: Key, in state: inout AppState) -> [Effect] {
    let items = Layout.queueItems(state)
    guard !items.isEmpty else {
        state.queueFocused = false
        return []
    }
    state.queueCursor = max(0, min(state.queueCursor, items.count - 1))
    let selected = items[state.queueCursor]
    state.message = nil
    switch KeyTable.queue.command(for: key) {
    case .up: state.queueCursor = max(0, state.queueCursor - 1)
    case .down: state.queueCursor = min(items.count - 1, state.queueCursor + 1)
    case .leave: state.queueFocused = false
    case .pause:
        // The selected transfer, or the only one running when the selected is not.
        let running = items.filter { $0.state == .running }
        guard let item = selected.state == .running ? selected : running.count == 1 ? running[0] : nil else {
            state.message = "Only a running transfer can be paused"
            return []
        }
        modifyTransfer(&state, item.id) { $0.paused.toggle() }
        return [.pauseTransfer(id: item.id, paused: !item.paused)]
    case .cancel:
        guard selected.isActive else { return [] }
        modifyTransfer(&state, selected.id) { item in
            item.state = .cancelled
            item.paused = false
        }
        return [.cancelTransfer(id: selected.id)]
    case .retry:
        switch selected.state {
        case .failed, .cancelled: return [retry(&state, selected.id)]
        default:
            state.message = "Only a failed or cancelled transfer can be retried"
            return []
        }
    case .remove:
        guard !selected.isActive else {
            state.message = "Cancel it first (x): it has not finished"
            return []
        }
        state.transfers.removeAll { $0.id == selected.id }
        let left = Layout.queueItems(state).count
        state.queueCursor = max(0, min(state.queueCursor, left - 1))
        if left == 0 { state.queueFocused = false }
        for index in state.panes.indices { keepCursorVisible(&state, pane: index) }
    case nil:
        break
    }
    return []
}

/// The id of the transfer selected in the queue, if any.
private func selectedTransfer(_ state: AppState) -> Int? {
    let items = Layout.queueItems(state)
    return items.indices.contains(state.queueCursor) ? items[state.queueCursor].id : nil
}

extension Event {
    fileprivate var isKey: Bool {
        if case .key = self { return true }
        return false
    }
}

/// Queues a finished transfer again, from the start.
private func retry(_ state: inout AppState, _ id: Int) -> Effect {
    modifyTransfer(&state, id) { item in
        item.state = .queued
        item.completedBytes = 0
        item.paused = false
        item.verified = false
        item.skippedFiles = 0
    }
    let request = state.transfers.first { $0.id == id }?.request
    return request.map { .startTransfer(id: id, request: $0) } ?? .cancelTransfer(id: id)
}

/// Scrolling and closing the viewer; near either end of the lines held, the next range of the
/// file is asked for, and Home and End far from them ask for the file's first or last range.
private func handleViewer(_ key: Key, in state: inout AppState) -> [Effect] {
    guard var viewer = state.viewer, let command = KeyTable.viewer.command(for: key) else { return [] }
    guard command != .close else {
        state.viewer = nil
        return []
    }
    let page = viewerPage(state)
    viewer.top = scrolled(viewer.top, by: command, page: page, last: max(0, viewer.lines.count - page))
    let request: Viewer.Request? = switch command {
    case .top where viewer.start > 0: viewer.requestStart()
    case .bottom: viewer.requestEnd()
    case .lineUp, .pageUp, .top: viewer.top < page ? viewer.requestBefore() : nil
    case .lineDown, .pageDown: viewer.top + 2 * page >= viewer.lines.count ? viewer.requestAfter() : nil
    case .close: nil
    }
    state.viewer = viewer
    return request.map { [rangeEffect($0, of: viewer)] } ?? []
}

/// The lines a page of the viewer scrolls.
private func viewerPage(_ state: AppState) -> Int { max(1, state.height - 3) }

/// The effect reading a range the viewer asked for.
private func rangeEffect(_ request: Viewer.Request, of viewer: Viewer) -> Effect {
    .viewRange(location: viewer.location, entry: viewer.entry, offset: request.offset, length: request.length)
}

/// Scrolling and closing the help.
private func handleHelp(_ key: Key, in state: inout AppState) {
    guard var dialog = state.dialog, let command = KeyTable.help.command(for: key) else { return }
    guard command != .close else {
        state.dialog = nil
        return
    }
    let page = Layout.helpRows(height: state.height)
    let lines = dialog.message.split(separator: "\n", omittingEmptySubsequences: false).count
    dialog.top = scrolled(dialog.top, by: command, page: page, last: max(0, lines - page))
    state.dialog = dialog
}

/// The first line shown after a scrolling key, from 0 to `last`.
private func scrolled(_ top: Int, by command: ScrollCommand, page: Int, last: Int) -> Int {
    let moved = switch command {
    case .close: top
    case .lineUp: top - 1
    case .lineDown: top + 1
    case .pageUp: top - page
    case .pageDown: top + page
    case .top: 0
    case .bottom: last
    }
    return max(0, min(moved, last))
}

private func goUp(_ state: inout AppState) -> [Effect] {
    let location = state.activePane.location
    guard !location.isRoot else { return [] }
    state.panes[state.active].loading = true
    return [.list(pane: state.active, location: location.parent, focus: location.lastComponent)]
}

/// F6: a line prefilled with the other pane's folder and the name. A bare name, or a path on
/// the same side, renames there; the other pane's folder across a local folder and a server (or
/// two servers) moves: copy, then delete what was copied.
private func askToMove(_ state: inout AppState) -> [Effect] {
    let selection = state.activePane.selection
    guard !selection.isEmpty else { return [] }
    var target = state.otherPane.location.absolutePath ?? ""
    if !target.hasSuffix("/") { target += "/" }
    if selection.count == 1 { target += selection[0].name }
    let what = selection.count == 1 ? Sanitizer.visible(selection[0].name) : "\(selection.count) entries"
    state.dialog = Dialog(
        kind: .input(text: target, secret: false), title: "Rename or move",
        message: "Rename or move \(what) to (a name, or a path; Ctrl-U clears):",
        action: .move(pane: state.active, location: state.activePane.location, entries: selection))
    return []
}

/// What an F6 line does: a rename on the same side, or a move into the other pane's folder.
private func move(_ entries: [ListingEntry], from source: Location, to text: String, in state: inout AppState) -> [Effect] {
    let other = state.otherPane.location
    var folder = other.absolutePath ?? ""
    if !folder.hasSuffix("/") { folder += "/" }
    if other.site != source.site, text.hasPrefix(folder) {
        let name = String(text.dropFirst(folder.count))
        guard name.isEmpty || (entries.count == 1 && name == entries[0].name) else {
            state.message = "A move to the other side keeps the name: rename it there afterwards"
            return []
        }
        state.panes[state.active].marked = []
        return startCopy(entries.map { TransferRequest(source: source, entry: $0, destination: other, movesSource: true) }, in: &state)
    }
    guard entries.count == 1, let entry = entries.first else {
        state.message = "Several entries move only into the other pane's folder"
        return []
    }
    guard !text.isEmpty, text != entry.name else { return [] }
    state.panes[state.active].marked = []
    return [.rename(location: source, entry: entry, to: text)]
}

private func askToCopy(_ state: inout AppState) -> [Effect] {
    let selection = state.activePane.selection
    guard !selection.isEmpty else { return [] }
    let source = state.activePane.location
    let destination = state.otherPane.location
    guard source.isRemote || destination.isRemote else {
        state.message = "Both panes are local: open a server in one of them (F9) to copy"
        return []
    }
    let requests = selection.map { TransferRequest(source: source, entry: $0, destination: destination) }
    let what = selection.count == 1 ? "\"\(Sanitizer.visible(selection[0].name))\"" : "\(selection.count) entries"
    state.dialog = Dialog(kind: .confirm, title: "Copy", message: "Copy \(what) to \(destination)?", action: .copy(requests))
    return []
}

// MARK: Dialogs

private func handleDialog(_ key: Key, in state: inout AppState) -> [Effect] {
    guard var dialog = state.dialog else { return [] }
    guard let keys = KeyTable.of(dialog.kind) else {
        handleHelp(key, in: &state)
        return []
    }
    switch (dialog.kind, keys.command(for: key), key) {
    case (_, .rejectCertificate, _):
        state.dialog = nil
        state.message = "Certificate rejected: not connected"
        return []
    case (_, .acceptCertificateOnce, _), (_, .trustCertificateAlways, _):
        state.dialog = nil
        guard case .trust(let pane, let location, let fingerprint) = dialog.action else { return [] }
        state.panes[pane].loading = true
        return [.trustCertificate(pane: pane, location: location, fingerprint: fingerprint, always: keys.command(for: key) == .trustCertificateAlways)]
    case (_, .overwriteTheirs, _):
        state.dialog = nil
        guard case .resolveEdit(let session) = dialog.action else { return [] }
        return [.uploadEdit(session, force: true)]
    case (_, .keepTheirs, _):
        state.dialog = nil
        state.message = "Kept the server's version; your edit was not sent"
        return []
    case (_, .saveYoursAs, _):
        guard case .resolveEdit(let session) = dialog.action else { return [] }
        state.dialog = Dialog(kind: .input(text: session.name + ".mine", secret: false), title: "Save as", message: "Store your version as:", action: .saveEditAs(session))
        return []
    case (_, .resumeUnfinished, _):
        state.dialog = nil
        state.message = "Resuming the unfinished transfers in the background"
        return [.resumeUnfinishedTransfers]
    case (_, .keepUnfinished, _):
        state.dialog = nil
        state.message = "Kept for later: ferry resume finishes them"
        return []
    case (_, .discardUnfinished, _):
        state.dialog = nil
        state.message = "Discarded the unfinished transfers"
        return [.discardUnfinishedTransfers]
    case (_, .cancel, _), (.message, _, _):
        // A message closes on any key.
        state.dialog = nil
        return []
    case (_, .resolveConflict(let policy, let forAll), _):
        guard case .resolveConflicts(let ready, let conflicts) = dialog.action else { return [] }
        state.dialog = nil
        let effects = answer(policy, forAll: forAll, ready: ready, conflicts: conflicts, in: &state)
        if state.dialog == nil, effects.isEmpty { state.dialog = dialog }
        return effects
    case (.input(_, let secret), .clear, _):
        dialog.kind = .input(text: "", secret: secret)
    case (.input(let text, let secret), .erase, _):
        dialog.kind = .input(text: String(text.dropLast()), secret: secret)
    case (.input(let text, let secret), nil, .character(let character)):
        dialog.kind = .input(text: text + String(character), secret: secret)
    case (_, .accept, _):
        state.dialog = nil
        return confirm(dialog, in: &state)
    default:
        return []
    }
    state.dialog = dialog
    return []
}

private func confirm(_ dialog: Dialog, in state: inout AppState) -> [Effect] {
    var text = ""
    if case .input(let typed, _) = dialog.kind { text = typed }
    switch dialog.action {
    case .none:
        return []
    case .copy(let requests):
        state.panes[state.active].marked = []
        return startCopy(requests, in: &state)
    case .move(_, let location, let entries):
        return move(entries, from: location, to: text, in: &state)
    case .resolveConflicts:
        return []
    case .delete(let pane, let location, let entries):
        state.panes[pane].marked = []
        return [.delete(location: location, entries: entries)]
    case .makeDirectory(_, let location):
        guard !text.isEmpty else { return [] }
        return [.makeDirectory(location: location, name: text)]
    case .changeMode(let pane, let location, let entries):
        guard (3...4).contains(text.count), let mode = Int(text, radix: 8), mode >= 0, mode <= 0o7777 else {
            state.message = "Permissions are 3 or 4 octal digits, such as 644 or 755"
            return []
        }
        state.panes[pane].marked = []
        return [.changeMode(location: location, entries: entries, mode: mode)]
    case .password(let pane, let url):
        state.panes[pane].loading = true
        return [.connectWithPassword(pane: pane, url: url, password: text)]
    case .trust, .resolveEdit:
        return []
    case .saveEditAs(var session):
        guard !text.isEmpty else { return [] }
        session.name = text
        return [.uploadEdit(session, force: true)]
    case .connect(let pane):
        // A bookmark is complete as saved; a typed URL without a user asks for one.
        let bookmark = Int(text).flatMap { state.bookmarks.indices.contains($0 - 1) ? state.bookmarks[$0 - 1] : nil }
            ?? state.bookmarks.first { $0.name == text }
        if let bookmark {
            state.panes[pane].loading = true
            return [.connect(pane: pane, url: bookmark.url, user: nil)]
        }
        guard text.contains("://") else {
            state.message = "A URL starts with ftp://, ftpes:// or ftps://"
            return []
        }
        guard URLText.namesUser(text) else {
            state.dialog = Dialog(
                kind: .input(text: "", secret: false), title: "Connect",
                message: "User for \(URLText.maskingPassword(text)) (empty for anonymous):", action: .connectAs(pane: pane, url: text))
            return []
        }
        state.panes[pane].loading = true
        return [.connect(pane: pane, url: text, user: nil)]
    case .connectAs(let pane, let url):
        state.panes[pane].loading = true
        return [.connect(pane: pane, url: url, user: text.isEmpty ? nil : text)]
    case .mark(let pane, let marking):
        let names = state.panes[pane].rows.filter { $0.name != ".." && $0.kind != .directory && Glob.matches(text, $0.name) }.map(\.remoteName)
        if marking { state.panes[pane].marked.formUnion(names) } else { state.panes[pane].marked.subtract(names) }
        return []
    case .quit:
        state.isRunning = false
        return state.transfers.filter(\.isActive).map { .cancelTransfer(id: $0.id) } + [.quit]
    }
}

// MARK: Copies and conflicts

/// Starts a copy, after asking about each entry whose name the destination pane shows already.
private func startCopy(_ requests: [TransferRequest], in state: inout AppState) -> [Effect] {
    var ready: [TransferRequest] = []
    var conflicts: [Conflict] = []
    for request in requests {
        let shown = state.panes.first { $0.location == request.destination }
        if let existing = shown?.entries.first(where: { $0.name == request.entry.name }) {
            conflicts.append(Conflict(request: request, existing: existing))
        } else {
            ready.append(request)
        }
    }
    return resolve(ready: ready, conflicts: conflicts, in: &state)
}

/// Asks about the first conflict left, or queues the copies once none is left.
private func resolve(ready: [TransferRequest], conflicts: [Conflict], in state: inout AppState) -> [Effect] {
    guard let conflict = conflicts.first else { return enqueue(ready, in: &state) }
    state.dialog = Dialog(
        kind: .conflict, title: "Already exists", message: conflictText(conflict, left: conflicts.count, state: state),
        action: .resolveConflicts(ready: ready, conflicts: conflicts))
    return []
}

/// An answer of the conflict dialog, for the first conflict or (`forAll`) for all that are left.
/// Continuing is offered only for a shorter file: asked for all, other files are skipped (a
/// folder's files are each continued or not by the copy).
private func answer(_ policy: ConflictPolicy, forAll: Bool, ready: [TransferRequest], conflicts: [Conflict], in state: inout AppState) -> [Effect] {
    guard let first = conflicts.first, policy != .resume || first.canResume || forAll else { return [] }
    var ready = ready
    for conflict in forAll ? conflicts : [first] {
        var request = conflict.request
        request.onConflict = policy == .resume && conflict.request.entry.kind != .directory && !conflict.canResume ? .skip : policy
        ready.append(request)
    }
    return resolve(ready: ready, conflicts: forAll ? [] : Array(conflicts.dropFirst()), in: &state)
}

private func enqueue(_ requests: [TransferRequest], in state: inout AppState) -> [Effect] {
    requests.map { request in
        let id = state.nextTransferID
        state.nextTransferID += 1
        state.transfers.append(TransferItem(id: id, request: request))
        return .startTransfer(id: id, request: request)
    }
}

/// `"a.txt" already exists in /home/anna`, the two sizes and dates, and the answers that apply.
private func conflictText(_ conflict: Conflict, left: Int, state: AppState) -> String {
    let request = conflict.request
    func facts(_ entry: ListingEntry) -> String {
        let size = entry.kind == .directory ? "folder" : entry.size.map { "\($0) bytes" } ?? "size unknown"
        let date = dateText(entry.modified, now: state.now, timeZone: state.timeZone)
        return size + (date.isEmpty ? "" : ", " + date)
    }
    let resume = conflict.canResume ? "   c  continue" : ""
    let others = left > 1 ? "\n\(left - 1) more after this one: an upper-case letter answers for all of them." : ""
    return """
        "\(Sanitizer.visible(request.entry.name))" already exists in \(request.destination).

        Copying:  \(facts(request.entry))
        There:    \(facts(conflict.existing))

        o  overwrite\(resume)   s  skip
        r  rename (NAME.1)   n  only if newer   Esc  cancel the copy\(others)
        """
}

// MARK: Helpers

private func moveCursor(_ state: inout AppState, by delta: Int) {
    moveCursor(&state, to: state.activePane.cursor + delta)
}

private func moveCursor(_ state: inout AppState, to row: Int) {
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

private func modifyTransfer(_ state: inout AppState, _ id: Int, _ change: (inout TransferItem) -> Void) {
    guard let index = state.transfers.firstIndex(where: { $0.id == id }) else { return }
    change(&state.transfers[index])
}

/// Relists every pane that shows `location`.
private func refresh(_ state: inout AppState, showing location: Location) -> [Effect] {
    state.panes.indices.filter { state.panes[$0].location == location }.map {
        .list(pane: $0, location: location, focus: state.panes[$0].current?.name)
    }
}

/// The help: every key of the keymap, then the keys of the viewer, the help itself and each kind
/// of dialog, from the tables their handlers use.
private func helpText(_ keymap: Keymap) -> String {
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

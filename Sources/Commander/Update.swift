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
    case .listed(let pane, let location, let focus, let result, let now, let incomplete):
        state.now = now
        guard !state.panes[pane].discardsListing else {
            state.panes[pane].discardsListing = false
            return []
        }
        switch result {
        case .success(let entries):
            state.panes[pane].show(entries, at: location, focus: focus)
            if let incomplete {
                state.panes[pane].isIncomplete = true
                state.message = Sanitizer.visible(incomplete)
            }
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
        // The end of a run since retried (under a new id) or removed says nothing now.
        guard state.transfers.contains(where: { $0.id == id }) else { return [] }
        var destination: Location?
        modifyTransfer(&state, id) { item in
            if item.state != .cancelled { item.state = error.map { .failed($0) } ?? .done }
            item.isOver = true
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
        // A rename or move may have taken entries into the other pane's folder on the same side.
        return state.panes.indices.filter { state.panes[$0].location.site == location.site }.map {
            .list(pane: $0, location: state.panes[$0].location, focus: state.panes[$0].current?.remoteName)
        }
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
    // Esc and a digit (typed apart, or together as Alt with it) is an F-key.
    if case .alt(let character) = key, let digit = character.wholeNumberValue {
        key = .function(digit == 0 ? 10 : digit)
    }
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
    return PaneCommand.of(action).run(&state)
}

// MARK: Helpers

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
        .list(pane: $0, location: location, focus: state.panes[$0].current?.remoteName)
    }
}

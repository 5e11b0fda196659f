import Foundation
import FTPWire
import ScreenKit

// Dialogs: their keys (from their key tables) and what an answer does.

func handleDialog(_ key: Key, in state: inout AppState) -> [Effect] {
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

func confirm(_ dialog: Dialog, in state: inout AppState) -> [Effect] {
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
        // The listing after the delete drops the marks of what went; what could not go stays marked.
        return [.delete(pane: pane, location: location, entries: entries)]
    case .makeDirectory(let pane, let location):
        guard !text.isEmpty else { return [] }
        return [.makeDirectory(pane: pane, location: location, name: text)]
    case .changeMode(let pane, let location, let entries):
        guard (3...4).contains(text.count), let mode = Int(text, radix: 8), mode >= 0, mode <= 0o7777 else {
            state.message = "Permissions are 3 or 4 octal digits, such as 644 or 755"
            return []
        }
        state.panes[pane].marked = []
        return [.changeMode(pane: pane, location: location, entries: entries, mode: mode)]
    case .password(let pane, let url):
        state.panes[pane].loading = true
        return [.connectWithPassword(pane: pane, url: url, password: text)]
    case .trust, .resolveEdit:
        return []
    case .saveEditAs(var session):
        guard !text.isEmpty else {
            state.message = "Not uploaded: your copy stays in \(Sanitizer.visible(session.localPath))"
            return []
        }
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

import Foundation
import FTPWire
import ScreenKit

// Copies and moves (F5, F6): asking, the conflicts with names that exist, and queueing.

/// F6: a line prefilled with the other pane's folder and the name. A bare name, or a path on
/// the same side, renames there; the other pane's folder across a local folder and a server (or
/// two servers) moves: copy, then delete what was copied.
func askToMove(_ state: inout AppState) -> [Effect] {
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
func move(_ entries: [ListingEntry], from source: Location, to text: String, in state: inout AppState) -> [Effect] {
    let other = state.otherPane.location
    var folder = other.absolutePath ?? ""
    if !folder.hasSuffix("/") { folder += "/" }
    if other.site != source.site, text.hasPrefix(folder) {
        let name = String(text.dropFirst(folder.count))
        if name.isEmpty || (entries.count == 1 && name == entries[0].name) {
            state.panes[state.active].marked = []
            return startCopy(entries.map { TransferRequest(source: source, entry: $0, destination: other, movesSource: true) }, in: &state)
        }
        // A path deeper than the other pane's folder (which may be `/`) names one on this side.
        guard name.contains("/") else {
            state.message = "A move to the other side keeps the name: rename it there afterwards"
            return []
        }
    }
    // A folder of this side, named with a trailing `/`: the entries go into it.
    // Marks stay until the pane is listed again: that drops those of the entries that went,
    // and an entry that could not go stays marked.
    if text.hasSuffix("/") {
        return [.moveInto(pane: state.active, location: source, entries: entries, folder: text)]
    }
    guard entries.count == 1, let entry = entries.first else {
        state.message = "Several entries move into a folder: end its name or path with /"
        return []
    }
    guard !text.isEmpty, text != entry.name else { return [] }
    return [.rename(pane: state.active, location: source, entry: entry, to: text)]
}

func askToCopy(_ state: inout AppState) -> [Effect] {
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

/// Starts a copy, after asking about each entry whose name the destination pane shows already
/// (and skipping, unasked, one a pane whose listing is incomplete may be hiding, or one no pane
/// shows the folder of any more: the pane moved on while the copy was being confirmed).
func startCopy(_ requests: [TransferRequest], in state: inout AppState) -> [Effect] {
    var ready: [TransferRequest] = []
    var conflicts: [Conflict] = []
    for request in requests {
        let shown = state.panes.first { $0.location == request.destination }
        // A copy writes the name as UTF-8: only those very bytes are a file it would replace, not
        // a name that merely looks alike (NFD beside NFC, Latin-1).
        let written = Array(request.entry.name.utf8)
        if let existing = shown?.entries.first(where: { $0.remoteName.bytes == written }) {
            conflicts.append(Conflict(request: request, existing: existing))
        } else if shown?.isIncomplete ?? true, request.onConflict == nil {
            // The name may be there where the listing could not be read, or where no pane
            // shows any more: nobody was asked, so a file there is left as it is.
            var unasked = request
            unasked.onConflict = .skip
            ready.append(unasked)
        } else {
            ready.append(request)
        }
    }
    return resolve(ready: ready, conflicts: conflicts, in: &state)
}

/// Asks about the first conflict left, or queues the copies once none is left.
func resolve(ready: [TransferRequest], conflicts: [Conflict], in state: inout AppState) -> [Effect] {
    guard let conflict = conflicts.first else { return enqueue(ready, in: &state) }
    state.dialog = Dialog(
        kind: .conflict, title: "Already exists", message: conflictText(conflict, left: conflicts.count, state: state),
        action: .resolveConflicts(ready: ready, conflicts: conflicts))
    return []
}

/// An answer of the conflict dialog, for the first conflict or (`forAll`) for all that are left.
/// Continuing is offered only for a shorter file: asked for all, other files are skipped (a
/// folder's files are each continued or not by the copy).
func answer(_ policy: ConflictPolicy, forAll: Bool, ready: [TransferRequest], conflicts: [Conflict], in state: inout AppState) -> [Effect] {
    guard let first = conflicts.first, policy != .resume || first.canResume || forAll else { return [] }
    var ready = ready
    for conflict in forAll ? conflicts : [first] {
        var request = conflict.request
        request.onConflict = policy == .resume && conflict.request.entry.kind != .directory && !conflict.canResume ? .skip : policy
        ready.append(request)
    }
    return resolve(ready: ready, conflicts: forAll ? [] : Array(conflicts.dropFirst()), in: &state)
}

func enqueue(_ requests: [TransferRequest], in state: inout AppState) -> [Effect] {
    requests.map { request in
        let id = state.nextTransferID
        state.nextTransferID += 1
        state.transfers.append(TransferItem(id: id, request: request))
        return .startTransfer(id: id, request: request)
    }
}

/// `"a.txt" already exists in /home/anna`, the two sizes and dates, and the answers that apply.
func conflictText(_ conflict: Conflict, left: Int, state: AppState) -> String {
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

import Foundation
import FTPWire
import ScreenKit

// The transfer queue when it has the focus (`Q`): selecting, pausing, cancelling, retrying and removing transfers.

/// The keys of the transfer queue while it has the focus: they act on the selected transfer.
func handleQueue(_ key: Key, in state: inout AppState) -> [Effect] {
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
        case .failed, .cancelled:
            guard selected.isOver else {
                state.message = "It is still stopping: retry it once it has"
                return []
            }
            return [retry(&state, selected.id)]
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

/// `Q`: the queue takes the keys, when it holds transfers.
func focusQueue(_ state: inout AppState) -> [Effect] {
    guard !Layout.queueItems(state).isEmpty else {
        state.message = "No transfers to steer"
        return []
    }
    state.queueFocused = true
    state.queueCursor = min(state.queueCursor, Layout.queueItems(state).count - 1)
    return []
}

/// `x` in the panes: cancels the last transfer running (else the first waiting).
func cancelRunningTransfer(_ state: inout AppState) -> [Effect] {
    guard let running = state.transfers.last(where: { $0.state == .running }) ?? state.transfers.first(where: \.isActive) else { return [] }
    modifyTransfer(&state, running.id) { $0.state = .cancelled }
    return [.cancelTransfer(id: running.id)]
}

/// `R` in the panes: queues every failed transfer again.
func retryFailedTransfers(_ state: inout AppState) -> [Effect] {
    var effects: [Effect] = []
    for item in state.transfers {
        if case .failed = item.state { effects.append(retry(&state, item.id)) }
    }
    return effects
}

/// The id of the transfer selected in the queue, if any.
func selectedTransfer(_ state: AppState) -> Int? {
    let items = Layout.queueItems(state)
    return items.indices.contains(state.queueCursor) ? items[state.queueCursor].id : nil
}

extension Event {
    /// Whether the event is a key press.
    var isKey: Bool {
        if case .key = self { return true }
        return false
    }
}

/// Queues a finished transfer again, from the start, under a new id: what the last run still
/// reports is then not taken for this one's.
func retry(_ state: inout AppState, _ id: Int) -> Effect {
    guard let index = state.transfers.firstIndex(where: { $0.id == id }) else { return .cancelTransfer(id: id) }
    let again = TransferItem(id: state.nextTransferID, request: state.transfers[index].request)
    state.nextTransferID += 1
    state.transfers[index] = again
    return .startTransfer(id: again.id, request: again.request)
}

func modifyTransfer(_ state: inout AppState, _ id: Int, _ change: (inout TransferItem) -> Void) {
    guard let index = state.transfers.firstIndex(where: { $0.id == id }) else { return }
    change(&state.transfers[index])
}

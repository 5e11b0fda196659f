import FTPWire
import ScreenKit

// The folder tree (`t`): its keys (`KeyTable.tree`) while a pane shows it.

/// The tree's keys, while a pane shows it.
func handleTree(_ key: Key, in state: inout AppState) -> [Effect] {
    guard var tree = state.activePane.tree, let command = KeyTable.tree.command(for: key) else { return [] }
    let pane = state.active
    var effects: [Effect] = []
    switch command {
    case .up: tree.cursor = max(0, tree.cursor - 1)
    case .down: tree.cursor = min(tree.rows.count - 1, tree.cursor + 1)
    case .expand:
        if tree.expand() { effects = [.listFolders(pane: pane, location: tree.current.location)] }
    case .collapse: tree.collapse()
    case .open:
        state.panes[pane].tree = nil
        state.panes[pane].loading = true
        return [.list(pane: pane, location: tree.current.location, focus: nil)]
    case .close:
        state.panes[pane].tree = nil
        return []
    }
    let rows = Layout(state).listRows
    if tree.cursor < tree.top { tree.top = tree.cursor }
    if tree.cursor >= tree.top + rows { tree.top = tree.cursor - rows + 1 }
    state.panes[pane].tree = tree
    return effects
}

/// `t`: shows the active pane's folder as a tree, from the folders its listing holds.
func openTree(_ state: inout AppState) -> [Effect] {
    state.activePane.tree = FolderTree(root: state.activePane.location, folders: state.activePane.entries)
    return []
}

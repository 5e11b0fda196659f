import Foundation
import FTPWire
import ScreenKit

// The file viewer (F3) and the help screen (F1): scrolling, and the viewer's ranges of the file.

/// Scrolling and closing the viewer; near either end of the lines held, the next range of the
/// file is asked for, and Home and End far from them ask for the file's first or last range.
func handleViewer(_ key: Key, in state: inout AppState) -> [Effect] {
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
func viewerPage(_ state: AppState) -> Int { max(1, state.height - 3) }

/// The effect reading a range the viewer asked for.
func rangeEffect(_ request: Viewer.Request, of viewer: Viewer) -> Effect {
    .viewRange(pane: viewer.pane, location: viewer.location, entry: viewer.entry, offset: request.offset, length: request.length)
}

/// Scrolling and closing the help.
func handleHelp(_ key: Key, in state: inout AppState) {
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
func scrolled(_ top: Int, by command: ScrollCommand, page: Int, last: Int) -> Int {
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

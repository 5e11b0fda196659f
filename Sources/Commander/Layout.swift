/// Where everything goes on a screen of a given size: shared by `update` (which keeps the
/// cursor visible) and the views (which draw), so the two never disagree.
public struct Layout: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Rows of the two panes, borders included.
    public let paneHeight: Int
    /// Rows of the transfer queue, its header included; 0 without transfers.
    public let queueHeight: Int
    /// Rows of the log; 0 when hidden.
    public let logHeight: Int

    public init(_ state: AppState) {
        width = state.width
        height = state.height
        let available = max(0, height - 2)
        let shownTransfers = min(Self.queueItems(state).count, max(1, available / 4))
        queueHeight = shownTransfers == 0 ? 0 : shownTransfers + 1
        logHeight = state.showsLog ? max(3, (available - queueHeight) / 3) : 0
        paneHeight = max(3, available - queueHeight - logHeight)
    }

    /// The first column and the width of pane 0 or 1.
    public func pane(_ index: Int) -> (x: Int, width: Int) {
        let left = width / 2
        return index == 0 ? (0, left) : (left, width - left)
    }

    /// How many entries a pane shows: its height less the borders and the column header.
    public var listRows: Int { max(1, paneHeight - 3) }

    public var queueTop: Int { paneHeight }
    public var logTop: Int { paneHeight + queueHeight }
    public var statusRow: Int { height - 2 }
    public var keyBarRow: Int { height - 1 }

    /// How many lines of the help a screen `height` rows high shows at once: all but the
    /// dialog's borders, its footer and the blank line above it, and a row above and below.
    public static func helpRows(height: Int) -> Int { max(1, height - 6) }

    /// The transfers worth a row: running and queued ones, then the latest finished ones.
    public static func queueItems(_ state: AppState) -> [TransferItem] {
        let active = state.transfers.filter(\.isActive)
        let finished = state.transfers.filter { !$0.isActive }.suffix(3)
        return active + finished
    }
}

import FTPWire
import ScreenKit

/// A pane's folders as an indented tree: the pane's folder at the top, branches opened and
/// closed with the keys of `KeyTable.tree`, a server's branches listed when first opened.
public struct FolderTree: Equatable, Sendable {
    /// One folder of the tree.
    public struct Row: Equatable, Sendable {
        public let location: Location
        public let name: String
        public let depth: Int
        public var expanded: Bool
        /// Whether its folders are listed (or on their way).
        public var listed: Bool
    }

    public private(set) var rows: [Row]
    public var cursor = 0
    /// The first row shown: kept by `update`.
    public var top = 0

    /// A tree of `root` whose folders are `folders` (its listing, already known).
    init(root: Location, folders: [ListingEntry]) {
        rows = [Row(location: root, name: root.description, depth: 0, expanded: true, listed: true)]
        rows += Self.children(of: root, folders, depth: 1)
    }

    /// The row under the cursor.
    public var current: Row { rows[max(0, min(cursor, rows.count - 1))] }

    /// Shows the folders of the row at `location`, when it is open and waiting for them.
    mutating func insert(_ folders: [ListingEntry], under location: Location) {
        guard let index = rows.firstIndex(where: { $0.location == location }), rows[index].expanded else { return }
        let end = subtreeEnd(of: index)
        rows.replaceSubrange((index + 1)..<end, with: Self.children(of: location, folders, depth: rows[index].depth + 1))
    }

    /// Opens the row under the cursor; true when its folders must be listed first.
    mutating func expand() -> Bool {
        guard !rows[cursor].expanded else { return false }
        rows[cursor].expanded = true
        defer { rows[cursor].listed = true }
        return !rows[cursor].listed
    }

    /// Closes the row under the cursor, or goes to its parent when it is closed already.
    mutating func collapse() {
        if rows[cursor].expanded, cursor > 0 {
            rows.removeSubrange((cursor + 1)..<subtreeEnd(of: cursor))
            rows[cursor].expanded = false
            rows[cursor].listed = false
        } else if let parent = rows[..<cursor].lastIndex(where: { $0.depth < rows[cursor].depth }) {
            cursor = parent
        }
    }

    /// The index after the last descendant of row `index`.
    private func subtreeEnd(of index: Int) -> Int {
        rows[(index + 1)...].firstIndex { $0.depth <= rows[index].depth } ?? rows.count
    }

    /// Rows for the folders among `entries` (never `..`, nor names that could lead elsewhere).
    private static func children(of location: Location, _ entries: [ListingEntry], depth: Int) -> [Row] {
        entries.filter { $0.kind == .directory && $0.name != ".." && $0.hasSafeName }.sorted { $0.name < $1.name }.map {
            Row(location: location.appending($0), name: $0.name, depth: depth, expanded: false, listed: false)
        }
    }
}

/// Draws a pane's tree over its file rows.
func drawTree(_ tree: FolderTree, x: Int, width: Int, rows: Int, isActive: Bool, theme: Theme, on screen: inout Screen) {
    for row in 0..<rows {
        let index = tree.top + row
        guard index < tree.rows.count else { break }
        let folder = tree.rows[index]
        var style = theme[.entryDirectory]
        if isActive, index == tree.cursor { style = theme[.cursor].over(style) }
        let y = 2 + row
        screen.fill(x: x + 1, y: y, width: width - 2, height: 1, style: style)
        let branch = folder.depth == 0 ? "" : folder.expanded ? "▾ " : "▸ "
        let indent = String(repeating: "  ", count: max(0, folder.depth - 1) + (folder.depth > 0 ? 1 : 0))
        screen.write(" " + indent + branch + Sanitizer.visible(folder.name), x: x + 1, y: y, limit: width - 2, style: style)
    }
}

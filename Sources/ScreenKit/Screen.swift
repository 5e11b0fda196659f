/// One character cell of the screen.
public struct Cell: Hashable, Sendable {
    /// What the cell shows: a scalar of width 1 or 2 with any zero-width scalars after it, or
    /// empty for the second column of a wide character.
    public var text: String
    public var style: Style

    public init(text: String = " ", style: Style = .plain) {
        self.text = text
        self.style = style
    }

    /// Whether this cell is the right half of a wide character.
    public var isContinuation: Bool { text.isEmpty }
}

/// A grid of cells: what the terminal should show, built in memory and compared with the last
/// one so that only changes are drawn.
public struct Screen: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, style: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(style: style), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Fills a rectangle with blanks in `style`.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, style: Style) {
        for row in max(0, y)..<min(self.height, y + height) {
            for column in max(0, x)..<min(self.width, x + width) {
                self[column, row] = Cell(style: style)
            }
        }
    }

    /// Writes `text` from column `x` of row `y`, in at most `limit` columns (to the right edge
    /// when nil). Text that does not fit ends in `…`. A wide character never straddles the limit.
    /// Control characters are drawn as `?`: callers should have made them visible already.
    /// Returns the columns written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, limit: Int? = nil, style: Style) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let available = min(limit ?? (width - x), width - x)
        guard available > 0 else { return 0 }
        let clipped = DisplayWidth.of(text) > available
        let room = clipped ? available - 1 : available
        var column = x
        for scalar in text.unicodeScalars {
            var scalarWidth = DisplayWidth.of(scalar)
            var shown = String(scalar)
            if scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) {
                shown = "?"
                scalarWidth = 1
            }
            if scalarWidth == 0 {
                // A combining mark joins the character before it.
                if column > x, column - 1 < width {
                    var previous = column - 1
                    if self[previous, y].isContinuation, previous > x { previous -= 1 }
                    self[previous, y].text.unicodeScalars.append(scalar)
                }
                continue
            }
            guard column - x + scalarWidth <= room else { break }
            if column >= 0 {
                self[column, y] = Cell(text: shown, style: style)
                if scalarWidth == 2 { self[column + 1, y] = Cell(text: "", style: style) }
            }
            column += scalarWidth
        }
        if clipped {
            // Pad a gap left by a wide character that did not fit, then the ellipsis.
            while column < x + available - 1 {
                self[column, y] = Cell(style: style)
                column += 1
            }
            self[column, y] = Cell(text: "…", style: style)
            column += 1
        }
        return column - x
    }

    /// The screen as text, one line per row with trailing blanks removed: for snapshot tests.
    public func dump() -> String {
        var lines: [String] = []
        for row in 0..<height {
            var line = ""
            for column in 0..<width { line += self[column, row].text }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A run of changed cells on one row.
    public struct Change: Equatable, Sendable {
        public let x: Int
        public let y: Int
        public let cells: [Cell]

        public init(x: Int, y: Int, cells: [Cell]) {
            self.x = x
            self.y = y
            self.cells = cells
        }
    }

    /// The runs of cells that differ between `old` and `self`; everything when `old` is nil or of
    /// another size. A run never starts on the right half of a wide character.
    public func changes(since old: Screen?) -> [Change] {
        let everything = old == nil || old?.width != width || old?.height != height
        var result: [Change] = []
        for row in 0..<height {
            var column = 0
            while column < width {
                if !everything, let old, old[column, row] == self[column, row] {
                    column += 1
                    continue
                }
                var start = column
                if self[start, row].isContinuation, start > 0 { start -= 1 }
                var end = column + 1
                while end < width, everything || old?[end, row] != self[end, row] || self[end, row].isContinuation { end += 1 }
                result.append(Change(x: start, y: row, cells: Array(cells[(row * width + start)..<(row * width + end)])))
                column = end
            }
        }
        return result
    }
}

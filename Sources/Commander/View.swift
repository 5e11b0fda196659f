import Foundation
import FTPWire
import ScreenKit

/// Draws the whole commander for a state: panes, queue, log, status line, key bar and any dialog.
/// Pure: the same state and theme always give the same screen.
public func render(_ state: AppState, theme: Theme) -> Screen {
    var screen = Screen(width: state.width, height: state.height, style: theme[.background])
    guard state.width >= 20, state.height >= 6 else {
        screen.write("Ferry needs at least 20×6", x: 0, y: 0, style: theme[.statusError])
        return screen
    }
    if let viewer = state.viewer {
        drawViewer(viewer, theme: theme, on: &screen)
        return screen
    }
    let layout = Layout(state)
    for index in state.panes.indices {
        drawPane(state, index, layout: layout, theme: theme, on: &screen)
    }
    drawQueue(state, layout: layout, theme: theme, on: &screen)
    drawLog(state, layout: layout, theme: theme, on: &screen)
    drawStatus(state, layout: layout, theme: theme, on: &screen)
    drawKeyBar(state, layout: layout, theme: theme, on: &screen)
    if let dialog = state.dialog { drawDialog(dialog, theme: theme, on: &screen) }
    return screen
}

// MARK: Panes

private func drawPane(_ state: AppState, _ index: Int, layout: Layout, theme: Theme, on screen: inout Screen) {
    let pane = state.panes[index]
    let (x, width) = layout.pane(index)
    let height = layout.paneHeight
    let isActive = index == state.active
    drawBox(x: x, y: 0, width: width, height: height, style: theme[.paneBorder], on: &screen)
    // The title: the location; the active pane's in brackets and highlighted.
    let decoration = isActive ? ("[ ", " ]") : ("  ", "  ")
    let spinner = ["|", "/", "-", "\\"][state.spinnerFrame % 4]
    let where_ = keepingEnd(pane.location.description + (pane.loading ? " " + spinner : ""), width: width - 8)
    let title = decoration.0 + where_ + decoration.1
    let titleWidth = min(DisplayWidth.of(title), width - 4)
    screen.write(title, x: x + max(2, (width - titleWidth) / 2), y: 0, limit: width - 4, style: isActive ? theme[.paneTitleActive] : theme[.paneTitle])

    let inner = width - 2
    let columns = Columns(width: inner)
    screen.write(" Name", x: x + 1, y: 1, limit: columns.name, style: theme[.paneHeader])
    screen.write(pad("Size", columns.size, right: true), x: x + 1 + columns.name, y: 1, style: theme[.paneHeader])
    if columns.date > 0 {
        screen.write(" Modified", x: x + 1 + columns.name + columns.size, y: 1, limit: columns.date + 1, style: theme[.paneHeader])
    }

    let rows = layout.listRows
    if let tree = pane.tree {
        drawTree(tree, x: x, width: width, rows: rows, isActive: isActive, theme: theme, on: &screen)
        return
    }
    if let error = pane.error, pane.rows.isEmpty {
        screen.write(" " + Sanitizer.visible(error), x: x + 1, y: 2, limit: inner, style: theme[.statusError])
    }
    for row in 0..<rows {
        let index = pane.top + row
        guard index < pane.rows.count else { break }
        let entry = pane.rows[index]
        let isParent = pane.hasParentRow && index == 0
        var style = theme[entryRole(entry)]
        let isMarked = pane.isMarked(row: index)
        if isMarked { style = theme[.entryMarked].over(style) }
        if isActive, index == pane.cursor { style = theme[.cursor].over(style) }
        let y = 2 + row
        screen.fill(x: x + 1, y: y, width: inner, height: 1, style: style)
        let marker = isMarked ? "*" : " "
        let prefix = entry.kind == .directory ? "/" : entry.kind == .link ? "@" : entry.kind == .other ? "|" : " "
        let name = shortenedInTheMiddle(Sanitizer.visible(entry.name), width: columns.name - 2)
        screen.write(marker + prefix + name, x: x + 1, y: y, limit: columns.name, style: style)
        screen.write(pad(isParent ? "UP--DIR" : sizeText(entry), columns.size, right: true), x: x + 1 + columns.name, y: y, style: style)
        if columns.date > 0, !isParent {
            screen.write(" " + dateText(entry.modified, now: state.now, timeZone: state.timeZone), x: x + 1 + columns.name + columns.size, y: y, limit: columns.date + 1, style: style)
        }
    }
    // The bottom border: a quick search, or where the cursor is and what is marked.
    let footer: String
    if let search = pane.quickSearch {
        footer = " search: \(Sanitizer.visible(search))_ "
    } else if !pane.marked.isEmpty {
        footer = " \(markedText(pane)) "
    } else {
        footer = " \(pane.rows.isEmpty ? 0 : pane.cursor + 1)/\(pane.rows.count) "
    }
    screen.write(footer, x: x + max(1, width - DisplayWidth.of(footer) - 2), y: height - 1, limit: width - 2, style: theme[.paneBorder])
}

/// The widths of the name, size and date columns inside a pane.
private struct Columns {
    let name: Int
    let size: Int
    let date: Int

    init(width: Int) {
        size = 8
        date = width >= 34 ? 12 : 0
        name = max(4, width - size - (date > 0 ? date + 1 : 0))
    }
}

private func entryRole(_ entry: ListingEntry) -> Role {
    switch entry.kind {
    case .directory: .entryDirectory
    case .link: .entryLink
    case .other: .entryOther
    case .file: .entryFile
    }
}

private func sizeText(_ entry: ListingEntry) -> String {
    switch entry.kind {
    case .directory: "<DIR>"
    case .link: entry.size.map(humanSize) ?? "->"
    default: entry.size.map(humanSize) ?? ""
    }
}

/// `999`, `4.0K`, `12M`, `1.5G`: at most 6 characters.
func humanSize(_ bytes: UInt64) -> String {
    if bytes < 1000 { return "\(bytes)" }
    let units = ["K", "M", "G", "T", "P", "E"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return value < 10 ? String(format: "%.1f%@", value, units[unit]) : "\(Int(value.rounded()))\(units[unit])"
}

/// What is marked in a pane: `2 marked, 12K`.
private func markedText(_ pane: PaneState) -> String {
    "\(pane.marked.count) marked, \(humanSize(pane.markedSize))"
}

/// A rate in whole bytes: 0 for anything not a finite positive number, the largest for too large.
private func wholeBytes(_ rate: Double) -> UInt64 {
    guard rate.isFinite, rate > 0 else { return 0 }
    return rate < 0x1p64 ? UInt64(rate) : .max
}

/// `Nov 25 14:35` within half a year of `now`, else `Nov 25  2024`.
func dateText(_ date: Date?, now: Date, timeZone: TimeZone) -> String {
    guard let date, ListingEntry.isInTimeRange(date) else { return "" }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let month = months[max(0, min(11, (parts.month ?? 1) - 1))]
    let day = String(format: "%2d", parts.day ?? 1)
    if abs(now.timeIntervalSince(date)) < 182 * 86_400 {
        return "\(month) \(day) " + String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
    return "\(month) \(day)  \(parts.year ?? 0)"
}

// MARK: Queue, log, status, keys

private func drawQueue(_ state: AppState, layout: Layout, theme: Theme, on screen: inout Screen) {
    guard layout.queueHeight > 0 else { return }
    let items = Layout.queueItems(state)
    let running = state.transfers.filter { $0.state == .running }
    let queued = state.transfers.filter { $0.state == .queued }.count
    let hint = state.queueFocused ? "p pause, x cancel, R retry, Del remove, Esc panes" : "Q steer, x cancel, R retry"
    let active = state.transfers.filter(\.isActive)
    let header = " Transfers: \(running.count) running, \(queued) queued   " + (active.isEmpty ? "" : totalText(active) + "   ") + hint
    screen.fill(x: 0, y: layout.queueTop, width: state.width, height: 1, style: theme[.queueHeader])
    screen.write(header, x: 0, y: layout.queueTop, limit: state.width, style: theme[.queueHeader])
    // The rows shown keep the selected one in view.
    let rows = layout.queueHeight - 1
    let first = state.queueFocused ? max(0, min(state.queueCursor - rows + 1, items.count - rows)) : 0
    for (row, item) in items.dropFirst(first).prefix(rows).enumerated() {
        let y = layout.queueTop + 1 + row
        drawTransfer(item, y: y, width: state.width, theme: theme, on: &screen)
        if state.queueFocused, first + row == state.queueCursor { screen.write(">", x: 0, y: y, style: theme[.queueHeader]) }
    }
}

/// `Total 1.2M/3.0M  512K/s  ETA 0:04` of the transfers still to finish: the sizes added up
/// without overflowing, the rates (each smoothed by the engine's meter) added up.
private func totalText(_ items: [TransferItem]) -> String {
    let add = { (a: UInt64, b: UInt64) -> UInt64 in
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
    let done = items.reduce(UInt64(0)) { add($0, $1.completedBytes) }
    let known = items.allSatisfy { $0.totalBytes != nil }
    let all = items.reduce(UInt64(0)) { add($0, max($1.totalBytes ?? 0, $1.completedBytes)) }
    let rate = items.filter { $0.state == .running && !$0.paused }.reduce(UInt64(0)) { add($0, wholeBytes($1.bytesPerSecond)) }
    var text = "Total \(humanSize(done))/\(known ? humanSize(all) : "?")  \(humanSize(rate))/s"
    if known, rate > 0, all > done {
        let seconds = Int(min(Double(all - done) / Double(rate), 359_999))
        text += String(format: "  ETA %d:%02d", seconds / 60, seconds % 60)
    }
    return text
}

/// `↓ name  [#####-----]  45%  28M/64M  12M/s  ETA 0:03`, or the outcome of a finished transfer.
private func drawTransfer(_ item: TransferItem, y: Int, width: Int, theme: Theme, on screen: inout Screen) {
    let arrow = switch item.request.direction {
    case .download: "↓"
    case .upload: "↑"
    case .serverToServer: "→"
    }
    let nameWidth = max(10, width / 3)
    let name = shortenedInTheMiddle(Sanitizer.visible(item.currentName ?? item.request.entry.name), width: nameWidth - 3)
    screen.write(" \(arrow) " + name, x: 0, y: y, limit: nameWidth, style: theme[.queueText])
    var x = nameWidth + 1
    switch item.state {
    case .failed(let reason):
        screen.write("failed: " + Sanitizer.visible(reason), x: x, y: y, style: theme[.queueFailed])
        return
    case .done where item.skippedFiles > 0 && item.completedBytes == 0:
        screen.write("skipped: it exists", x: x, y: y, style: theme[.queueText])
        return
    case .done:
        let skipped = item.skippedFiles > 0 ? ", \(item.skippedFiles) skipped" : ""
        screen.write("done  \(humanSize(item.completedBytes))" + skipped + (item.verified ? "  ✓ verified" : ""), x: x, y: y, style: theme[.queueText])
        return
    case .cancelled:
        screen.write("cancelled", x: x, y: y, style: theme[.queueText])
        return
    case .queued:
        screen.write("queued", x: x, y: y, style: theme[.queueText])
        return
    case .running where item.paused:
        screen.write("paused  \(humanSize(item.completedBytes))/\(item.totalBytes.map(humanSize) ?? "?")", x: x, y: y, style: theme[.queueText])
        return
    case .running:
        break
    }
    let fraction = item.totalBytes.map { $0 == 0 ? 1 : min(1, Double(item.completedBytes) / Double($0)) }
    let barWidth = max(4, min(20, width - x - 40))
    let filled = Int((fraction ?? 0) * Double(barWidth))
    screen.write(String(repeating: "#", count: filled), x: x, y: y, style: theme[.progressDone])
    screen.write(String(repeating: "-", count: barWidth - filled), x: x + filled, y: y, style: theme[.progressTodo])
    x += barWidth + 1
    var text = fraction.map { String(format: "%3d%%", Int($0 * 100)) } ?? "   ?"
    text += "  \(humanSize(item.completedBytes))/\(item.totalBytes.map(humanSize) ?? "?")"
    text += "  \(humanSize(wholeBytes(item.bytesPerSecond)))/s"
    if let total = item.totalBytes, item.bytesPerSecond > 0, total > item.completedBytes {
        let seconds = Int(min(Double(total - item.completedBytes) / item.bytesPerSecond, 359_999))
        text += String(format: "  ETA %d:%02d", seconds / 60, seconds % 60)
    }
    screen.write(text, x: x, y: y, style: theme[.queueText])
}

private func drawLog(_ state: AppState, layout: Layout, theme: Theme, on screen: inout Screen) {
    guard layout.logHeight > 0 else { return }
    drawBox(x: 0, y: layout.logTop, width: state.width, height: layout.logHeight, style: theme[.paneBorder], on: &screen)
    screen.write(" FTP log ", x: 2, y: layout.logTop, style: theme[.paneTitle])
    let visible = state.log.suffix(max(0, layout.logHeight - 2))
    for (row, line) in visible.enumerated() {
        screen.write(Sanitizer.visible(line), x: 1, y: layout.logTop + 1 + row, limit: state.width - 2, style: theme[.log])
    }
}

private func drawStatus(_ state: AppState, layout: Layout, theme: Theme, on screen: inout Screen) {
    let pane = state.activePane
    var text: String
    var style = theme[.status]
    if let message = state.message {
        text = Sanitizer.visible(message)
        style = theme[.statusError]
    } else if let entry = pane.current {
        text = Sanitizer.visible(entry.name)
        if let target = entry.target { text += " -> " + Sanitizer.visible(target) }
        if let permissions = entry.permissions { text = permissions + "  " + text }
    } else {
        text = pane.location.description
    }
    if state.message == nil, !pane.marked.isEmpty { text = markedText(pane) + "   " + text }
    if state.escapePending { text = "Esc: press a digit for an F-key" }
    screen.fill(x: 0, y: layout.statusRow, width: state.width, height: 1, style: style)
    screen.write(" " + text, x: 0, y: layout.statusRow, style: style)
}

private func drawKeyBar(_ state: AppState, layout: Layout, theme: Theme, on screen: inout Screen) {
    let actions = (1...10).map { state.keymap.action(for: .function($0)) }
    let slot = state.width / 10
    for (index, action) in actions.enumerated() {
        let x = index * slot
        let key = "\(index + 1)"
        screen.write(key, x: x, y: layout.keyBarRow, style: theme[.keyBarKey])
        let labelWidth = (index == 9 ? state.width - x : slot) - key.count
        screen.fill(x: x + key.count, y: layout.keyBarRow, width: labelWidth, height: 1, style: theme[.keyBarLabel])
        // The full label where it leaves a gap before the next key, else the short one.
        let full = action?.label ?? ""
        let label = DisplayWidth.of(full) < labelWidth || index == 9 ? full : action?.shortLabel ?? ""
        screen.write(label, x: x + key.count, y: layout.keyBarRow, limit: labelWidth, style: theme[.keyBarLabel])
    }
}

// MARK: Viewer

private func drawViewer(_ viewer: Viewer, theme: Theme, on screen: inout Screen) {
    let rows = screen.height - 2
    let title = " \(viewer.title)  \(viewer.isHex ? "hex" : "text")  \(viewerPosition(viewer, rows: rows)) "
    screen.fill(x: 0, y: 0, width: screen.width, height: 1, style: theme[.paneTitleActive])
    screen.write(title, x: 0, y: 0, style: theme[.paneTitleActive])
    for row in 0..<rows {
        let index = viewer.top + row
        guard index < viewer.lines.count else { break }
        screen.write(viewer.lines[index], x: 0, y: 1 + row, style: theme[.entryFile])
    }
    if viewer.isEmpty { screen.write("Reading…", x: 0, y: 1, style: theme[.entryFile]) }
    let state = viewer.failure.map(Sanitizer.visible) ?? (viewer.request != nil ? "reading…" : "")
    let footer = " Up/Down PgUp/PgDn Home/End   " + closingHint(.viewer) + (state.isEmpty ? "" : "   " + state)
    screen.fill(x: 0, y: screen.height - 1, width: screen.width, height: 1, style: theme[.keyBarLabel])
    screen.write(footer, x: 0, y: screen.height - 1, style: theme[.keyBarLabel])
}

/// How far into the file the page shown reaches: `12% of 40 MiB`, or the bytes read so far
/// when the listing gave no size.
private func viewerPosition(_ viewer: Viewer, rows: Int) -> String {
    let reach = viewer.reach(rows: rows)
    guard let size = viewer.size, size > 0 else { return humanSize(reach) }
    let percent = viewer.reachedEnd && viewer.top + rows >= viewer.lines.count ? 100 : min(100, Int(Double(reach) / Double(size) * 100))
    return "\(percent)% of \(humanSize(size))"
}

// MARK: Dialogs

private func drawDialog(_ dialog: Dialog, theme: Theme, on screen: inout Screen) {
    var lines = dialog.message.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).replacingOccurrences(of: "\t", with: "  ") }
    // The help keeps one width while it scrolls: that of its widest line.
    var widest = 0
    switch dialog.kind {
    case .input(let text, let secret):
        lines.append("")
        lines.append(endOfInput(secret ? String(repeating: "*", count: text.count) : Sanitizer.visible(text), width: screen.width - 8))
        lines.append("")
        lines.append("Enter: OK   Esc: cancel")
    case .confirm:
        lines.append("")
        lines.append("Enter: yes   Esc: no")
    case .message:
        lines.append("")
        lines.append("Any key closes")
    case .help:
        // A window on the lines, scrolled by `update`; lines are not wrapped, so that each is one row.
        let rows = Layout.helpRows(height: screen.height)
        let top = max(0, min(dialog.top, lines.count - rows))
        widest = lines.map(DisplayWidth.of).max() ?? 0
        let shown = Array(lines[top..<min(lines.count, top + rows)])
        let position = "\(top + 1)-\(top + shown.count) of \(lines.count)"
        lines = shown + ["", position + "   Up/Down PgUp/PgDn scroll   " + closingHint(.help)]
    case .certificate, .editConflict, .unfinishedTransfers, .conflict:
        break
    }
    if dialog.kind != .help { lines = lines.flatMap { wrap($0, width: screen.width - 8) } }
    let width = min(screen.width - 4, max(30, max(widest, lines.map(DisplayWidth.of).max() ?? 0) + 4))
    let height = min(screen.height - 2, lines.count + 2)
    let x = (screen.width - width) / 2
    let y = max(0, (screen.height - height) / 2)
    screen.fill(x: x, y: y, width: width, height: height, style: theme[.dialog])
    drawBox(x: x, y: y, width: width, height: height, style: theme[.dialog], on: &screen)
    screen.write(" \(dialog.title) ", x: x + 2, y: y, limit: width - 4, style: theme[.dialogTitle])
    for (row, line) in lines.prefix(height - 2).enumerated() {
        var style = theme[.dialog]
        if case .input = dialog.kind, row == lines.count - 3 {
            style = theme[.dialogInput]
            screen.fill(x: x + 2, y: y + 1 + row, width: width - 4, height: 1, style: style)
        }
        screen.write(line, x: x + 2, y: y + 1 + row, limit: width - 4, style: style)
    }
}

/// `q, Esc or F3 closes`: the first three closing keys of a table.
private func closingHint(_ table: KeyTable<ScrollCommand>) -> String {
    let keys = table.bindings.filter { $0.command == .close }.flatMap(\.keys).prefix(3).map(Keymap.name)
    return keys.dropLast().joined(separator: ", ") + (keys.count > 1 ? " or " : "") + (keys.last ?? "") + " closes"
}

private func drawBox(x: Int, y: Int, width: Int, height: Int, style: Style, on screen: inout Screen) {
    guard width >= 2, height >= 2 else { return }
    let horizontal = String(repeating: "─", count: width - 2)
    screen.write("┌" + horizontal + "┐", x: x, y: y, style: style)
    screen.write("└" + horizontal + "┘", x: x, y: y + height - 1, style: style)
    for row in (y + 1)..<(y + height - 1) {
        screen.write("│", x: x, y: row, style: style)
        screen.write("│", x: x + width - 1, y: row, style: style)
    }
}

/// A typed line that fits `width` columns: its end, where typing shows, after `…` when the start
/// is cut off.
private func endOfInput(_ text: String, width: Int) -> String {
    guard width > 1, DisplayWidth.of(text) > width else { return text }
    var end: [Character] = []
    var used = 0
    for character in text.reversed() {
        let columns = DisplayWidth.of(String(character))
        guard used + columns <= width - 1 else { break }
        used += columns
        end.append(character)
    }
    return "…" + String(end.reversed())
}

/// A line broken at spaces into lines of at most `width` columns (a word longer than that is
/// clipped when drawn).
private func wrap(_ line: String, width: Int) -> [String] {
    guard width > 10, DisplayWidth.of(line) > width else { return [line] }
    var lines: [String] = []
    var current = ""
    for word in line.split(separator: " ", omittingEmptySubsequences: false) {
        let candidate = current.isEmpty ? String(word) : current + " " + word
        if DisplayWidth.of(candidate) > width, !current.isEmpty {
            lines.append(current)
            current = String(word)
        } else {
            current = candidate
        }
    }
    lines.append(current)
    return lines
}

/// A name too wide for `width` columns, shortened in the middle: its start, an ellipsis and its
/// end, which keeps the extension (`.tar.gz` too) where it fits, so that
/// `a-very-long-archive-name-backup-2026.tar.gz` becomes `a-very-long-archive-na…2026.tar.gz`.
/// Measured in display columns: a wide glyph that does not fit whole is left out.
public func shortenedInTheMiddle(_ name: String, width: Int) -> String {
    guard width > 0, DisplayWidth.of(name) > width else { return name }
    let room = width - 1
    let extensionWidth = DisplayWidth.of(String(fileExtension(of: name)))
    let tailBudget = extensionWidth <= room - 2 ? max(extensionWidth, room / 3) : room / 3
    let (tail, tailWidth) = end(of: name, fitting: tailBudget)
    var used = tailWidth
    var head = ""
    for character in name {
        let characterWidth = DisplayWidth.of(String(character))
        guard used + characterWidth <= room else { break }
        head.append(character)
        used += characterWidth
    }
    return head + "…" + tail
}

/// The end of a name that says what kind of file it is: `.gz`, or `.tar.gz` when the part before
/// is a short word too; empty for names without one (and for dot files such as `.profile`).
private func fileExtension(of name: String) -> Substring {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count > 1, !(parts.count == 2 && parts[0].isEmpty) else { return "" }
    func isExtension(_ part: Substring) -> Bool {
        (1...10).contains(part.count) && part.allSatisfy { $0.isLetter || $0.isNumber }
    }
    guard let last = parts.last, isExtension(last) else { return "" }
    let before = parts[parts.count - 2]
    let count = parts.count > 2 && (1...4).contains(before.count) && before.allSatisfy(\.isLetter) ? 2 : 1
    return name.suffix(parts.suffix(count).reduce(0) { $0 + $1.count + 1 })
}

/// The end of a text that is too wide, after an ellipsis: paths are read from the right.
private func keepingEnd(_ text: String, width: Int) -> String {
    guard width > 1, DisplayWidth.of(text) > width else { return text }
    return "…" + end(of: text, fitting: width - 1).text
}

/// The longest end of `text` that fits `width` display columns, and the columns it takes; a wide
/// glyph that does not fit whole is left out.
private func end(of text: String, fitting width: Int) -> (text: String, width: Int) {
    var kept = ""
    var used = 0
    for character in text.reversed() {
        let characterWidth = DisplayWidth.of(String(character))
        guard used + characterWidth <= width else { break }
        kept.insert(character, at: kept.startIndex)
        used += characterWidth
    }
    return (kept, used)
}

private func pad(_ text: String, _ width: Int, right: Bool) -> String {
    let gap = String(repeating: " ", count: max(0, width - DisplayWidth.of(text)))
    return right ? gap + text : text + gap
}

import Foundation
import FTPWire

/// Where a pane is: a local folder, or a directory on a server.
public enum Location: Hashable, Sendable, CustomStringConvertible {
    /// An absolute local path.
    case local(String)
    /// A site (its URL without password and path, such as `ftp://anna@example.org`) and an
    /// absolute path on it.
    case remote(site: String, path: RemotePath)

    /// The location as a person reads it: a path, or a URL without the password. Control
    /// characters are made visible.
    public var description: String {
        switch self {
        case .local(let path): Sanitizer.visible(path)
        case .remote(let site, let path): Sanitizer.visible(site + (path.bytes.first == UInt8(ascii: "/") ? "" : "/") + path.description)
        }
    }

    /// Whether this is the top of its tree.
    public var isRoot: Bool {
        switch self {
        case .local(let path): path == "/"
        case .remote(_, let path): path.bytes == [UInt8(ascii: "/")] || path.isEmpty
        }
    }

    /// The location one level up.
    public var parent: Location {
        switch self {
        case .local(let path):
            let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            guard let slash = trimmed.lastIndex(of: "/") else { return self }
            return .local(slash == trimmed.startIndex ? "/" : String(trimmed[..<slash]))
        case .remote(let site, let path):
            var bytes = path.bytes
            if bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return self }
            return .remote(site: site, path: RemotePath(bytes: slash == 0 ? [UInt8(ascii: "/")] : Array(bytes[..<slash])))
        }
    }

    /// The location of an entry inside this one.
    public func appending(_ entry: ListingEntry) -> Location {
        switch self {
        case .local(let path): .local(path.hasSuffix("/") ? path + entry.name : path + "/" + entry.name)
        case .remote(let site, let path): .remote(site: site, path: path.appending(entry.remoteName))
        }
    }

    /// The last component's name as its bytes, to put the cursor on when coming back up.
    public var lastName: RemotePath {
        switch self {
        case .local(let path): RemotePath(String(path.split(separator: "/").last ?? "/"))
        case .remote(_, let path): path.lastComponent
        }
    }

    /// The site of a remote location; nil for a local one.
    public var site: String? {
        if case .remote(let site, _) = self { return site }
        return nil
    }

    /// The path as text: a local path, or a server path decoded for showing and typing.
    public var absolutePath: String? {
        switch self {
        case .local(let path): path
        case .remote(_, let path): path.description
        }
    }

    /// Whether the location is on a server.
    public var isRemote: Bool {
        if case .remote = self { return true }
        return false
    }
}

/// How a pane orders its entries; directories always come first.
public enum SortKey: String, Sendable, CaseIterable {
    case name, size, time
}

/// One pane: where it is, what is there, and where the cursor stands.
public struct PaneState: Equatable, Sendable {
    public var location: Location
    /// Everything the last listing returned.
    public private(set) var entries: [ListingEntry] = []
    /// The entries shown, sorted and filtered, after the `..` row when there is one.
    public private(set) var rows: [ListingEntry] = []
    /// The name of each row as the server's bytes (`rows[i].remoteName`) while anything is marked,
    /// else empty: marks are looked up by them on every frame, and each costs an allocation to make.
    private var rowNames: [RemotePath] = []
    /// Whether the first row is `..`.
    public private(set) var hasParentRow = false
    public var cursor = 0
    /// The first row shown: kept by `update`, never by drawing.
    public var top = 0
    /// The marked entries, by their names' bytes: two names that differ in bytes but compare
    /// equal as `String`s (NFC and NFD "é") are two entries, and marking one marks only it. Only
    /// rows shown are marked: a new listing, or hiding dot files, drops the marks of the rest.
    public var marked: Set<RemotePath> = [] {
        didSet {
            if marked.isEmpty { rowNames = [] } else if rowNames.count != rows.count { rowNames = rows.map(\.remoteName) }
        }
    }
    public private(set) var sort = SortKey.name
    public private(set) var reversed = false
    public private(set) var showsHidden = false
    public var loading = false
    /// Whether the listing shown could not be read whole: a name it does not show may exist.
    public var isIncomplete = false
    /// Whether the listing on its way was cancelled (Esc) and is to be dropped when it comes.
    public var discardsListing = false
    public var error: String?
    /// The text typed so far in a quick search, or nil.
    public var quickSearch: String?
    /// The folders shown as a tree instead of the files, or nil.
    public var tree: FolderTree?

    public init(location: Location) {
        self.location = location
    }

    /// The entry under the cursor; nil on `..` or in an empty pane.
    public var current: ListingEntry? {
        guard cursor >= 0, cursor < rows.count, !(hasParentRow && cursor == 0) else { return nil }
        return rows[cursor]
    }

    /// Whether the row at `index` is marked (the `..` row never is).
    public func isMarked(row index: Int) -> Bool {
        guard !marked.isEmpty, !(hasParentRow && index == 0) else { return false }
        return marked.contains(index < rowNames.count ? rowNames[index] : rows[index].remoteName)
    }

    /// The marked entries, or the one under the cursor when nothing is marked.
    public var selection: [ListingEntry] {
        let marked = rows.indices.filter(isMarked).map { rows[$0] }
        if !marked.isEmpty { return marked }
        return current.map { [$0] } ?? []
    }

    /// The sizes of the marked entries added up. Sizes come from a server: a sum past what
    /// `UInt64` holds stops at its largest value rather than overflowing.
    public var markedSize: UInt64 {
        rows.indices.reduce(UInt64(0)) { sum, index in
            guard isMarked(row: index) else { return sum }
            let (total, overflow) = sum.addingReportingOverflow(rows[index].size ?? 0)
            return overflow ? .max : total
        }
    }

    /// Replaces the entries, putting the cursor on `focus` (a name) when it is there; a new
    /// location without a focus starts at the top.
    public mutating func show(_ entries: [ListingEntry], at location: Location, focus: RemotePath?) {
        if location != self.location {
            cursor = 0
            top = 0
            marked = []
        }
        quickSearch = nil
        self.location = location
        self.entries = entries
        loading = false
        isIncomplete = false
        error = nil
        rebuildRows(focus: focus)
    }

    /// Changes the order; the cursor stays on its entry.
    public mutating func setSort(_ key: SortKey, reversed: Bool) {
        sort = key
        self.reversed = reversed
        rebuildRows(focus: current?.remoteName)
    }

    /// Shows or hides dot files; the cursor stays on its entry where it can.
    public mutating func setShowsHidden(_ shows: Bool) {
        showsHidden = shows
        rebuildRows(focus: current?.remoteName)
    }

    private mutating func rebuildRows(focus: RemotePath?) {
        // Sorting indices against arrays of keys moves small integers and copies no entries: it
        // matters at 100,000 entries.
        let all = entries
        // Names order by their bytes, as the server sent them: two names that look alike (NFC and
        // NFD) stay apart and in one order, and a comparison is a memcmp rather than Unicode's.
        let directories = all.map { $0.kind == .directory }
        // A name read as Latin-1 starts with a dot where its bytes do.
        var order = all.indices.filter { showsHidden || all[$0].name.utf8.first != UInt8(ascii: ".") }
        // Directories first; then by the key, with names breaking ties; `reversed` swaps the pair.
        NameOrder(all).withPrecedes { precedes in
            switch sort {
            case .name:
                order.sort { a, b in
                    if directories[a] != directories[b] { return directories[a] }
                    let (x, y) = reversed ? (b, a) : (a, b)
                    return precedes(x, y)
                }
            case .size:
                let sizes = all.map { $0.size ?? 0 }
                order.sort { a, b in
                    if directories[a] != directories[b] { return directories[a] }
                    let (x, y) = reversed ? (b, a) : (a, b)
                    return sizes[x] == sizes[y] ? precedes(x, y) : sizes[x] < sizes[y]
                }
            case .time:
                let times = all.map { $0.modified ?? .distantPast }
                order.sort { a, b in
                    if directories[a] != directories[b] { return directories[a] }
                    let (x, y) = reversed ? (b, a) : (a, b)
                    return times[x] == times[y] ? precedes(x, y) : times[x] < times[y]
                }
            }
        }
        hasParentRow = !location.isRoot
        var rows: [ListingEntry] = []
        rows.reserveCapacity(order.count + 1)
        if hasParentRow { rows.append(ListingEntry(name: "..", kind: .directory)) }
        for index in order { rows.append(all[index]) }
        self.rows = rows
        if !marked.isEmpty {
            rowNames = rows.map(\.remoteName)
            let shown = Set(rowNames.dropFirst(hasParentRow ? 1 : 0))
            marked = marked.filter(shown.contains)
        }
        // By the name's bytes, as marks are: NFC and NFD "é" are two files, though equal as Strings.
        if let focus, let index = rows.firstIndex(where: { $0.isNamed(focus) }) {
            cursor = index
        } else {
            cursor = min(cursor, max(0, rows.count - 1))
        }
    }
}

/// The order of names by their bytes, for sorting many: the names lie end to end in one buffer and
/// the first eight bytes of each are kept as one number, so that a comparison retains nothing and
/// most touch no bytes at all.
private struct NameOrder {
    private let storage: [UInt8]
    private let starts: [Int]
    private let prefixes: [UInt64]

    /// The order of the entries' names, as the server's bytes. Nearly every name is ASCII, whose
    /// bytes are its text's UTF-8 (a name read as Latin-1 has a character past ASCII), and is
    /// copied from the text without making an array for it.
    init(_ entries: [ListingEntry]) {
        var storage: [UInt8] = []
        storage.reserveCapacity(entries.reduce(0) { $0 + $1.name.utf8.count })
        var starts = [0]
        starts.reserveCapacity(entries.count + 1)
        for entry in entries {
            let utf8 = entry.name.utf8
            if utf8.contains(where: { $0 >= 0x80 }) { storage += entry.remoteName.bytes } else { storage += utf8 }
            starts.append(storage.count)
        }
        self.storage = storage
        self.starts = starts
        prefixes = entries.indices.map { index in
            var prefix: UInt64 = 0
            for offset in 0..<8 {
                let position = starts[index] + offset
                prefix = prefix << 8 | UInt64(position < starts[index + 1] ? storage[position] : 0)
            }
            return prefix
        }
    }

    /// Calls `body` with the order of the names at two indices, byte by byte (a shorter name first
    /// when it begins the other); the order is valid only during the call.
    func withPrecedes<Result>(_ body: ((Int, Int) -> Bool) -> Result) -> Result {
        storage.withUnsafeBytes { buffer in
            body { a, b in
                if prefixes[a] != prefixes[b] { return prefixes[a] < prefixes[b] }
                let (first, second) = (starts[a + 1] - starts[a], starts[b + 1] - starts[b])
                guard let base = buffer.baseAddress, min(first, second) > 0 else { return first < second }
                let order = memcmp(base + starts[a], base + starts[b], min(first, second))
                return order == 0 ? first < second : order < 0
            }
        }
    }
}

/// One transfer in the queue.
public struct TransferItem: Equatable, Sendable {
    public enum Direction: Equatable, Sendable { case download, upload, serverToServer }

    public enum State: Equatable, Sendable {
        case queued, running, done, cancelled
        case failed(String)
    }

    public let id: Int
    public let request: TransferRequest
    public var state = State.queued
    public var completedBytes: UInt64 = 0
    public var totalBytes: UInt64?
    public var bytesPerSecond: Double = 0
    /// The file being moved now, for a folder.
    public var currentName: String?
    /// Whether it is held (`p` in the queue): it stays running but moves no bytes.
    public var paused = false
    /// Whether every file it copied was checked against the server's digest.
    public var verified = false
    /// Files it left because they existed at the destination (as its conflict policy said).
    public var skippedFiles = 0
    /// Whether its run has ended and said so: a cancelled one stops a moment later.
    public var isOver = false

    public init(id: Int, request: TransferRequest) {
        self.id = id
        self.request = request
        totalBytes = request.entry.kind == .file ? request.entry.size : nil
    }

    /// Whether the item is still to run or running.
    public var isActive: Bool { state == .queued || state == .running }
}

/// What to copy where: an entry of one location into another location (a folder).
public struct TransferRequest: Equatable, Sendable {
    public let source: Location
    public let entry: ListingEntry
    public let destination: Location
    /// Whether the source is deleted once copied (F6 between a folder and a server).
    public let movesSource: Bool
    /// What to do about each file that exists at the destination; nil replaces it.
    public var onConflict: ConflictPolicy?

    public init(source: Location, entry: ListingEntry, destination: Location, movesSource: Bool = false, onConflict: ConflictPolicy? = nil) {
        self.source = source
        self.entry = entry
        self.destination = destination
        self.movesSource = movesSource
        self.onConflict = onConflict
    }

    /// Which way the bytes go.
    public var direction: TransferItem.Direction {
        switch (source.isRemote, destination.isRemote) {
        case (true, true): .serverToServer
        case (true, false): .download
        default: .upload
        }
    }
}

/// What a copy does about a file that exists at its destination, as asked in the conflict
/// dialog. The raw values are those of the engine's `OverwritePolicy`, which the workers apply.
public enum ConflictPolicy: String, Equatable, Sendable, CaseIterable {
    case overwrite, resume, skip, rename, newer
}

/// An entry of a copy whose name exists at the destination: the copy, and what is there.
public struct Conflict: Equatable, Sendable {
    public let request: TransferRequest
    /// The destination pane's entry of that name.
    public let existing: ListingEntry

    public init(request: TransferRequest, existing: ListingEntry) {
        self.request = request
        self.existing = existing
    }

    /// Whether the destination is a shorter file than the source: only then can it be resumed.
    public var canResume: Bool {
        guard request.entry.kind == .file, existing.kind == .file, let have = existing.size, let want = request.entry.size else { return false }
        return have < want
    }
}

/// A dialog on top of the panes.
public struct Dialog: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A question answered with Enter (yes) or Esc (no).
        case confirm
        /// A line of text; `secret` hides what is typed.
        case input(text: String, secret: Bool)
        /// A message to dismiss.
        case message
        /// The keys and what they do.
        case help
        /// A certificate question: a letter for each answer.
        case certificate
        /// An edited file changed on the server meanwhile: a letter for each answer.
        case editConflict
        /// Transfers an earlier run left unfinished: resume now, keep for later, or discard.
        case unfinishedTransfers
        /// A copy onto a name that exists: a letter for each answer.
        case conflict
    }

    public var kind: Kind
    public var title: String
    public var message: String
    /// What Enter does.
    public var action: PendingAction
    /// The first line shown of a message longer than the screen (the help): kept by `update`.
    public var top = 0

    public init(kind: Kind, title: String, message: String, action: PendingAction = .none) {
        self.kind = kind
        self.title = title
        self.message = message
        self.action = action
    }
}

/// A file shown whole-screen: as text, or as hex when it is not text. The file is read in
/// ranges as it is scrolled: the viewer holds the lines of a window of at most `window` bytes,
/// asks for the range next to it when the top comes near either end, and drops the far end.
public struct Viewer: Equatable, Sendable {
    /// What a range asked for does once it arrives.
    public enum Placement: Equatable, Sendable {
        /// Follows the lines held (scrolling down).
        case after
        /// Comes before the lines held (scrolling up).
        case before
        /// Replaces the lines held (Home and End far from what is held).
        case replacing
    }

    /// The range asked for and not arrived yet.
    public struct Request: Equatable, Sendable {
        public let offset: UInt64
        public let length: Int
        public let placement: Placement
        /// Whether the last line is shown once it arrived (End).
        public let showsEnd: Bool
    }

    public let title: String
    /// The pane the file is in: its ranges are read on that pane's connection.
    public let pane: Int
    public let location: Location
    public let entry: ListingEntry
    /// The size the listing gave, if any.
    public let size: UInt64?
    /// Decided by the first range: hex when it is not UTF-8 or holds a NUL.
    public private(set) var isHex = false
    public private(set) var lines: [String] = []
    /// The byte offset in the file where each line starts.
    public private(set) var lineStarts: [UInt64] = []
    /// The byte offset of the first line held.
    public private(set) var start: UInt64 = 0
    /// The byte offset after the last line held: where `partial` starts.
    public private(set) var end: UInt64 = 0
    /// The bytes of a line (or hex row) that the next range finishes.
    public private(set) var partial: [UInt8] = []
    /// Whether the lines held reach the end of the file.
    public private(set) var reachedEnd = false
    public private(set) var request: Request?
    /// Why the last range could not be read.
    public var failure: String?
    /// The first line shown: kept by `update`.
    public var top = 0

    /// The bytes asked for at a time.
    public static let rangeLength = 256 * 1024
    /// The most bytes of the file whose lines are held.
    public static let window = 4 * 1024 * 1024
    /// A line longer than this is shown as several.
    public static let longestLine = 4096

    /// A viewer of `entry` in `location`, shown in `pane`, asking for the file's first range.
    public init(title: String, pane: Int, location: Location, entry: ListingEntry) {
        self.title = title
        self.pane = pane
        self.location = location
        self.entry = entry
        size = entry.size
        request = Request(offset: 0, length: Self.rangeLength, placement: .replacing, showsEnd: false)
    }

    /// The first byte after what is held, including `partial`.
    public var loadedEnd: UInt64 { end + UInt64(partial.count) }

    /// Whether nothing has arrived yet.
    public var isEmpty: Bool { lines.isEmpty && partial.isEmpty && !reachedEnd }

    /// The byte offset after a page of `rows` lines from the top: how far the reader got.
    public func reach(rows: Int) -> UInt64 {
        let below = top + rows
        return below < lineStarts.count ? lineStarts[below] : loadedEnd
    }

    // MARK: Asking for ranges

    /// Asks for the range after what is held; nil while another is on its way or at the end.
    public mutating func requestAfter(showsEnd: Bool = false) -> Request? {
        guard request == nil, !reachedEnd else { return nil }
        request = Request(offset: loadedEnd, length: Self.rangeLength, placement: .after, showsEnd: showsEnd)
        return request
    }

    /// Asks for the range before what is held; nil while another is on its way or at the start.
    public mutating func requestBefore() -> Request? {
        guard request == nil, start > 0 else { return nil }
        let length = Int(min(start, UInt64(Self.rangeLength)))
        request = Request(offset: start - UInt64(length), length: length, placement: .before, showsEnd: false)
        return request
    }

    /// Asks for the file's first range in place of what is held.
    public mutating func requestStart() -> Request? {
        guard request == nil else { return nil }
        request = Request(offset: 0, length: Self.rangeLength, placement: .replacing, showsEnd: false)
        return request
    }

    /// Asks for the file's last range (by the listed size) in place of what is held, or for the
    /// next range when the last one is near or the size is unknown.
    public mutating func requestEnd() -> Request? {
        guard request == nil, !reachedEnd else { return nil }
        guard let size, size > UInt64(Self.rangeLength) else { return requestAfter(showsEnd: true) }
        var offset = size - UInt64(Self.rangeLength)
        if isHex { offset -= offset % 16 }
        guard offset > loadedEnd else { return requestAfter(showsEnd: true) }
        request = Request(offset: offset, length: Self.rangeLength, placement: .replacing, showsEnd: true)
        return request
    }

    /// Forgets the range asked for (it could not be read), so that scrolling asks again.
    public mutating func cancelRequest() { request = nil }

    // MARK: Receiving ranges

    /// Takes the bytes of the range asked for (fewer than asked: the file ends there), keeping
    /// the top line in place and at most `window` bytes of lines. Bytes of another range are
    /// ignored. `page` is the number of lines shown.
    public mutating func receive(_ bytes: [UInt8], at offset: UInt64, page: Int) {
        guard let request, request.offset == offset else { return }
        self.request = nil
        failure = nil
        let count = min(bytes.count, request.length)
        let arrived = bytes[..<count]
        let finishes = count < request.length || size.map { offset + UInt64(count) >= $0 } == true
        if offset == 0 && lines.isEmpty && partial.isEmpty { isHex = Self.looksBinary(arrived, final: finishes) }
        switch request.placement {
        case .after:
            append(arrived, final: finishes)
            dropBefore(keeping: page)
        case .before:
            prepend(arrived, at: offset)
            dropAfter(keeping: page)
        case .replacing:
            lines = []
            lineStarts = []
            partial = []
            reachedEnd = false
            top = 0
            var skip = 0
            if offset > 0 && !isHex, let newline = arrived.firstIndex(of: 0x0A) { skip = newline + 1 }
            start = offset + UInt64(skip)
            end = start
            append(arrived.dropFirst(skip), final: finishes)
        }
        if request.showsEnd { top = max(0, lines.count - page) }
        top = max(0, min(top, lines.count - 1))
    }

    /// Adds the lines of bytes that follow what is held.
    private mutating func append(_ bytes: ArraySlice<UInt8>, final: Bool) {
        let joined = partial + bytes
        let (newLines, starts, rest) = Self.split(joined[...], at: end, isHex: isHex, final: final)
        lines += newLines
        lineStarts += starts
        end += UInt64(joined.count - rest.count)
        partial = Array(rest)
        reachedEnd = final
    }

    /// Adds the lines of bytes that end where the lines held start; at an offset past the file's
    /// start, the bytes before the first line break belong to a line not held.
    private mutating func prepend(_ bytes: ArraySlice<UInt8>, at offset: UInt64) {
        var skip = 0
        if offset > 0 && !isHex, let newline = bytes.firstIndex(of: 0x0A) { skip = newline + 1 - bytes.startIndex }
        let (newLines, starts, _) = Self.split(bytes.dropFirst(skip), at: offset + UInt64(skip), isHex: isHex, final: true)
        lines = newLines + lines
        lineStarts = starts + lineStarts
        start = offset + UInt64(skip)
        top += newLines.count
    }

    /// Drops lines at the start beyond the window, none from the shown page.
    private mutating func dropBefore(keeping page: Int) {
        guard loadedEnd - start > UInt64(Self.window) else { return }
        let first = loadedEnd - UInt64(Self.window)
        let dropped = min(lineStarts.firstIndex { $0 >= first } ?? lines.count, max(0, top - page))
        guard dropped > 0 else { return }
        lines.removeFirst(dropped)
        lineStarts.removeFirst(dropped)
        start = lineStarts.first ?? end
        top -= dropped
    }

    /// Drops lines at the end beyond the window, none from the shown page.
    private mutating func dropAfter(keeping page: Int) {
        guard loadedEnd - start > UInt64(Self.window) else { return }
        let last = start + UInt64(Self.window)
        let kept = max(lineStarts.firstIndex { $0 >= last } ?? lines.count, min(lines.count, top + 2 * page))
        guard kept < lines.count else { return }
        end = lineStarts[kept]
        lines.removeSubrange(kept...)
        lineStarts.removeSubrange(kept...)
        partial = []
        reachedEnd = false
    }

    // MARK: Lines

    /// Whether the first bytes of a file are not UTF-8 text: a NUL, or a byte sequence that is
    /// not UTF-8 (a sequence cut by the range's end is not held against it).
    private static func looksBinary(_ bytes: ArraySlice<UInt8>, final: Bool) -> Bool {
        if bytes.contains(0) { return true }
        if String(validating: bytes, as: UTF8.self) != nil { return false }
        guard !final else { return true }
        return !(1...3).contains { cut in bytes.count > cut && String(validating: bytes.dropLast(cut), as: UTF8.self) != nil }
    }

    /// The lines (or 16-byte hex rows) of bytes starting at file offset `base`, with where each
    /// starts, and the bytes of an unfinished last one (none when `final`).
    private static func split(_ bytes: ArraySlice<UInt8>, at base: UInt64, isHex: Bool, final: Bool)
        -> (lines: [String], starts: [UInt64], rest: ArraySlice<UInt8>)
    {
        var lines: [String] = []
        var starts: [UInt64] = []
        var lineStart = bytes.startIndex
        func add(_ line: ArraySlice<UInt8>) {
            let offset = base + UInt64(line.startIndex - bytes.startIndex)
            lines.append(isHex ? hexLine(line, at: offset) : textLine(line))
            starts.append(offset)
        }
        if isHex {
            while bytes.endIndex - lineStart >= 16 || (final && lineStart < bytes.endIndex) {
                let lineEnd = min(lineStart + 16, bytes.endIndex)
                add(bytes[lineStart..<lineEnd])
                lineStart = lineEnd
            }
            return (lines, starts, bytes[lineStart...])
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                add(bytes[lineStart..<index])
                lineStart = index + 1
            } else if index - lineStart + 1 >= longestLine {
                add(bytes[lineStart...index])
                lineStart = index + 1
            }
            index += 1
        }
        if final && lineStart < bytes.endIndex {
            add(bytes[lineStart...])
            lineStart = bytes.endIndex
        }
        return (lines, starts, bytes[lineStart...])
    }

    /// A line with tabs expanded and control characters made visible.
    private static func textLine(_ bytes: ArraySlice<UInt8>) -> String {
        var expanded = ""
        var column = 0
        for character in String(decoding: bytes, as: UTF8.self) where character != "\r" {
            if character == "\t" {
                let spaces = 8 - column % 8
                expanded += String(repeating: " ", count: spaces)
                column += spaces
            } else {
                expanded.append(character)
                column += 1
            }
        }
        return Sanitizer.visible(expanded)
    }

    /// `00000010  48 65 6c 6c 6f 0a ...  |Hello.|`: up to sixteen bytes at file offset `offset`.
    private static func hexLine(_ chunk: ArraySlice<UInt8>, at offset: UInt64) -> String {
        let hex = chunk.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }
        let padded = hex.joined(separator: " ") + String(repeating: "   ", count: 16 - chunk.count)
        let ascii = String(chunk.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "." })
        let address = String(offset, radix: 16)
        return String(repeating: "0", count: max(0, 8 - address.count)) + address + "  " + padded + "  |" + ascii + "|"
    }
}

/// What a dialog does once confirmed.
public enum PendingAction: Equatable, Sendable {
    case none
    case copy([TransferRequest])
    case delete(pane: Int, location: Location, entries: [ListingEntry])
    case makeDirectory(pane: Int, location: Location)
    /// Change the permissions of entries to the octal mode typed.
    case changeMode(pane: Int, location: Location, entries: [ListingEntry])
    case connect(pane: Int)
    /// The user for a URL that names none.
    case connectAs(pane: Int, url: String)
    case trust(pane: Int, location: Location, fingerprint: String)
    case password(pane: Int, url: String)
    case resolveEdit(EditSession)
    case saveEditAs(EditSession)
    case mark(pane: Int, marking: Bool)
    /// F6: move or rename the selection of `pane`, typed as a name or a path.
    case move(pane: Int, location: Location, entries: [ListingEntry])
    /// A copy waiting for answers: `ready` goes as it is, the first of `conflicts` is asked about.
    case resolveConflicts(ready: [TransferRequest], conflicts: [Conflict])
    case quit
}

/// Everything the commander shows: a value that `update` turns into the next one.
public struct AppState: Equatable, Sendable {
    public var panes: [PaneState]
    public var active = 0
    public var width: Int
    public var height: Int
    public var transfers: [TransferItem] = []
    public var nextTransferID = 1
    public var dialog: Dialog?
    public var log: [String] = []
    public var showsLog = false
    /// A line for the status bar: the last error or notice.
    public var message: String?
    /// Whether an Esc was pressed that may start an Esc-digit F-key.
    public var escapePending = false
    public var isRunning = true
    /// The time dates are shown against (this year's dates with a time, older ones with a year).
    public var now: Date
    public var timeZone: TimeZone
    public var keymap: Keymap
    /// The file viewer (F3), over the panes while open.
    public var viewer: Viewer?
    /// Saved servers, offered by the connect dialog.
    public var bookmarks: [Bookmark] = []
    /// The spinner's position, turned by `.tick` while a pane loads.
    public var spinnerFrame = 0
    /// Whether keys steer the transfer queue (`Q`) rather than the panes.
    public var queueFocused = false
    /// The selected row of the queue, among `Layout.queueItems`.
    public var queueCursor = 0

    /// Whether anything is being waited for that a spinner should show.
    public var isWaiting: Bool { panes.contains { $0.loading } }

    public init(left: Location, right: Location, width: Int, height: Int, now: Date, timeZone: TimeZone = .current, keymap: Keymap = .standard) {
        panes = [PaneState(location: left), PaneState(location: right)]
        self.width = width
        self.height = height
        self.now = now
        self.timeZone = timeZone
        self.keymap = keymap
    }

    /// The pane with the focus.
    public var activePane: PaneState {
        get { panes[active] }
        set { panes[active] = newValue }
    }

    /// The pane without the focus.
    public var otherPane: PaneState { panes[1 - active] }

    /// The most log lines kept.
    public static let logLimit = 500
}

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

    /// The last component's name, to put the cursor on when coming back up.
    public var lastComponent: String {
        switch self {
        case .local(let path): String(path.split(separator: "/").last ?? "/")
        case .remote(_, let path): path.lastComponent.description
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
    /// Whether the first row is `..`.
    public private(set) var hasParentRow = false
    public var cursor = 0
    /// The first row shown: kept by `update`, never by drawing.
    public var top = 0
    /// The marked entries, by their names' bytes: two names that differ in bytes but compare
    /// equal as `String`s (NFC and NFD "é") are two entries, and marking one marks only it.
    public var marked: Set<RemotePath> = []
    public private(set) var sort = SortKey.name
    public private(set) var reversed = false
    public private(set) var showsHidden = false
    public var loading = false
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

    /// The marked entries, or the one under the cursor when nothing is marked.
    public var selection: [ListingEntry] {
        let marked = rows.filter { self.marked.contains($0.remoteName) && !(hasParentRow && $0.name == "..") }
        if !marked.isEmpty { return marked }
        return current.map { [$0] } ?? []
    }

    /// The sizes of the marked entries added up. Sizes come from a server: a sum past what
    /// `UInt64` holds stops at its largest value rather than overflowing.
    public var markedSize: UInt64 {
        rows.reduce(UInt64(0)) { sum, entry in
            guard marked.contains(entry.remoteName) else { return sum }
            let (total, overflow) = sum.addingReportingOverflow(entry.size ?? 0)
            return overflow ? .max : total
        }
    }

    /// Replaces the entries, putting the cursor on `focus` (a name) when it is there; a new
    /// location without a focus starts at the top.
    public mutating func show(_ entries: [ListingEntry], at location: Location, focus: String?) {
        if location != self.location {
            cursor = 0
            top = 0
            marked = []
        }
        quickSearch = nil
        self.location = location
        self.entries = entries
        loading = false
        error = nil
        let names = Set(entries.map(\.remoteName))
        marked = marked.filter(names.contains)
        rebuildRows(focus: focus)
    }

    /// Changes the order; the cursor stays on its entry.
    public mutating func setSort(_ key: SortKey, reversed: Bool) {
        sort = key
        self.reversed = reversed
        rebuildRows(focus: current?.name)
    }

    /// Shows or hides dot files; the cursor stays on its entry where it can.
    public mutating func setShowsHidden(_ shows: Bool) {
        showsHidden = shows
        rebuildRows(focus: current?.name)
    }

    private mutating func rebuildRows(focus: String?) {
        // Sorting indices against arrays of keys moves small integers and copies no entries: it
        // matters at 100,000 entries.
        let all = entries
        let names = all.map(\.name)
        let directories = all.map { $0.kind == .directory }
        var order = all.indices.filter { showsHidden || names[$0].utf8.first != UInt8(ascii: ".") }
        // Directories first; then by the key, with names breaking ties; `reversed` swaps the pair.
        switch sort {
        case .name:
            order.sort { a, b in
                if directories[a] != directories[b] { return directories[a] }
                let (x, y) = reversed ? (b, a) : (a, b)
                return names[x] < names[y]
            }
        case .size:
            let sizes = all.map { $0.size ?? 0 }
            order.sort { a, b in
                if directories[a] != directories[b] { return directories[a] }
                let (x, y) = reversed ? (b, a) : (a, b)
                return sizes[x] == sizes[y] ? names[x] < names[y] : sizes[x] < sizes[y]
            }
        case .time:
            let times = all.map { $0.modified ?? .distantPast }
            order.sort { a, b in
                if directories[a] != directories[b] { return directories[a] }
                let (x, y) = reversed ? (b, a) : (a, b)
                return times[x] == times[y] ? names[x] < names[y] : times[x] < times[y]
            }
        }
        hasParentRow = !location.isRoot
        var rows: [ListingEntry] = []
        rows.reserveCapacity(order.count + 1)
        if hasParentRow { rows.append(ListingEntry(name: "..", kind: .directory)) }
        for index in order { rows.append(all[index]) }
        self.rows = rows
        if let focus, let index = rows.firstIndex(where: { $0.name == focus }) {
            cursor = index
        } else {
            cursor = min(cursor, max(0, rows.count - 1))
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

/// A file shown whole-screen: as text, or as hex when it is not text.
public struct Viewer: Equatable, Sendable {
    public let title: String
    public let lines: [String]
    public let isHex: Bool
    public let truncated: Bool
    /// The first line shown: kept by `update`.
    public var top = 0

    /// The most bytes a viewer reads.
    public static let limit = 1 << 20

    public init(title: String, bytes: [UInt8], truncated: Bool) {
        self.title = title
        self.truncated = truncated
        let text = String(validating: bytes, as: UTF8.self)
        isHex = text == nil || bytes.contains(0)
        lines = isHex ? Self.hexLines(bytes) : Self.textLines(text ?? "")
    }

    /// Lines with tabs expanded and control characters made visible.
    private static func textLines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var expanded = ""
            var column = 0
            for character in line where character != "\r" {
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
    }

    /// `00000010  48 65 6c 6c 6f 0a ...  |Hello.|`, sixteen bytes a line.
    private static func hexLines(_ bytes: [UInt8]) -> [String] {
        stride(from: 0, to: bytes.count, by: 16).map { offset in
            let chunk = bytes[offset..<min(offset + 16, bytes.count)]
            let hex = chunk.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }
            let padded = hex.joined(separator: " ") + String(repeating: "   ", count: 16 - chunk.count)
            let ascii = String(chunk.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "." })
            let address = String(offset, radix: 16)
            return String(repeating: "0", count: max(0, 8 - address.count)) + address + "  " + padded + "  |" + ascii + "|"
        }
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

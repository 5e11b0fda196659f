import Foundation
import FTPWire
import ScreenKit

/// Something that happened: a key, a new size, or the outcome of work done elsewhere.
public enum Event: Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    /// A tenth of a second passed while something was loading: the spinner turns.
    case tick
    /// A listing for `pane` finished: the entries at `location` (where the server really put the
    /// pane), or why it failed. `focus` is the name the `.list` effect asked the cursor to go to.
    /// `incomplete` says why the entries may not be all there are (a name they do not show may
    /// exist all the same); it comes with them, so that no key can act on them as complete.
    case listed(pane: Int, location: Location, focus: RemotePath?, result: Result<[ListingEntry], ListingFailure>, at: Date, incomplete: String? = nil)
    case transferStarted(id: Int)
    case transferProgress(id: Int, currentName: String?, completed: UInt64, total: UInt64?, bytesPerSecond: Double)
    /// A transfer ended; `verified` when the server's digest of every file it copied matched;
    /// `skipped` files were left because they existed at the destination.
    case transferFinished(id: Int, error: String?, verified: Bool = false, skipped: Int = 0)
    /// A line of the control dialogue (password already masked).
    case log(String)
    /// Something to tell in the status line.
    case notice(String)
    /// The folders of a branch of a pane's tree arrived (or why they could not be listed).
    case foldersListed(pane: Int, location: Location, result: Result<[ListingEntry], ListingFailure>)
    /// A file operation finished: refresh the panes showing `location`, say `message` if any.
    case operationFinished(location: Location, message: String?)
    /// A server's TLS certificate was refused: ask whether to trust it.
    case certificateUntrusted(pane: Int, location: Location, question: CertificateQuestion)
    /// A server wants a password that nobody gave: ask for it.
    case passwordNeeded(pane: Int, url: String)
    /// A file is ready to edit (fetched to a local copy, for a server's).
    case editReady(EditSession)
    /// The editor ended; `changed` says whether it changed the file.
    case editorFinished(EditSession, changed: Bool)
    /// The file changed on the server while it was being edited.
    case editConflict(EditSession)
    /// The journal holds transfers that an earlier run left unfinished.
    case unfinishedTransfers(count: Int)
    /// A range of a file being viewed arrived (fewer bytes than asked: the file ends there), or
    /// why it could not be read.
    case viewRangeLoaded(location: Location, entry: ListingEntry, offset: UInt64, result: Result<[UInt8], ListingFailure>)
}

/// A file being edited: the pane and folder it is in, its local copy, and what the server said
/// of it when it was fetched (to notice a change made meanwhile).
public struct EditSession: Equatable, Sendable {
    /// The pane the file is in: it is fetched and sent back on that pane's connection.
    public let pane: Int
    public let location: Location
    public let entry: ListingEntry
    /// The name to store the copy under: the entry's, or another after "save as".
    public var name: String
    public let localPath: String
    /// The server's size and time of the file when fetched; empty for local files.
    public let stamp: String

    public init(pane: Int, location: Location, entry: ListingEntry, localPath: String, stamp: String) {
        self.pane = pane
        self.location = location
        self.entry = entry
        name = entry.name
        self.localPath = localPath
        self.stamp = stamp
    }
}

/// What a person needs to decide about a certificate that was refused.
public struct CertificateQuestion: Equatable, Sendable {
    public let reason: String
    public let subject: String
    public let names: String
    public let expires: String
    public let fingerprint: String

    public init(reason: String, subject: String, names: String, expires: String, fingerprint: String) {
        self.reason = reason
        self.subject = subject
        self.names = names
        self.expires = expires
        self.fingerprint = fingerprint
    }
}

/// Why a listing failed, in words for the status line.
public struct ListingFailure: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// Work for the world outside: the executable carries these out and reports back with events.
public enum Effect: Equatable, Sendable {
    /// List a location for a pane; `focus` is the name to put the cursor on.
    case list(pane: Int, location: Location, focus: RemotePath?)
    case startTransfer(id: Int, request: TransferRequest)
    case cancelTransfer(id: Int)
    /// Hold a running transfer between two chunks, or let it go on.
    case pauseTransfer(id: Int, paused: Bool)
    // File operations run on the connection of the pane that asked for them.
    case makeDirectory(pane: Int, location: Location, name: String)
    /// List the folders of a branch of a pane's tree.
    case listFolders(pane: Int, location: Location)
    /// Set the permissions of entries (SITE CHMOD on a server) to an octal mode such as 0o644.
    case changeMode(pane: Int, location: Location, entries: [ListingEntry], mode: Int)
    case delete(pane: Int, location: Location, entries: [ListingEntry])
    case rename(pane: Int, location: Location, entry: ListingEntry, to: String)
    /// Move entries into a folder on the same side (a name or path ending in `/`), each keeping
    /// its name.
    case moveInto(pane: Int, location: Location, entries: [ListingEntry], folder: String)
    /// Open a URL (typed in the connect dialog) in a pane, as `user` when the URL names none
    /// (nil: the URL's user, else anonymous).
    case connect(pane: Int, url: String, user: String?)
    /// Fetch a file to edit (a server's to a temporary copy), on the connection of its pane.
    case prepareEdit(pane: Int, location: Location, entry: ListingEntry)
    /// Hand the terminal to `$EDITOR` on the local copy; the program's event loop does this.
    case runEditor(EditSession)
    /// Send an edited copy back; unless `force`, only if the server's file did not change meanwhile.
    case uploadEdit(EditSession, force: Bool)
    /// Stop the listing running for a pane.
    case cancelListing(pane: Int)
    /// Read `length` bytes of a file to view, from `offset` (fewer where the file ends), on the
    /// connection of the pane the file is in.
    case viewRange(pane: Int, location: Location, entry: ListingEntry, offset: UInt64, length: Int)
    /// Accept a certificate for a site (this session only, or for ever), then list `location`.
    case trustCertificate(pane: Int, location: Location, fingerprint: String, always: Bool)
    /// Connect with a password typed in the commander.
    case connectWithPassword(pane: Int, url: String, password: String)
    /// Finish the transfers an earlier run left unfinished, in the background.
    case resumeUnfinishedTransfers
    /// Forget the transfers an earlier run left unfinished.
    case discardUnfinishedTransfers
    case quit
}

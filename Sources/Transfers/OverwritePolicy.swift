import Foundation
import FTP
import FTPWire

/// What is known of a file on one side of a copy: its kind, and its size and modification
/// time where known.
public struct FileFacts: Sendable, Equatable {
    public var size: UInt64?
    public var modified: Date?
    public var kind: ListingEntry.Kind

    public init(size: UInt64?, modified: Date?, kind: ListingEntry.Kind = .file) {
        self.size = size
        self.modified = modified
        self.kind = kind
    }

    /// A name that may be there, nothing known of it: one an incomplete listing does not show
    /// on a server that cannot be asked about it otherwise.
    public static let mayExist = FileFacts(size: nil, modified: nil, kind: .other)
}

/// What to do when the destination of a copy exists already (`--overwrite`).
public enum OverwritePolicy: String, Sendable, CaseIterable {
    /// Replace it.
    case overwrite
    /// Continue it from its size (`-c`).
    case resume
    /// Leave it, and the source uncopied.
    case skip
    /// Copy under a free name beside it: `name.1`, `name.2`, …
    case rename
    /// Replace it only when the source is newer.
    case newer
    /// Replace it only when size or time differ.
    case different

    /// What a copy does about a destination.
    public enum Decision: Sendable, Equatable {
        /// Copy, from the start or (`continues`) from what the destination holds.
        case copy(continues: Bool)
        /// Do not copy; the reason says why.
        case skip(String)
        /// Copy under another name.
        case rename
    }

    /// The decision for a source and its destination (nil: there is none). Times are compared
    /// to the precision the coarser of the two has (see `precision(of:)`).
    public func decision(source: FileFacts, destination: FileFacts?) -> Decision {
        guard let destination else { return .copy(continues: false) }
        switch self {
        case .overwrite: return .copy(continues: false)
        case .resume: return .copy(continues: true)
        case .skip: return .skip(destination == .mayExist ? "it may exist (its folder's listing is incomplete)" : "it exists")
        case .rename: return .rename
        case .newer:
            guard let from = source.modified, let to = destination.modified else { return .copy(continues: false) }
            return Self.isNewer(from, than: to) ? .copy(continues: false) : .skip("the destination is not older")
        case .different:
            return Self.differ(source, destination) ? .copy(continues: false) : .skip("same size and time")
        }
    }

    /// Whether two files differ by size, or by time beyond the precision of their times; files
    /// of which too little is known count as different.
    public static func differ(_ source: FileFacts, _ destination: FileFacts) -> Bool {
        if let a = source.size, let b = destination.size, a != b { return true }
        if let a = source.modified, let b = destination.modified { return isNewer(a, than: b) || isNewer(b, than: a) }
        return source.size == nil || destination.size == nil
    }

    /// Whether `time` is later than `other` by more than either's precision.
    public static func isNewer(_ time: Date, than other: Date) -> Bool {
        time.timeIntervalSince(other) > max(precision(of: time), precision(of: other))
    }

    /// How exact a time is, judged by what it lacks: `ls -l` style listings give no seconds
    /// (or, for older files, no time of day), so a time on the minute or on midnight may be any
    /// moment of that minute or day.
    public static func precision(of date: Date) -> TimeInterval {
        // A time no Int can hold (a hostile server's) is taken as the coarsest.
        guard let seconds = Int(exactly: date.timeIntervalSince1970.rounded(.down)) else { return 86_400 }
        if seconds % 86_400 == 0 { return 86_400 }
        if seconds % 60 == 0 { return 60 }
        return 1
    }

    /// Whether the destination's facts matter: all policies but `overwrite` and `resume` look
    /// at the file already there.
    public var looksAtDestination: Bool { self != .overwrite && self != .resume }

    /// The first of the suffixes `.1`, `.2`, … for which `isFree` holds (at most 9,999 tries); the
    /// caller adds it to the name, in whatever form it keeps names.
    public static func freeSuffix(isFree: (String) throws -> Bool) rethrows -> String? {
        for number in 1..<10_000 where try isFree(".\(number)") { return ".\(number)" }
        return nil
    }
}

/// Thrown by a transfer that decided not to copy (`--overwrite skip`, …): not a failure.
public struct TransferSkipped: Error, Sendable {
    /// Why the copy was not made.
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

extension OverwritePolicy {
    /// Where a copy goes, given the facts of the destination already there: the suffix to add
    /// to its name (empty for the name itself) and whether to continue it. Throws
    /// `TransferSkipped` when the copy is not to be made. `source` is asked only by the policies
    /// that compare, `isFree` (of a suffix) only by `rename`.
    public func place(over existing: FileFacts, source: () throws -> FileFacts, isFree: (String) throws -> Bool) throws -> (suffix: String, continues: Bool) {
        let facts = self == .newer || self == .different ? try source() : FileFacts(size: nil, modified: nil)
        switch decision(source: facts, destination: existing) {
        case .skip(let reason):
            throw TransferSkipped(reason: reason)
        case .copy(let continues):
            return ("", continues)
        case .rename:
            guard let suffix = try Self.freeSuffix(isFree: isFree) else {
                throw FTPError(kind: .protocolViolation, detail: "no free name beside the destination (up to .9999)")
            }
            return (suffix, false)
        }
    }
}

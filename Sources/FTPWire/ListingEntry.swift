import Foundation

/// One entry of a remote directory listing, whatever format it came in.
///
/// Held compactly, as a listing may have a million of them: the name once (its bytes beside it
/// only where they are not its UTF-8), and the fields in an order that leaves little padding.
public struct ListingEntry: Sendable, Equatable {
    /// What kind of thing the entry is.
    public enum Kind: String, Sendable, Equatable {
        case file
        case directory = "dir"
        case link
        case other
    }

    /// The name exactly as the server sent it (decoded as UTF-8 where valid, else Latin-1).
    public private(set) var name: String
    /// The server's bytes for the name where they are not the UTF-8 of `name` (a name in
    /// another encoding, shown as Latin-1); nil where they are, which is nearly always.
    private var bytesUnlikeName: [UInt8]?
    /// For a symbolic link, where it points, when the listing gives it.
    public var target: String?
    /// Unix permissions as nine characters such as `rw-r--r--`, when known.
    public var permissions: String?
    /// For a folder, what the server calls it whatever its path (MLSD's `unique` fact), when
    /// given: a folder reached again through a link has the same, so a walk knows a folder it
    /// is already in.
    public var unique: String?
    /// The size in bytes, when the listing gives it.
    public var size: UInt64?
    /// What kind of entry this is.
    public var kind: Kind
    /// Whether a Unix LIST line wrote `size` as the byte count itself, in digits: not rounded to
    /// a unit (`33.5k`) nor read out of a field run into the group's. Only the Unix reader sets
    /// it; other formats give blocks or records, and MLSD's facts are exact anyway.
    public var sizeIsWrittenInBytes = false
    /// The time of last modification, when the listing gives it; a time outside `timeRange`
    /// (a hostile or broken listing's) is dropped.
    public var modified: Date? {
        didSet { if let modified, !Self.isInTimeRange(modified) { self.modified = nil } }
    }

    /// The name as the server's bytes, to send back: `name` may not round-trip.
    public var remoteName: RemotePath {
        get { bytesUnlikeName.map { RemotePath(bytes: $0) } ?? RemotePath(name) }
        set { (name, bytesUnlikeName) = Self.name(of: newValue.bytes) }
    }

    /// Whether the name begins with a dot, as those a LIST hides do (`.` and `..` among them):
    /// by the server's first byte, since a dot with a combining mark after it is one Character
    /// that is no ".".
    public var hasDotName: Bool {
        (bytesUnlikeName?.first ?? name.utf8.first) == UInt8(ascii: ".")
    }

    /// Whether the server's bytes for the name are `path`'s (a name, one component), without
    /// making them: lookalike names (NFC and NFD, Latin-1 and UTF-8) are not one.
    public func isNamed(_ path: RemotePath) -> Bool {
        bytesUnlikeName.map { $0 == path.bytes } ?? name.utf8.elementsEqual(path.bytes)
    }

    /// The times an entry may carry: from the start of year 1 to the end of year 9999, UTC.
    public static let timeRange = CivilTime.saneRange

    /// Whether a time lies in `timeRange` (NaN does not).
    public static func isInTimeRange(_ date: Date) -> Bool { CivilTime.sane(date) != nil }

    /// An entry named by text, sent to the server as UTF-8.
    public init(
        name: String, kind: Kind, size: UInt64? = nil, modified: Date? = nil,
        target: String? = nil, permissions: String? = nil
    ) {
        self.init(nameBytes: Array(name.utf8), kind: kind, size: size, modified: modified, target: target, permissions: permissions)
    }

    /// An entry named by the server's bytes.
    public init(
        remoteName: RemotePath, kind: Kind, size: UInt64? = nil, modified: Date? = nil,
        target: String? = nil, permissions: String? = nil
    ) {
        self.init(nameBytes: remoteName.bytes, kind: kind, size: size, modified: modified, target: target, permissions: permissions)
    }

    /// An entry named by the server's bytes, read straight from a listing line: the bytes are
    /// kept only where the name's text does not give them back.
    init<Bytes: Collection<UInt8>>(
        nameBytes: Bytes, kind: Kind, size: UInt64? = nil, modified: Date? = nil,
        target: String? = nil, permissions: String? = nil
    ) {
        (name, bytesUnlikeName) = Self.name(of: nameBytes)
        self.kind = kind
        self.size = size
        // A time no calendar can show (a hostile or broken listing) is no time at all.
        self.modified = modified.flatMap(CivilTime.sane)
        self.target = target
        self.permissions = permissions
    }

    /// The text of a name's bytes, and the bytes too where the text does not give them back: in
    /// memory of their own, exactly as long (an array made from a slice can share the memory of
    /// the whole line it was cut from, which may be as large as the longest line so far).
    private static func name<Bytes: Collection<UInt8>>(of bytes: Bytes) -> (String, [UInt8]?) {
        let (text, isUTF8) = TextDecoding.decode(bytes)
        guard !isUTF8 else { return (text, nil) }
        return (text, bytes.withContiguousStorageIfAvailable(Array.init) ?? Array(bytes))
    }

    /// Entries are equal when every field is, names and link targets by their bytes: `String`
    /// takes the NFC and NFD spellings of a name for one, and the server for two files.
    public static func == (lhs: ListingEntry, rhs: ListingEntry) -> Bool {
        sameBytes(lhs.name, rhs.name) && lhs.bytesUnlikeName == rhs.bytesUnlikeName && lhs.kind == rhs.kind && lhs.size == rhs.size
            && lhs.modified == rhs.modified && lhs.permissions == rhs.permissions && sameBytes(lhs.target, rhs.target)
    }

    /// Whether both texts are missing, or both are there with the same UTF-8.
    private static func sameBytes(_ lhs: String?, _ rhs: String?) -> Bool {
        guard let lhs, let rhs else { return lhs == nil && rhs == nil }
        return lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// The entries of `runs`, in order, in one array of the right size, moved rather than copied
    /// (a copy retains and later releases each entry's name, and growing one array run by run
    /// copies it again and again); `runs` is left empty.
    public static func joined(_ runs: inout [[ListingEntry]]) -> [ListingEntry] {
        if runs.count <= 1 { return runs.popLast() ?? [] }
        let total = runs.reduce(0) { $0 + $1.count }
        let joined = [ListingEntry](unsafeUninitializedCapacity: total) { joined, count in
            for index in runs.indices {
                runs[index].withUnsafeMutableBufferPointer { run in
                    guard let from = run.baseAddress, let to = joined.baseAddress else { return }
                    (to + count).moveInitialize(from: from, count: run.count)
                    count += run.count
                    // The places moved from must hold entries when the run's array is freed:
                    // empty ones, which own no memory.
                    from.initialize(repeating: ListingEntry(name: "", kind: .other), count: run.count)
                }
            }
        }
        runs = []
        return joined
    }
}

/// What one line of a directory listing (LIST or MLSD) holds.
public enum ParsedListingLine: Sendable, Equatable {
    /// An entry of the directory.
    case entry(ListingEntry)
    /// No entry, and none missed: a blank line, a total or header, or the entries that name
    /// the listed directory and its parent (`.`/`..`, MLSD's `cdir`/`pdir`).
    case noEntry
    /// A line in no known format or not well formed: it may hide an entry, so the listing is
    /// incomplete.
    case unreadable
}

/// Calendar arithmetic in UTC without a `Calendar`, for parsers that run per listing line.
enum CivilTime {
    /// Seconds since 1970 for a UTC civil date and time; nil when a field is out of range.
    static func date(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Date? {
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second), (1...9999).contains(year)
        else { return nil }
        // Days from civil, after Howard Hinnant's algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    /// The days of a month: 28 to 31, February's by the Gregorian leap-year rule.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The times any parser gives: from the start of year 1 to the end of year 9999, UTC.
    static let saneRange = Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799.999)

    /// The date, if it lies in `saneRange`; nil otherwise, and for NaN (which
    /// `ClosedRange<Date>.contains` lets through).
    static func sane(_ date: Date) -> Date? {
        let seconds = date.timeIntervalSinceReferenceDate
        return seconds >= saneRange.lowerBound.timeIntervalSinceReferenceDate && seconds <= saneRange.upperBound.timeIntervalSinceReferenceDate ? date : nil
    }

    /// The date `seconds` after 1970 began (as EPLF and numeric Unix listings give it), if it
    /// lies in `saneRange`.
    static func date(secondsSince1970 seconds: UInt64) -> Date? {
        sane(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The UTC year of a date, clamped to 1...9999.
    static func year(of date: Date) -> Int {
        let clamped = sane(date) ?? (date.timeIntervalSince1970 > 0 ? saneRange.upperBound : saneRange.lowerBound)
        let days = Int((clamped.timeIntervalSince1970 / 86_400).rounded(.down))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Parses the `YYYYMMDDHHMMSS[.sss]` time value of MDTM and MLSx `modify` (RFC 3659 §2.3), UTC.
    static func parseTimeVal(_ text: LineBytes) -> Date? {
        let bytes = UnsafeBufferPointer(rebasing: text)
        guard bytes.count >= 14 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(8..<10), let minute = number(10..<12), let second = number(12..<14),
              let whole = date(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        else { return nil }
        guard bytes.count > 15, bytes[14] == UInt8(ascii: ".") else { return bytes.count == 14 ? whole : nil }
        // Digits only: `Double` would also read `5e300`, `inf` or `nan`. Past milliseconds they add nothing.
        let fraction = bytes[15...]
        guard fraction.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let milliseconds = fraction.prefix(3).reduce(0) { $0 * 10 + Int($1 - 0x30) } * [100, 10, 1][min(fraction.count, 3) - 1]
        return whole.addingTimeInterval(Double(milliseconds) / 1000)
    }
}

import Foundation

/// Parses the lines of a LIST reply, recognising the format of each line on its own.
///
/// Formats: Unix `ls -l` in its variants (with or without owner and group, numeric ids, device
/// files, ACL markers, long-iso and day-first dates, symlinks, names with spaces), NetWare,
/// NetPresenz, DOS/IIS and Windows CE, OS/2, EPLF, VMS (with names wrapped onto a second line),
/// MVS data sets and PDS members, OS/400, Tandem Guardian and VxWorks. Lines it does not
/// recognise give nil, never a made-up entry. Works on bytes: names keep what the server sent,
/// decoded as UTF-8 where valid, else Latin-1.
public struct ListParser: Sendable {
    /// The moment dates without a year are taken to be near: such a date is placed in the year
    /// that puts it no more than a day after `now`.
    public let now: Date
    let currentYear: Int

    public init(now: Date = Date()) {
        self.now = now
        // A clock beyond what any calendar shows still gives years a date can have.
        currentYear = min(max(CivilTime.year(of: now), 1), 9999)
    }

    /// The entry a line describes, or nil for headers, totals, blank lines, `.`/`..` and
    /// lines in no known format.
    public func entry(_ line: Substring) -> ListingEntry? {
        entry(bytes: Array(line.utf8))
    }

    /// The entry a line of raw bytes (without its line ending) describes.
    public func entry(bytes: [UInt8]) -> ListingEntry? {
        if case .entry(let entry) = parse(bytes: bytes) { return entry }
        return nil
    }

    /// What a line of raw bytes (without its line ending) holds, read once: an entry; no entry
    /// and none missed (blank lines, totals, headers, `.` and `..`); or a line in no known
    /// format, which may hide an entry.
    public func parse(bytes: [UInt8]) -> ParsedListingLine {
        var fields: [Range<Int>] = []
        return bytes.withUnsafeBufferPointer { parse(bytes: $0, reusing: &fields) }
    }

    /// `parse(bytes:)` with the line cut into fields in the memory of `fields`, which holds
    /// those of this line afterwards: a reader of many lines allocates it once.
    func parse(bytes: UnsafeBufferPointer<UInt8>, reusing fields: inout [Range<Int>]) -> ParsedListingLine {
        parse(line: Line(bytes, reusing: &fields), returningFieldsTo: &fields)
    }

    /// What `line` holds; its fields' memory is handed back to `fields` for the next line.
    private func parse(line: Line, returningFieldsTo fields: inout [Range<Int>]) -> ParsedListingLine {
        defer { fields = line.fields }
        guard !line.fields.isEmpty else { return .noEntry }
        // Some servers answer LIST with MLSD lines (FileZilla reads them there too).
        if line.startsWithFact { return MLSxParser.parse(line: line.bytes) }
        guard let entry = anyFormat(line) else { return line.isKnownNonEntry ? .noEntry : .unreadable }
        if entry.name.isEmpty || entry.name == "." || entry.name == ".." { return .noEntry }
        // A name of blanks alone is what broken servers send where the name is missing (blanks
        // are ASCII: the name's UTF-8 has them where its bytes do). Nearly every name starts with
        // something else, which answers at the first byte.
        let isBlank = entry.name.utf8.first.map(Line.isSpace) == true && entry.name.utf8.allSatisfy(Line.isSpace)
        return isBlank ? .unreadable : .entry(entry)
    }

    /// The entry of the first format that recognises the line, most common formats first.
    private func anyFormat(_ line: Line) -> ListingEntry? {
        if let entry = unixEntry(line) { return entry }
        if let entry = dosEntry(line) { return entry }
        if let entry = eplfEntry(line) { return entry }
        if let entry = vmsEntry(line) { return entry }
        if let entry = os2Entry(line) { return entry }
        if let entry = os400Entry(line) { return entry }
        if let entry = mvsEntry(line) { return entry }
        if let entry = tandemEntry(line) { return entry }
        if let entry = vxWorksEntry(line) { return entry }
        if let entry = stratusEntry(line) { return entry }
        if let entry = vShellEntry(line) { return entry }
        if let entry = numericUnixEntry(line) { return entry }
        if let entry = nortelEntry(line) { return entry }
        if let entry = os9Entry(line) { return entry }
        if let entry = zvmEntry(line) { return entry }
        if let entry = zvmBFSEntry(line) { return entry }
        return bareNameEntry(line)
    }

    /// The entries of a whole listing, joining the VMS lines whose long name stands alone on a
    /// line of its own. Lines that are not entries, nor known to be none (blank lines, totals,
    /// headers, `.` and `..`), are passed to `onSkippedLine`: each may hide an entry.
    public func entries(lines: [[UInt8]], onSkippedLine: ([UInt8]) -> Void = { _ in }) -> [ListingEntry] {
        var reader = ListingReader(parser: self)
        reader.entries.reserveCapacity(lines.count)
        for line in lines { reader.add(line, onSkippedLine: onSkippedLine) }
        reader.finish(onSkippedLine: onSkippedLine)
        return reader.entries
    }

    /// A date in the year that puts it no more than a day after `now`.
    /// February 29th goes to the latest leap year that fits; against a clock no calendar shows,
    /// the first year that has the date. Nil only for a date no year has (`Feb 30`, `25:00`).
    func recentDate(month: Int, day: Int, hour: Int, minute: Int, second: Int = 0) -> Date? {
        let earliestYear = month == 2 && day == 29 ? currentYear - 4 : currentYear - 1
        var first: Date?
        for year in stride(from: currentYear, through: earliestYear, by: -1) {
            guard let date = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else { continue }
            if date.timeIntervalSince(now) <= 86_400 || year < currentYear { return date }
            first = first ?? date
        }
        return first ?? CivilTime.date(year: 2000, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}

/// Bytes of a listing line (a field, a name, or the rest of the line): a view of memory that
/// the line's reader keeps alive while it reads the line, so that cutting out a field costs no
/// reference counting (a listing has a line for each entry, and each line a dozen fields).
typealias LineBytes = Slice<UnsafeBufferPointer<UInt8>>

/// One listing line as bytes, cut into space-separated fields. It views memory it does not own:
/// a line lives only while its bytes are lent (inside `withUnsafeBufferPointer`).
struct Line {
    /// The line's bytes, without a carriage return at the end.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The byte ranges of the fields, at most 24.
    let fields: [Range<Int>]

    /// The line, its fields cut into memory of their own.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var fields: [Range<Int>] = []
        self.init(bytes, reusing: &fields)
    }

    /// The line, its fields put in the memory of `memory` (taken from it, left empty).
    init(_ bytes: UnsafeBufferPointer<UInt8>, reusing memory: inout [Range<Int>]) {
        self.bytes = bytes.last == 0x0D ? UnsafeBufferPointer(rebasing: bytes.dropLast()) : bytes
        var fields: [Range<Int>] = []
        swap(&fields, &memory)
        fields.removeAll(keepingCapacity: true)
        fields.reserveCapacity(12)
        Line.cut(self.bytes, into: &fields)
        self.fields = fields
    }

    /// Appends the byte ranges of the space-separated fields of `bytes`, at most 24, to `fields`.
    /// Eight bytes at a time: every line of a listing is cut, and most of a Unix line is padding.
    private static func cut(_ bytes: UnsafeBufferPointer<UInt8>, into fields: inout [Range<Int>]) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var fieldStart: Int?
        // Marks a change between blank and not blank at `position`: a field starts or ends there.
        func change(at position: Int) -> Bool {
            guard let start = fieldStart else {
                fieldStart = position
                return true
            }
            fields.append(start..<position)
            fieldStart = nil
            return fields.count < 24
        }
        var index = 0
        while index + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let blanks = blankBits(word)
            // The top bit of each byte whose blankness differs from the byte's before it.
            var changes = (blanks ^ (blanks << 8 | (fieldStart == nil ? 0x80 : 0))) & 0x8080_8080_8080_8080
            while changes != 0 {
                guard change(at: index + changes.trailingZeroBitCount / 8) else { return }
                changes &= changes - 1
            }
            index += 8
        }
        while index < count {
            if isSpace(bytes[index]) == (fieldStart != nil) {
                guard change(at: index) else { return }
            }
            index += 1
        }
        if let start = fieldStart { fields.append(start..<count) }
    }

    /// The top bit of each byte of `word` that is a space or a tab, and no other bit.
    private static func blankBits(_ word: UInt64) -> UInt64 {
        zeroBytes(word ^ 0x2020_2020_2020_2020) | zeroBytes(word ^ 0x0909_0909_0909_0909)
    }

    /// The top bit of each byte of `word` that is zero, and no other bit: adding 0x7F to the low
    /// seven bits sets the top bit of a byte unless they are all zero, and no carry leaves a byte.
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & lowBits) &+ lowBits) | word | lowBits)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    subscript(field: Int) -> LineBytes { bytes[fields[field]] }

    /// The text of a range, decoded as UTF-8 where valid, else Latin-1.
    func text(_ range: Range<Int>) -> String { TextDecoding.string(bytes[range]) }

    /// The text from `start` to the end of the line.
    func text(from start: Int) -> String { text(start..<bytes.count) }

    /// The bytes of a range, as a name.
    func name(_ range: Range<Int>) -> LineBytes { bytes[range] }

    /// The bytes from `start` to the end of the line, as a name.
    func name(from start: Int) -> LineBytes { name(start..<bytes.count) }

    /// The index of the first byte after the spaces that follow `position`.
    func skippingSpaces(from position: Int) -> Int {
        var index = position
        while index < bytes.count, Line.isSpace(bytes[index]) { index += 1 }
        return index
    }

    /// Whether the line is blank, or one of the headers and totals that formats put around
    /// their entries (`total 12`, VMS `Directory ...` and `Total of ...`, MVS, JES and Tandem column
    /// and z/VM FILELIST headers, JES jobs not yet done, the `dir:` headers of recursive listings).
    var isKnownNonEntry: Bool {
        guard let first = fields.first else { return true }
        let firstField = self[0]
        let second = fields.count > 1 ? self[1] : firstField.prefix(0)
        return Bytes.equalsIgnoringCase(firstField, "total") || Bytes.equalsIgnoringCase(firstField, "Directory")
            || fields.count == 2 && second.first.map { $0 >= 0x30 && $0 <= 0x39 } == true && Self.localizedTotals.contains { firstField.elementsEqual($0.utf8) }
            || Bytes.equalsIgnoringCase(firstField, "Grand") && Bytes.equalsIgnoringCase(second, "total")
            || Bytes.equalsIgnoringCase(firstField, "Volume") && Bytes.equalsIgnoringCase(second, "Unit")
            || Bytes.equalsIgnoringCase(firstField, "Name") && Bytes.equalsIgnoringCase(second, "VV.MM")
            || Bytes.equalsIgnoringCase(firstField, "File") && Bytes.equalsIgnoringCase(second, "Code")
            || Bytes.equalsIgnoringCase(firstField, "JOBNAME") && Bytes.equalsIgnoringCase(second, "JOBID")
            || Bytes.equalsIgnoringCase(firstField, "Filename") && Bytes.equalsIgnoringCase(second, "FileType")
            || fields.count >= 4 && ListParser.isJobID(second)
            || fields.count == 1 && bytes[first].count > 1 && bytes[first].last == UInt8(ascii: ":")
            || fields.allSatisfy { bytes[$0].allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "=") } }
    }

    /// Whether the line starts with an MLSD fact: `type=file;...`.
    var startsWithFact: Bool {
        guard let first = fields.first, first.lowerBound == 0, let byte = bytes.first, (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x7A,
              let equals = bytes[first].firstIndex(of: UInt8(ascii: "=")), let semicolon = bytes[first].firstIndex(of: UInt8(ascii: ";"))
        else { return false }
        return equals < semicolon
    }

    /// `total` in the languages `ls` speaks: German, Dutch, Italian, Swedish and Norwegian, Czech,
    /// Hungarian, Finnish, Russian, Japanese, Chinese and Korean.
    static let localizedTotals = ["insgesamt", "totaal", "totale", "totalt", "celkem", "összesen", "yhteensä", "итого", "合計", "总用量", "合计", "합계"]

    /// Whether the line is a single VMS file name such as `A_VERY_LONG_NAME.TXT;1`.
    var isLoneVMSName: Bool {
        fields.count == 1 && ListParser.vmsVersion(in: self[0]) != nil
    }
}

/// Small readers of byte fields shared by the format parsers.
enum Bytes {
    /// The unsigned number the bytes spell, all digits; nil otherwise or on overflow.
    static func number(_ bytes: LineBytes) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            // Up to UInt64.max itself; one more is no size at all.
            let (tens, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = tens.addingReportingOverflow(UInt64(byte - 0x30))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// A number that may have thousands separators (`1,234,567` or `1.234.567`).
    static func groupedNumber(_ bytes: LineBytes) -> UInt64? {
        number(bytes) ?? bytes.filter { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: ".") }.withUnsafeBufferPointer { number($0[...]) }
    }

    static func int(_ bytes: LineBytes) -> Int? { number(bytes).flatMap { Int(exactly: $0) } }

    /// 1...12 for a month name: English abbreviations and names in any case (`Nov`, `NOV`,
    /// `nov.`), and the abbreviations of the languages servers are often set to (German, French,
    /// Spanish, Italian, Dutch, Portuguese, Scandinavian, Hungarian, Russian), with a trailing `.` or `,`.
    static func month(_ bytes: LineBytes, localized: Bool = true) -> Int? {
        guard bytes.count >= 3, let first = bytes.first else { return nil }
        let start = bytes.startIndex
        let key = UInt32(first | 0x20) << 16 | UInt32(bytes[start + 1] | 0x20) << 8 | UInt32(bytes[start + 2] | 0x20)
        if bytes.count == 3 || (bytes.count == 4 && bytes.last == UInt8(ascii: ".")) {
            switch key {
            case 0x6A_616E: return 1 // jan
            case 0x66_6562: return 2 // feb
            case 0x6D_6172: return 3 // mar
            case 0x61_7072: return 4 // apr
            case 0x6D_6179: return 5 // may
            case 0x6A_756E: return 6 // jun
            case 0x6A_756C: return 7 // jul
            case 0x61_7567: return 8 // aug
            case 0x73_6570: return 9 // sep
            case 0x6F_6374: return 10 // oct
            case 0x6E_6F76: return 11 // nov
            case 0x64_6563: return 12 // dec
            default: break
            }
        }
        guard localized, bytes.count <= 10 else { return nil }
        var word = String(decoding: bytes, as: UTF8.self).lowercased()
        while let last = word.last, last == "." || last == "," { word.removeLast() }
        return localizedMonths[word]
    }

    private static let localizedMonths: [String: Int] = {
        let names: [[String]] = [
            ["january", "jan", "janv", "ene", "gen", "tam", "led", "sty", "янв"],
            ["february", "feb", "febr", "fév", "févr", "fev", "hel", "úno", "фев"],
            ["march", "mar", "mär", "mrz", "mars", "márc", "mrt", "maa", "мар"],
            ["april", "apr", "avr", "abr", "ápr", "kwi", "апр"],
            ["may", "mai", "mag", "mei", "maj", "máj", "tou", "май", "мая"],
            ["june", "jun", "juni", "juin", "giu", "jún", "kes", "cze", "июн"],
            ["july", "jul", "juli", "juil", "jui", "lug", "júl", "hei", "lip", "июл"],
            ["august", "aug", "août", "ago", "elo", "sie", "авг"],
            ["september", "sep", "sept", "set", "szept", "syy", "wrz", "сен"],
            ["october", "oct", "okt", "ott", "out", "lok", "paź", "окт"],
            ["november", "nov", "lis", "ноя"],
            ["december", "dec", "dez", "déc", "dic", "jou", "gru", "дек"],
        ]
        var table: [String: Int] = [:]
        for (index, words) in names.enumerated() {
            for word in words where table[word] == nil { table[word] = index + 1 }
        }
        return table
    }()

    /// A size with an optional unit: `1234`, `33.5k`, `2KB`, `1.2M`, `3G` (units of 1024).
    static func sizeWithUnit(_ bytes: LineBytes) -> UInt64? {
        if let plain = number(bytes) { return plain }
        var digits = bytes
        if let last = digits.last, last | 0x20 == UInt8(ascii: "b") { digits = digits.dropLast() }
        guard let unit = digits.last.map({ $0 | 0x20 }), let exponent = [UInt8(ascii: "k"): 1.0, UInt8(ascii: "m"): 2, UInt8(ascii: "g"): 3, UInt8(ascii: "t"): 4][unit] else {
            return nil
        }
        let numberText = digits.dropLast()
        guard !numberText.isEmpty, numberText.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }),
              let value = Double(String(decoding: numberText, as: UTF8.self))
        else { return nil }
        let bytes = (value * pow(1024, exponent)).rounded()
        guard bytes.isFinite, bytes < 18_446_744_073_709_551_616.0 else { return nil }
        return UInt64(bytes)
    }

    /// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` as (hour, minute, second).
    static func time(_ bytes: LineBytes) -> (Int, Int, Int)? {
        guard bytes.count >= 3, bytes.count <= 18 else { return nil }
        // Up to three numbers of one or two digits between colons; a fraction after the seconds
        // (VMS: `14:57:07.27`, ls full-iso: `14:57:07.123456789`) is dropped. No array of the
        // numbers: this runs for nearly every listing line.
        var (hour, minute, value) = (0, 0, 0)
        var part = 0
        var digits = 0
        for byte in bytes {
            if byte >= 0x30, byte <= 0x39 {
                guard digits < 2 else { return nil }
                value = value * 10 + Int(byte - 0x30)
                digits += 1
            } else if byte == UInt8(ascii: ":"), digits > 0, part < 2 {
                if part == 0 { hour = value } else { minute = value }
                value = 0
                part += 1
                digits = 0
            } else if byte == UInt8(ascii: "."), part == 2, digits > 0 {
                break
            } else {
                return nil
            }
        }
        guard part >= 1, digits > 0 else { return nil }
        if part == 1 { minute = value }
        let second = part == 2 ? value : 0
        guard hour < 24 || (hour == 24 && minute == 0), minute < 60, second < 61 else { return nil }
        // 24:00 is the midnight at the end of the day; this is close enough for a listing.
        return hour == 24 ? (23, 59, 59) : (hour, minute, second)
    }

    /// Splits `12-25-26` style dates on a separator into three numbers with their digit counts.
    static func dateParts(_ bytes: LineBytes, separator: UInt8) -> [(value: Int, digits: Int)]? {
        let parts = bytes.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var result: [(Int, Int)] = []
        for part in parts {
            guard let value = int(part) else { return nil }
            result.append((value, part.count))
        }
        return result
    }

    /// A two-digit year as a four-digit one (70...99 → 19xx, else 20xx).
    static func fullYear(_ value: Int, digits: Int) -> Int {
        digits > 2 ? value : (value < 70 ? 2000 + value : 1900 + value)
    }

    /// Whether the bytes spell `text`, ASCII letters in either case.
    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ text: StaticString) -> Bool {
        text.withUTF8Buffer { expected in bytes.count == expected.count && zip(bytes, expected).allSatisfy { $0 | 0x20 == $1 | 0x20 } }
    }
}

/// The entries of a listing parsed line by line as it arrives, the same as
/// `ListParser.entries(lines:)` over all of its lines: a VMS name alone on its line waits for
/// the next line, which may complete it.
public struct ListingReader {
    /// The entries so far.
    public var entries: [ListingEntry] = []
    private let parser: ListParser
    private var loneName: [UInt8]?
    /// The memory the fields of each line are cut into.
    private var fields: [Range<Int>] = []

    public init(parser: ListParser) {
        self.parser = parser
    }

    /// Parses the next line; lines that may hide an entry are passed to `onSkippedLine`.
    public mutating func add(_ line: [UInt8], onSkippedLine: ([UInt8]) -> Void) {
        line.withUnsafeBufferPointer { add(lent: $0, onSkippedLine: onSkippedLine) }
    }

    /// `add(_:onSkippedLine:)` of a line whose bytes are lent for the call: a reader of a listing
    /// in memory reads each line where it lies.
    public mutating func add(lent line: UnsafeBufferPointer<UInt8>, onSkippedLine: ([UInt8]) -> Void) {
        if let name = loneName {
            loneName = nil
            if case .entry(let joined) = parser.parse(bytes: name + [UInt8(ascii: " ")] + line) {
                entries.append(joined)
                return
            }
            onSkippedLine(name)
        }
        switch parser.parse(bytes: line, reusing: &fields) {
        case .entry(let entry): entries.append(entry)
        case .noEntry: break
        case .unreadable:
            if Self.mayHoldBack(lent: line) { loneName = Array(line) } else { onSkippedLine(Array(line)) }
        }
    }

    /// Whether a reader may hold `line` back, waiting for the next line to complete it: a VMS
    /// name alone on its line. After any other line a reader holds nothing back, so a reader of
    /// the lines that follow gives what this one would.
    public static func mayHoldBack(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer(mayHoldBack(lent:))
    }

    /// `mayHoldBack(_:)` of a line whose bytes are lent for the call.
    public static func mayHoldBack(lent line: UnsafeBufferPointer<UInt8>) -> Bool {
        Line(line).isLoneVMSName
    }

    /// Ends the listing.
    public mutating func finish(onSkippedLine: ([UInt8]) -> Void) {
        if let name = loneName { onSkippedLine(name) }
        loneName = nil
    }
}

import Foundation

extension ListParser {
    /// Unix `ls -l` lines and their relatives (NetWare, NetPresenz, Connect:Enterprise):
    /// `drwxr-xr-x  2 owner group  4096 Nov 25 14:35 name`, with the owner or group missing,
    /// sizes like `33.5k`, device numbers `4, 64`, the dates of `dateFields`, and
    /// `name -> target` for links.
    func unixEntry(_ line: Line) -> ListingEntry? {
        // Some servers indent their lines: the mode is the first field, wherever it starts.
        guard line.fields.count >= 3, let type = line[0].first else { return nil }
        let modeField = line[0]
        // NetWare marks directories `d` and files `-`; no other letter.
        let isNetWare = modeField.count == 1 && (type == UInt8(ascii: "d") || type == UInt8(ascii: "-"))
            && line.bytes[line.fields[1].lowerBound] == UInt8(ascii: "[")
        guard isNetWare || Self.isUnixMode(modeField) else {
            return Self.withoutInodeAndBlocks(line).flatMap(unixEntry)
        }
        let kind: ListingEntry.Kind = switch type {
        case UInt8(ascii: "d"): .directory
        // Plan 9 marks append-only files `a`.
        case UInt8(ascii: "-"), UInt8(ascii: "f"), UInt8(ascii: "a"): .file
        case UInt8(ascii: "l"): .link
        default: .other
        }
        let permissions = isNetWare || !Self.isRWXMode(modeField) ? nil : String(decoding: modeField.dropFirst().prefix(9), as: UTF8.self)
        // English month names first, which is nearly every line and cheap; then other languages.
        var dated = datedEntry(line, kind: kind, permissions: permissions, isNetWare: isNetWare, localized: false)
        if case .noDate = dated { dated = datedEntry(line, kind: kind, permissions: permissions, isNetWare: isNetWare, localized: true) }
        switch dated {
        case .entry(let entry): return entry
        case .impossibleDate: return nil
        case .noDate: break
        }
        // No date at all: `drwxr-xr-x 3 owner group 512 name`; but a date with impossible
        // values (`Jam 4 12:00`, `Nov 0 30:01`) is no name.
        guard line.fields.count >= 6, Bytes.number(line[1]) != nil, let size = Bytes.number(line[4]), !Self.looksLikeDate(line, at: 5) else { return nil }
        return entry(line, kind: kind, nameStart: line.fields[4].upperBound + 1, size: size, modified: nil, permissions: permissions)
    }

    /// The line from its mode on, when `ls -i` or `ls -s` put the inode number, the block count
    /// or both before it: `1234567  8 -rw-r--r--  1 owner group ...`.
    private static func withoutInodeAndBlocks(_ line: Line) -> Line? {
        for modeIndex in 1...2 where modeIndex + 2 < line.fields.count {
            guard Bytes.number(line[modeIndex - 1]) != nil else { return nil }
            if isUnixMode(line[modeIndex]) { return Line(UnsafeBufferPointer(rebasing: line.bytes[line.fields[modeIndex].lowerBound...])) }
        }
        return nil
    }

    /// What the search for a date in a line found.
    private enum DatedLine {
        case entry(ListingEntry)
        /// Fields with the shape of a date but no valid value (`Feb 30 2024`), or a date without a
        /// size before it: the line is unreadable.
        case impossibleDate
        case noDate
    }

    /// Whether the fields from `index` have the shape of a Unix date, valid or not: a month-like
    /// word or number, a day-like number or word, and a time or a year; or a numeric date
    /// (`2012-30-07`).
    static func looksLikeDate(_ line: Line, at index: Int) -> Bool {
        guard index < line.fields.count else { return false }
        if numericDate(line[index]) != nil || dayMonthNameYear(line[index]) != nil { return true }
        // A month name with more after it (`Jun -4 17:88`, `May ab 2000`) is a broken date, not a name.
        if index + 1 < line.fields.count, Bytes.month(line[index], localized: false) != nil { return true }
        guard index + 2 < line.fields.count else { return false }
        func isShortWord(_ field: LineBytes) -> Bool {
            (2...4).contains(field.count) && field.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        }
        func isShortNumber(_ field: LineBytes) -> Bool {
            (1...2).contains(field.count) && field.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        let (first, second, third) = (line[index], line[index + 1], line[index + 2])
        let monthAndDay = (isShortWord(first) && isShortNumber(second)) || (isShortNumber(first) && isShortWord(second))
        let timeOrYear = third.contains(UInt8(ascii: ":")) && third.count <= 8 && third.allSatisfy { $0 == UInt8(ascii: ":") || ($0 >= 0x30 && $0 <= 0x39) }
            || third.count == 4 && third.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        // A real month and day with no time or year after them (`Aug 22  name`, `Aug 26  20`)
        // is a broken date too, not the start of a name.
        let realMonthAndDay = Bytes.month(first) != nil && dayNumber(second) != nil
        return monthAndDay && timeOrYear || realMonthAndDay
    }

    /// The entry of a line whose date (of `dateFields`) is found, with the size before it and the
    /// name after it.
    private func datedEntry(_ line: Line, kind: ListingEntry.Kind, permissions: String?, isNetWare: Bool, localized: Bool) -> DatedLine {
        // An impossible date counts only when no valid one comes after it: numeric owners and
        // groups (`1 2 30 4096`) can look like one before the real date.
        var sawImpossibleDate = false
        for dateIndex in 2..<line.fields.count {
            // NetWare writes `Jan 16 18:53` or `Nov 24  2005`, nothing else.
            if isNetWare, Bytes.month(line[dateIndex], localized: false) == nil { continue }
            // Numeric owners, groups and sizes come before the date on nearly every line.
            if Self.cannotStartDate(line, at: dateIndex) { continue }
            guard let (modified, lastDateField) = dateFields(line, at: dateIndex, localized: localized) else { continue }
            guard modified != nil else {
                sawImpossibleDate = true
                continue
            }
            // BusyBox `ls -le` and `%c` time styles put the weekday first: `Thu Nov 20 10:00:00 2025`.
            let sizeIndex = dateIndex >= 3 && Self.isWeekday(line[dateIndex - 1]) ? dateIndex - 2 : dateIndex - 1
            let sizeField = line[sizeIndex]
            // Device files give `major, minor` where others give the size; a file's `1,024` is no size.
            let isDevice = kind == .other
                && (sizeField.contains(UInt8(ascii: ",")) || (sizeIndex >= 2 && line[sizeIndex - 1].last == UInt8(ascii: ",")))
            let sizeInDigits = isDevice ? nil : Bytes.number(sizeField)
            var size = sizeInDigits ?? (isDevice ? nil : Bytes.sizeWithUnit(sizeField))
            if size == nil, !isDevice {
                // A group that runs into the size: `longgroup123456`. A date with no size before it
                // cannot start a name either (`Thx Nov 20 10:00:00 2025 name`).
                guard let digits = Self.trailingDigits(sizeField) else {
                    sawImpossibleDate = true
                    continue
                }
                size = digits
            }
            guard let nameStart = Self.nameStart(line, dateIndex: dateIndex, lastDateField: lastDateField, isNetWare: isNetWare),
                  nameStart < line.bytes.count
            else { continue }
            var parsed = entry(line, kind: isDevice ? .other : kind, nameStart: nameStart, size: size, modified: modified, permissions: permissions)
            parsed.sizeIsWrittenInBytes = sizeInDigits != nil && parsed.kind == .file
            return .entry(parsed)
        }
        return sawImpossibleDate ? .impossibleDate : .noDate
    }

    /// Whether field `index` is digits alone that no shape of `dateFields` starts with: three
    /// digits, five or more, or one or two outside 1...31 (a day or a month). Read in place, without
    /// the slices `dateFields` cuts, so that the fields before the date cost little.
    static func cannotStartDate(_ line: Line, at index: Int) -> Bool {
        let range = line.fields[index]
        var value = 0
        for position in range {
            let byte = line.bytes[position]
            guard byte >= 0x30, byte <= 0x39 else { return false }
            // Only the values of one or two digits matter; a longer run of digits stays small.
            if value <= 31 { value = value * 10 + Int(byte - 0x30) }
        }
        switch range.count {
        case 1, 2: return value == 0 || value > 31
        // A year: `2003  3月 20` (FileZilla).
        case 4: return false
        default: return true
        }
    }

    /// Where the name starts after the date that ends with field `lastDateField`; nil when the
    /// gap before it cannot be right. ls puts one space before the name; NetWare pads with several.
    private static func nameStart(_ line: Line, dateIndex: Int, lastDateField: Int, isNetWare: Bool) -> Int? {
        let last = line.fields[lastDateField]
        let blanks = line.skippingSpaces(from: last.upperBound) - last.upperBound
        if isNetWare { return last.upperBound + blanks }
        // A numeric date without a time is padded to the width of one with a time: `ls
        // --time-style=iso` writes `2019-01-03  name` for old files, FileZilla saw `2004.07.15   name`.
        if lastDateField == dateIndex, numericDate(line[dateIndex]) != nil {
            return blanks >= 2 ? last.upperBound + blanks : nil
        }
        // Some ls write the year one space after the day and pad after it instead (lftp):
        // `Nov 20 2025  name`.
        if blanks >= 2, last.count == 4, lastDateField > dateIndex, Bytes.number(line[lastDateField]) != nil,
           line.fields[lastDateField - 1].upperBound + 1 == last.lowerBound, dayNumber(line[lastDateField - 1]) != nil {
            return last.upperBound + 2
        }
        return last.upperBound + 1
    }

    private func entry(_ line: Line, kind: ListingEntry.Kind, nameStart: Int, size: UInt64?, modified: Date?, permissions: String?) -> ListingEntry {
        var nameEnd = line.bytes.count
        var target: String?
        if kind == .link, let arrow = Self.find([0x20, 0x2D, 0x3E, 0x20], in: line.bytes, from: nameStart) {
            target = line.text(from: arrow + 4)
            nameEnd = arrow
        }
        return ListingEntry(
            nameBytes: line.name(nameStart..<nameEnd), kind: kind, size: kind == .other || kind == .directory ? nil : size,
            modified: modified, target: target, permissions: permissions)
    }

    /// Whether a field reads like a Unix mode: `drwxr-xr-x`, perhaps followed by `+`, `@` or `.`
    /// and even the link count (`drwxr-x---+1464`), the short `drwxrwx` (HylaFAX) and `drw-r--rw`, or the
    /// Connect:Enterprise form `-C--E-----FTP`.
    static func isUnixMode(_ field: LineBytes) -> Bool {
        guard field.count >= 7, let type = field.first else { return false }
        switch type {
        case UInt8(ascii: "-"), UInt8(ascii: "d"), UInt8(ascii: "l"), UInt8(ascii: "c"), UInt8(ascii: "b"), UInt8(ascii: "p"),
             UInt8(ascii: "s"), UInt8(ascii: "D"), UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "a"):
            break
        default:
            return false
        }
        if isRWXMode(field) {
            let rest = field.dropFirst(10).drop { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: ".") }
            return rest.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        // HylaFAX writes the owner's and the group's bits only (`drwxrwx`); a server in basic-ftp's
        // issue 193 leaves out the last one (`drw-r--rw`).
        if field.count == 7 || field.count == 9, arePermissionLetters(field.dropFirst()) { return true }
        return (10...13).contains(field.count) && field.dropFirst().allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x41 && $0 <= 0x5A) }
    }

    /// Whether the nine characters after the type are permission letters, each where it belongs:
    /// `r` or `-`, then `w` or `-`, then `x`, `-` or a special bit (`s`, `S`, `t`, `T`, `l`, `L`).
    static func isRWXMode(_ field: LineBytes) -> Bool {
        field.count >= 10 && arePermissionLetters(field.dropFirst().prefix(9))
    }

    /// Whether each byte of `letters` (nine at most) is the permission letter of its place in
    /// `rwxrwxrwx`, or `-`.
    private static func arePermissionLetters(_ letters: LineBytes) -> Bool {
        for (position, byte) in letters.enumerated() {
            guard byte != UInt8(ascii: "-") else { continue }
            let allowed = switch position % 3 {
            case 0: byte == UInt8(ascii: "r")
            case 1: byte == UInt8(ascii: "w")
            default: isExecuteLetter(byte)
            }
            guard allowed else { return false }
        }
        return true
    }

    /// Whether a byte is a letter of the execute places: `x` and the setuid, setgid, sticky and
    /// locking bits.
    private static func isExecuteLetter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "x"), UInt8(ascii: "s"), UInt8(ascii: "S"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "l"), UInt8(ascii: "L"): true
        default: false
        }
    }

    /// Whether a field is an English weekday abbreviation (`Thu`).
    private static func isWeekday(_ field: LineBytes) -> Bool {
        guard field.count == 3, let first = field.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A else { return false }
        return weekdays.contains { Bytes.equalsIgnoringCase(field, $0) }
    }

    private static let weekdays: [StaticString] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// The number at the end of a field that starts with a letter: `longgroup123456` → 123456
    /// (but `-528` is no size at all).
    private static func trailingDigits(_ field: LineBytes) -> UInt64? {
        let digitCount = field.reversed().prefix { $0 >= 0x30 && $0 <= 0x39 }.count
        guard digitCount > 0, digitCount < field.count, let first = field.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A else { return nil }
        return Bytes.number(field.suffix(digitCount))
    }

    /// The index of the first occurrence of `needle` in `bytes` at or after `start`.
    static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard needle.count <= bytes.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

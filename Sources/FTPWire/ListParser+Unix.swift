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
        let isNetWare = modeField.count == 1 && line.bytes[line.fields[1].lowerBound] == UInt8(ascii: "[")
        guard isNetWare || Self.isUnixMode(modeField) else { return nil }
        let kind: ListingEntry.Kind = switch type {
        case UInt8(ascii: "d"): .directory
        // Plan 9 marks append-only files `a`.
        case UInt8(ascii: "-"), UInt8(ascii: "f"), UInt8(ascii: "a"): .file
        case UInt8(ascii: "l"): .link
        default: .other
        }
        let permissions = isNetWare || !Self.isRWXMode(modeField) ? nil : String(decoding: modeField.dropFirst().prefix(9), as: UTF8.self)
        // English month names first, which is nearly every line and cheap; then other languages.
        for localized in [false, true] {
            switch datedEntry(line, kind: kind, permissions: permissions, isNetWare: isNetWare, localized: localized) {
            case .entry(let entry): return entry
            case .impossibleDate: return nil
            case .noDate: continue
            }
        }
        // No date at all: `drwxr-xr-x 3 owner group 512 name`; but a date with impossible
        // values (`Jam 4 12:00`, `Nov 0 30:01`) is no name.
        guard line.fields.count >= 6, Bytes.number(line[1]) != nil, let size = Bytes.number(line[4]), !Self.looksLikeDate(line, at: 5) else { return nil }
        return entry(line, kind: kind, nameStart: line.fields[4].upperBound + 1, size: size, modified: nil, permissions: permissions)
    }

    /// What the search for a date in a line found.
    private enum DatedLine {
        case entry(ListingEntry)
        /// Fields with the shape of a date but no valid value (`Feb 30 2024`): the line is unreadable.
        case impossibleDate
        case noDate
    }

    /// Whether the fields from `index` have the shape of a Unix date, valid or not: a month-like
    /// word or number, a day-like number or word, and a time or a year; or a numeric date
    /// (`2012-30-07`).
    static func looksLikeDate(_ line: Line, at index: Int) -> Bool {
        guard index < line.fields.count else { return false }
        if numericDate(line[index]) != nil || dayMonthNameYear(line[index]) != nil { return true }
        guard index + 2 < line.fields.count else { return false }
        func isShortWord(_ field: ArraySlice<UInt8>) -> Bool {
            (2...4).contains(field.count) && field.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        }
        func isShortNumber(_ field: ArraySlice<UInt8>) -> Bool {
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
            guard let (modified, lastDateField) = dateFields(line, at: dateIndex, localized: localized) else { continue }
            guard modified != nil else {
                sawImpossibleDate = true
                continue
            }
            let sizeField = line[dateIndex - 1]
            let isDevice = sizeField.contains(UInt8(ascii: ",")) || (dateIndex >= 3 && line[dateIndex - 2].last == UInt8(ascii: ","))
            var size = isDevice ? nil : Bytes.sizeWithUnit(sizeField)
            if size == nil, !isDevice {
                // A group that runs into the size: `longgroup123456`.
                guard let digits = Self.trailingDigits(sizeField) else { continue }
                size = digits
            }
            let end = line.fields[lastDateField].upperBound
            guard end < line.bytes.count else { continue }
            // ls puts one space before the name; NetWare and some others pad with several.
            let padded = isNetWare || line.fields[lastDateField].count > 5 && line.bytes[line.fields[lastDateField].lowerBound + 4] == UInt8(ascii: ".")
            let nameStart = padded ? line.skippingSpaces(from: end) : end + 1
            guard nameStart < line.bytes.count else { continue }
            return .entry(entry(line, kind: isDevice ? .other : kind, nameStart: nameStart, size: size, modified: modified, permissions: permissions))
        }
        return sawImpossibleDate ? .impossibleDate : .noDate
    }

    private func entry(_ line: Line, kind: ListingEntry.Kind, nameStart: Int, size: UInt64?, modified: Date?, permissions: String?) -> ListingEntry {
        var nameEnd = line.bytes.count
        var target: String?
        if kind == .link, let arrow = Self.find([0x20, 0x2D, 0x3E, 0x20], in: line.bytes, from: nameStart) {
            target = line.text(from: arrow + 4)
            nameEnd = arrow
        }
        return ListingEntry(
            remoteName: line.path(nameStart..<nameEnd), kind: kind, size: kind == .other || kind == .directory ? nil : size,
            modified: modified, target: target, permissions: permissions)
    }

    /// Whether a field reads like a Unix mode: `drwxr-xr-x`, perhaps followed by `+`, `@` or `.`
    /// and even the link count (`drwxr-x---+1464`), or the Connect:Enterprise form `-C--E-----FTP`.
    static func isUnixMode(_ field: ArraySlice<UInt8>) -> Bool {
        guard field.count >= 10, let type = field.first else { return false }
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
        return field.count <= 13 && field.dropFirst().allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x41 && $0 <= 0x5A) }
    }

    /// Whether the nine characters after the type are permission letters, each where it belongs:
    /// `r` or `-`, then `w` or `-`, then `x`, `-` or a special bit (`s`, `S`, `t`, `T`, `l`, `L`).
    static func isRWXMode(_ field: ArraySlice<UInt8>) -> Bool {
        guard field.count >= 10 else { return false }
        for position in 0..<9 {
            let byte = field[field.startIndex + 1 + position]
            guard byte != UInt8(ascii: "-") else { continue }
            let allowed = switch position % 3 {
            case 0: byte == UInt8(ascii: "r")
            case 1: byte == UInt8(ascii: "w")
            default: executeLetters.contains(byte)
            }
            guard allowed else { return false }
        }
        return true
    }

    /// The letters of the execute places: `x` and the setuid, setgid, sticky and locking bits.
    private static let executeLetters = Array("xsStTlL".utf8)

    /// The number at the end of a field that starts with a letter: `longgroup123456` → 123456
    /// (but `-528` is no size at all).
    private static func trailingDigits(_ field: ArraySlice<UInt8>) -> UInt64? {
        let digits = field.reversed().prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !digits.isEmpty, digits.count < field.count, let first = field.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A else { return nil }
        return Bytes.number(ArraySlice(digits.reversed()))
    }

    /// The index of the first occurrence of `needle` in `bytes` at or after `start`.
    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

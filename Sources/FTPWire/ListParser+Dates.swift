import Foundation

extension ListParser {
    /// A date that starts at field `index` of a Unix-style line, in any of the shapes servers
    /// write, and the index of its last field. The date is nil when the fields have the shape of
    /// a date but not a valid value.
    ///
    /// Shapes: `Nov 25 14:35`, `Nov 25  2019`, `Nov 25 14:35:07 2019`, `Oct 08, 2002 09:47`,
    /// `25 Nov 14:35`, `26. Juli, 20:10`, `2026-11-25 14:35`, `2026-11-25 14:35:07.123456789 +0100`,
    /// `1999/10/12 17:12`, `2004.07.15`, `24-04-2003 17:12`, `09-26 13:45`, `01-jun-99`, `3 29 03:26`
    /// and the CJK forms `8月 17日 20:10`, `2005년 1월 6일`, `2003  3月 20`.
    func dateFields(_ line: Line, at index: Int, localized: Bool = true) -> (date: Date?, last: Int)? {
        let count = line.fields.count
        let first = line[index]
        // One field holding year, month and day (and perhaps a time after it).
        if let (year, month, day) = Self.numericDate(first) ?? Self.dayMonthNameYear(first),
           CivilTime.date(year: year, month: month, day: day) != nil {
            if index + 1 < count, let (hour, minute, second) = Bytes.time(line[index + 1]) {
                let local = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
                // ls --time-style=full-iso adds the zone: `2026-11-20 10:00:01.123456789 +0100 name`.
                if index + 2 < count - 1, let offset = Self.zoneOffset(line[index + 2]) {
                    return (local.map { $0.addingTimeInterval(-offset) }, index + 2)
                }
                return (local, index + 1)
            }
            return (CivilTime.date(year: year, month: month, day: day), index)
        }
        // `09-26 13:45` or `09-26 2000`: month and day, then a time or a year.
        if first.count == 5, first[first.startIndex + 2] == UInt8(ascii: "-"), let month = Bytes.int(first.prefix(2)), let day = Bytes.int(first.suffix(2)),
           index + 1 < count {
            return yearOrTime(line, at: index + 1, month: month, day: day)
        }
        // Year first, CJK style: `2005년 1월 6일`.
        if first.count > 4, first.last ?? 0 >= 0x80, let year = Self.cjkNumber(first, suffixes: Self.yearSuffixes), index + 2 < count,
           let month = Self.cjkNumber(line[index + 1], suffixes: Self.monthSuffixes),
           let day = Self.cjkNumber(line[index + 2], suffixes: Self.daySuffixes),
           let date = CivilTime.date(year: year, month: month, day: day) {
            return (date, index + 2)
        }
        // Year first with only the month marked: `2003   3月 20 name` (FileZilla). A time after the
        // day means the first field was a size: `4096 3月 20 10:00 name`.
        if first.count == 4, let year = Bytes.int(first), index + 3 < count,
           let month = Self.cjkNumber(line[index + 1], suffixes: Self.monthSuffixes),
           let day = Self.cjkNumber(line[index + 2], suffixes: Self.daySuffixes) ?? Self.dayNumber(line[index + 2]),
           Bytes.time(line[index + 3]) == nil {
            return (CivilTime.date(year: year, month: month, day: day), index + 2)
        }
        guard index + 2 < count else { return nil }
        let second = line[index + 1]
        let month: Int
        let day: Int
        if let name = Bytes.month(first, localized: localized), let number = Self.dayNumber(second) {
            (month, day) = (name, number)
        } else if let number = Self.dayNumber(first), let name = Bytes.month(second, localized: localized) {
            (month, day) = (name, number)
        } else if first.last ?? 0 >= 0x80, let number = Self.cjkNumber(first, suffixes: Self.monthSuffixes),
                  let dayNumber = Self.cjkNumber(second, suffixes: Self.daySuffixes) ?? Self.dayNumber(second) {
            // Japanese `ls` writes the day without 日: `11月 20 10:00`.
            (month, day) = (number, dayNumber)
        } else if first.count <= 2, let number = Bytes.int(first), (1...12).contains(number), second.count <= 2, let dayNumber = Bytes.int(second) {
            (month, day) = (number, dayNumber)
        } else if first.count > 3, let name = Self.gluedMonth(first), let number = Self.dayNumber(second) {
            // Garbage run into the month (Chromium saw `/t11/member/incomingFeb  8  2007`).
            (month, day) = (name, number)
        } else {
            return nil
        }
        guard (1...31).contains(day) else { return nil }
        return yearOrTime(line, at: index + 2, month: month, day: day)
    }

    /// The capitalised English month abbreviation that ends a longer field: `incomingFeb`.
    /// A size run into it (`45056Mar`) is no date: the size is missing.
    private static func gluedMonth(_ field: LineBytes) -> Int? {
        let suffix = field.suffix(3)
        guard let first = suffix.first, first >= 0x41, first <= 0x5A, suffix.dropFirst().allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }),
              let before = field.dropLast(3).last, !(before >= 0x30 && before <= 0x39)
        else { return nil }
        return Bytes.month(suffix, localized: false)
    }

    /// The field at `index` as a time (this year or last) or a year, with perhaps a time after the year.
    private func yearOrTime(_ line: Line, at index: Int, month: Int, day: Int) -> (date: Date?, last: Int)? {
        let field = line[index]
        if let (hour, minute, second) = Bytes.time(field) {
            // BSD `ls -lT` writes the whole time and then the year: `Nov 20 10:00:59 2025 name`.
            if field.count == 8, index + 2 < line.fields.count, line[index + 1].count == 4, let year = Bytes.int(line[index + 1]) {
                return (CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second), index + 1)
            }
            return (recentDate(month: month, day: day, hour: hour, minute: minute, second: second), index)
        }
        guard let year = Self.cjkNumber(field, suffixes: Self.yearSuffixes) ?? (field.count == 4 ? Bytes.int(field) : nil) else { return nil }
        // Some servers add the time after the year: `Oct 08, 2002 09:47`; a name must still follow.
        if index + 2 < line.fields.count, let (hour, minute, second) = Bytes.time(line[index + 1]) {
            return (CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second), index + 1)
        }
        return (CivilTime.date(year: year, month: month, day: day), index)
    }

    /// The seconds east of UTC that a zone such as `+0100` or `-0530` stands for.
    static func zoneOffset(_ field: LineBytes) -> TimeInterval? {
        guard field.count == 5, let sign = field.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
              let digits = Bytes.int(field.dropFirst()), digits % 100 < 60, digits / 100 <= 14
        else { return nil }
        let seconds = TimeInterval(digits / 100 * 3600 + digits % 100 * 60)
        return sign == UInt8(ascii: "-") ? -seconds : seconds
    }

    /// `2026-11-25`, `1999/10/12`, `2004.07.15` (year first) or `24-04-2003`, `24.04.2003` (day first).
    static func numericDate(_ field: LineBytes) -> (Int, Int, Int)? {
        guard field.count == 10 else { return nil }
        for separator in [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ".")] {
            guard let parts = Bytes.dateParts(field, separator: separator) else { continue }
            if parts[0].digits == 4 { return (parts[0].value, parts[1].value, parts[2].value) }
            if parts[2].digits == 4 { return (parts[2].value, parts[1].value, parts[0].value) }
        }
        return nil
    }

    /// `01-jun-99` or `15-JUL-2002`.
    static func dayMonthNameYear(_ field: LineBytes) -> (Int, Int, Int)? {
        guard (7...11).contains(field.count), field.contains(UInt8(ascii: "-")) else { return nil }
        let parts = field.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count <= 2, let day = Bytes.int(parts[0]), let month = Bytes.month(parts[1]),
              let year = Bytes.int(parts[2]), parts[2].count == 2 || parts[2].count == 4
        else { return nil }
        return (Bytes.fullYear(year, digits: parts[2].count), month, day)
    }

    /// A day of the month, perhaps followed by `.` or `,`: `25`, `26.`, `08,`.
    static func dayNumber(_ field: LineBytes) -> Int? {
        var digits = field
        if let last = digits.last, last == UInt8(ascii: ".") || last == UInt8(ascii: ",") { digits = digits.dropLast() }
        guard digits.count <= 2, let day = Bytes.int(digits) else { return nil }
        return day
    }

    static let yearSuffixes: [[UInt8]] = [Array("年".utf8), Array("년".utf8)]
    static let monthSuffixes: [[UInt8]] = [Array("月".utf8), Array("월".utf8)]
    static let daySuffixes: [[UInt8]] = [Array("日".utf8), Array("일".utf8)]

    /// A number with one of `suffixes` after it: `8月`, `2005년`.
    static func cjkNumber(_ field: LineBytes, suffixes: [[UInt8]]) -> Int? {
        for suffix in suffixes where field.count > suffix.count && field.suffix(suffix.count).elementsEqual(suffix) {
            return Bytes.int(field.dropLast(suffix.count))
        }
        return nil
    }
}

import Foundation

extension ListParser {
    /// DOS, IIS and Windows CE: `11-25-26  02:35PM       <DIR>          name` or
    /// `2026-11-25  14:35             1,234 name`.
    func dosEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 4, let date = dosDate(line[0]) else { return nil }
        var timeIndex = 1
        guard let time = Bytes.time(Self.droppingMeridiem(line[1])) else { return nil }
        var hour = time.0
        let minute = time.1
        var meridiem = Self.meridiem(line[1])
        if meridiem == nil, Bytes.equalsIgnoringCase(line[2], "AM") || Bytes.equalsIgnoringCase(line[2], "PM") {
            meridiem = line[2]
            timeIndex = 2
        }
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (Bytes.equalsIgnoringCase(meridiem, "PM") ? 12 : 0)
        }
        let sizeIndex = timeIndex + 1
        guard sizeIndex + 1 < line.fields.count || (sizeIndex < line.fields.count && line.fields[sizeIndex].upperBound < line.bytes.count) else {
            return nil
        }
        let modified = CivilTime.date(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute)
        guard modified != nil else { return nil }
        let nameStart = line.skippingSpaces(from: line.fields[sizeIndex].upperBound)
        guard nameStart < line.bytes.count else { return nil }
        let name = line.name(from: nameStart)
        let sizeField = line[sizeIndex]
        if Bytes.equalsIgnoringCase(sizeField, "<DIR>") {
            return ListingEntry(nameBytes: name, kind: .directory, modified: modified)
        }
        if Bytes.equalsIgnoringCase(sizeField, "<JUNCTION>") || Bytes.equalsIgnoringCase(sizeField, "<SYMLINK>") || Bytes.equalsIgnoringCase(sizeField, "<SYMLINKD>") {
            // `dir` writes the target after the name: `Documents [C:\Users\Public\Documents]`.
            if line.bytes.last == UInt8(ascii: "]"), let open = line.bytes[nameStart...].lastIndex(of: UInt8(ascii: "[")),
               open > nameStart + 1, line.bytes[open - 1] == 0x20 {
                return ListingEntry(
                    nameBytes: line.name(nameStart..<(open - 1)), kind: .link, modified: modified,
                    target: line.text((open + 1)..<(line.bytes.count - 1)))
            }
            return ListingEntry(nameBytes: name, kind: .link, modified: modified)
        }
        guard let size = Bytes.groupedNumber(sizeField) else { return nil }
        return ListingEntry(nameBytes: name, kind: .file, size: size, modified: modified)
    }

    /// `MM-DD-YY`, `MM-DD-YYYY`, `YYYY-MM-DD` (also with `/` or `.`).
    private func dosDate(_ field: LineBytes) -> (year: Int, month: Int, day: Int)? {
        for separator in [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ".")] {
            guard let parts = Bytes.dateParts(field, separator: separator) else { continue }
            if parts[0].digits == 4 { return (parts[0].value, parts[1].value, parts[2].value) }
            guard parts[0].digits <= 2, parts[1].digits <= 2, parts[2].digits == 2 || parts[2].digits == 4 else { return nil }
            // Month first, unless the first number cannot be a month (`20-05-97`).
            let (month, day) = parts[0].value > 12 ? (parts[1].value, parts[0].value) : (parts[0].value, parts[1].value)
            return (Bytes.fullYear(parts[2].value, digits: parts[2].digits), month, day)
        }
        return nil
    }

    private static func meridiem(_ field: LineBytes) -> LineBytes? {
        guard field.count > 2 else { return nil }
        let suffix = field.suffix(2)
        return Bytes.equalsIgnoringCase(suffix, "AM") || Bytes.equalsIgnoringCase(suffix, "PM") ? suffix : nil
    }

    private static func droppingMeridiem(_ field: LineBytes) -> LineBytes {
        meridiem(field) == nil ? field : field.dropLast(2)
    }

    /// OS/2: `  1234  A          02-10-97   10:55  name` or `     0           DIR   12-19-96   13:54  name`.
    func os2Entry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 4, let size = Bytes.number(line[0]) else { return nil }
        var isDirectory = false
        for index in 1..<(line.fields.count - 1) {
            let field = line[index]
            guard let parts = Bytes.dateParts(field, separator: UInt8(ascii: "-")), parts[0].digits <= 2, parts[1].digits <= 2, (2...4).contains(parts[2].digits),
                  let (hour, minute, second) = Bytes.time(line[index + 1]), index + 2 < line.fields.count
            else {
                // Before the date only attributes in capitals: `A`, `RSA`, `DIR`.
                guard field.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else { return nil }
                if field.elementsEqual("DIR".utf8) { isDirectory = true }
                continue
            }
            // OS/2 writes years after 1999 as years since 1900: `04-23-103`.
            let year = parts[2].digits == 3 ? 1900 + parts[2].value : Bytes.fullYear(parts[2].value, digits: parts[2].digits)
            guard let modified = CivilTime.date(year: year, month: parts[0].value, day: parts[1].value, hour: hour, minute: minute, second: second) else {
                return nil
            }
            let name = line.name(from: line.fields[index + 2].lowerBound)
            return isDirectory
                ? ListingEntry(nameBytes: name, kind: .directory, modified: modified)
                : ListingEntry(nameBytes: name, kind: .file, size: size, modified: modified)
        }
        return nil
    }
}

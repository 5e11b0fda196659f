import Foundation

extension ListParser {
    /// Unix `ls -l` lines and their relatives (NetWare, NetPresenz):
    /// `drwxr-xr-x  2 owner group  4096 Nov 25 14:35 name`, with the owner or group missing,
    /// `Nov 25  2019`, `2026-11-25 14:35`, `25 Nov 14:35`, device numbers `4, 64`,
    /// `name -> target` for links.
    func unixEntry(_ line: Line) -> ListingEntry? {
        guard let type = line.bytes.first, line.fields.count >= 4 else { return nil }
        let modeField = line[0]
        let isNetWare = modeField.count == 1 && line.bytes.count > 2 && line.bytes[line.fields[1].lowerBound] == UInt8(ascii: "[")
        guard isNetWare || Self.isUnixMode(modeField) else { return nil }
        for dateIndex in 2..<(line.fields.count - 1) {
            guard let (modified, timeField) = unixDate(line, at: dateIndex) else { continue }
            // The size stands right before the date; a device shows "major, minor" there instead.
            let sizeField = line[dateIndex - 1]
            let isDevice = sizeField.last == UInt8(ascii: ",") || line[dateIndex - 2].last == UInt8(ascii: ",")
                || sizeField.contains(UInt8(ascii: ","))
            let size = isDevice ? nil : Bytes.number(sizeField)
            guard size != nil || isDevice else { continue }
            let end = line.fields[timeField].upperBound
            guard end < line.bytes.count else { return nil }
            // ls puts one space before the name; NetWare pads with several.
            let nameStart = isNetWare ? line.skippingSpaces(from: end) : end + 1
            guard nameStart < line.bytes.count else { return nil }
            var nameEnd = line.bytes.count
            var target: String?
            let kind: ListingEntry.Kind
            switch type {
            case UInt8(ascii: "d"): kind = .directory
            case UInt8(ascii: "-"), UInt8(ascii: "f"): kind = isDevice ? .other : .file
            case UInt8(ascii: "l"):
                kind = .link
                if let arrow = Self.find([0x20, 0x2D, 0x3E, 0x20], in: line.bytes, from: nameStart) {
                    target = line.text(from: arrow + 4)
                    nameEnd = arrow
                }
            default: kind = .other
            }
            let permissions = isNetWare ? nil : String(decoding: modeField.dropFirst().prefix(9), as: UTF8.self)
            return ListingEntry(
                remoteName: line.path(nameStart..<nameEnd), kind: kind, size: kind == .other ? nil : size, modified: modified,
                target: target, permissions: permissions)
        }
        return nil
    }

    /// Whether a field reads like `drwxr-xr-x`, perhaps followed by `+`, `@` or `.`.
    static func isUnixMode(_ field: ArraySlice<UInt8>) -> Bool {
        guard field.count >= 10, field.count <= 11, let type = field.first,
              "-dlcbpsDnf".utf8.contains(type) else { return false }
        let start = field.startIndex
        for offset in 1..<10 {
            guard "rwxsStTlL-".utf8.contains(field[start + offset]) else { return false }
        }
        return field.count == 10 || "+@.".utf8.contains(field[start + 10])
    }

    /// The date starting at field `index` and the index of its last field: `Nov 25 14:35`,
    /// `Nov 25 2019`, `25 Nov 14:35`, `2026-11-25 14:35`.
    private func unixDate(_ line: Line, at index: Int) -> (Date?, Int)? {
        let first = line[index]
        if first.count == 10, first[first.startIndex + 4] == UInt8(ascii: "-"),
           let parts = Bytes.dateParts(first, separator: UInt8(ascii: "-")), index + 1 < line.fields.count,
           let (hour, minute, second) = Bytes.time(line[index + 1]) {
            return (CivilTime.date(year: parts[0].value, month: parts[1].value, day: parts[2].value, hour: hour, minute: minute, second: second), index + 1)
        }
        guard index + 2 < line.fields.count else { return nil }
        let month: Int
        let day: Int
        if let m = Bytes.month(first), let d = Bytes.int(line[index + 1]) {
            (month, day) = (m, d)
        } else if let d = Bytes.int(first.last == UInt8(ascii: ".") ? first.dropLast() : first), let m = Bytes.month(line[index + 1]) {
            (month, day) = (m, d)
        } else {
            return nil
        }
        guard (1...31).contains(day) else { return nil }
        let last = line[index + 2]
        if let (hour, minute, second) = Bytes.time(last) {
            return (recentDate(month: month, day: day, hour: hour, minute: minute, second: second), index + 2)
        }
        if last.count == 4, let year = Bytes.int(last) {
            // Some servers add the time after the year: `Nov 25 2019 14:35`.
            if index + 3 < line.fields.count, let (hour, minute, second) = Bytes.time(line[index + 3]), line.fields.count > index + 4 {
                return (CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second), index + 3)
            }
            return (CivilTime.date(year: year, month: month, day: day), index + 2)
        }
        return nil
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

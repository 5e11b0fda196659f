import Foundation

extension ListParser {
    /// VMS: `CII-MANUAL.TEX;1  213/216  29-JAN-1996 03:33:12  [ANONYMOU,ANONYMOUS]  (RWED,RWED,,)`,
    /// with the size (512-byte blocks, used/allocated, or bytes with a unit such as `2KB`) before or
    /// after the date, and `[...]` fields anywhere. `NAME.DIR;1` is a directory called `NAME`; ODS-5
    /// escapes (`A^.B`) are undone.
    func vmsEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 2, let version = Self.vmsVersion(in: line[0]) else { return nil }
        var size: UInt64?
        var modified: Date?
        var sawDate = false
        var index = 1
        while index < line.fields.count {
            let field = line[index]
            index += 1
            if field.first == UInt8(ascii: "(") { break }
            if field.first == UInt8(ascii: "[") { continue }
            if !sawDate, let (day, month, year) = Self.vmsDate(field) {
                sawDate = true
                var (hour, minute, second) = (0, 0, 0)
                if index < line.fields.count, let time = Bytes.time(line[index]) {
                    (hour, minute, second) = time
                    index += 1
                    // VMS times have 24 hours; `12:45:27 PM` is no VMS line.
                    if index < line.fields.count, Bytes.equalsIgnoringCase(line[index], "AM") || Bytes.equalsIgnoringCase(line[index], "PM") {
                        return nil
                    }
                } else if index < line.fields.count, line[index].contains(UInt8(ascii: ":")), line[index].first != UInt8(ascii: "[") {
                    // A time no clock shows (`25:13:43`).
                    return nil
                }
                // A date no calendar has (`13-FED-1997`, `32-JAN-2000`) makes the line unreadable.
                guard let month, let date = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else {
                    return nil
                }
                modified = date
            } else if size == nil, let blocks = Self.vmsSize(field) {
                size = blocks
            } else if size == nil, field.contains(UInt8(ascii: "/")),
                      field.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
                          .contains(where: { $0.isEmpty || !$0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) {
                // A `used/allocated` column that is no pair of numbers (`a/9`).
                return nil
            }
        }
        guard sawDate else { return nil }
        let name = Self.unescapingODS5(line[0])
        let base = name.dropLast(version)
        if base.count > 4, Bytes.equalsIgnoringCase(base.suffix(4), ".DIR") {
            return ListingEntry(nameBytes: base.dropLast(4), kind: .directory, modified: modified)
        }
        return ListingEntry(nameBytes: name, kind: .file, size: size, modified: modified)
    }

    /// The length of the `;N` version suffix of a VMS file name, or nil when there is none.
    static func vmsVersion(in field: LineBytes) -> Int? {
        guard let semicolon = field.lastIndex(of: UInt8(ascii: ";")), semicolon > field.startIndex,
              Bytes.number(field[(semicolon + 1)...]) != nil
        else { return nil }
        return field.endIndex - semicolon
    }

    /// `29-JAN-1996` as (day, month, year); the month is nil when its name is unknown.
    private static func vmsDate(_ field: LineBytes) -> (Int, Int?, Int)? {
        let parts = field.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count <= 2, let day = Bytes.int(parts[0]), parts[1].count == 3,
              parts[1].allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }), let year = Bytes.int(parts[2])
        else { return nil }
        return (day, Bytes.month(parts[1]), Bytes.fullYear(year, digits: parts[2].count))
    }

    /// `213/216` or `213` blocks of 512 bytes, or bytes with a unit: `2KB`.
    private static func vmsSize(_ field: LineBytes) -> UInt64? {
        let used = field.prefix { $0 != UInt8(ascii: "/") }
        if let blocks = Bytes.number(used), used.count == field.count || Bytes.number(field.dropFirst(used.count + 1)) != nil {
            let (bytes, overflow) = blocks.multipliedReportingOverflow(by: 512)
            return overflow ? nil : bytes
        }
        guard let last = field.last, !(last >= 0x30 && last <= 0x39) else { return nil }
        return Bytes.sizeWithUnit(field)
    }

    /// An ODS-5 name with its `^` escapes undone: `^.` is `.`, `^_` a space, `^^` a caret.
    private static func unescapingODS5(_ field: LineBytes) -> [UInt8] {
        var result: [UInt8] = []
        var escaped = false
        for byte in field {
            if escaped {
                result.append(byte == UInt8(ascii: "_") ? 0x20 : byte)
                escaped = false
            } else if byte == UInt8(ascii: "^") {
                escaped = true
            } else {
                result.append(byte)
            }
        }
        return result
    }
}

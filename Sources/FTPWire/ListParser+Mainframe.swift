import Foundation

extension ListParser {
    /// MVS data sets (`WYOSPT 3420 2003/05/21 1 200 FB 80 8053 PS 48-MVS.FILE`, `Migrated  NAME`,
    /// `Pseudo Directory  NAME`) and PDS members (`MEMBER 01.01 2002/09/12 2002/09/12 13:46 35 35 0 USER`).
    /// Partitioned data sets (PO) are directories; sizes are not given in bytes.
    func mvsEntry(_ line: Line) -> ListingEntry? {
        mvsDataSet(line) ?? mvsMember(line) ?? mvsLoadModule(line) ?? jesJob(line)
    }

    /// A job in a JES spool listing (`SITE FILETYPE=JES`), interface level 1
    /// (`USER1  JOB01906  OUTPUT  3 Spool Files`) or 2 (`USER1  JOB01906 USER  OUTPUT A  RC=0000 3 spool
    /// files`). A job whose output waits is a file named by its job ID, as commons-net reads it; jobs
    /// still queued or running are no entries yet (`Line.isKnownNonEntry`).
    private func jesJob(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 5, Self.isJobID(line[1]),
              Bytes.equalsIgnoringCase(line[2], "OUTPUT") || Bytes.equalsIgnoringCase(line[3], "OUTPUT")
        else { return nil }
        return ListingEntry(nameBytes: line.name(line.fields[1]), kind: .file)
    }

    /// A JES job ID: `JOB01906`, `TSU01830`, `STC00042`, or `J0123456` once numbers pass 99999.
    static func isJobID(_ field: LineBytes) -> Bool {
        guard field.count == 8 else { return false }
        let letters = field.prefix { ($0 >= 0x41 && $0 <= 0x5A) }
        guard ["JOB", "TSU", "STC", "J", "T", "S"].contains(where: { Bytes.equalsIgnoringCase(letters, $0) }) else { return false }
        return field.dropFirst(letters.count).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private func mvsDataSet(_ line: Line) -> ListingEntry? {
        let count = line.fields.count
        let last = line.name(line.fields[count - 1])
        switch count {
        case 2 where Bytes.equalsIgnoringCase(line[0], "Migrated"):
            return ListingEntry(nameBytes: last, kind: .file)
        case 3 where Bytes.equalsIgnoringCase(line[0], "Pseudo") && Bytes.equalsIgnoringCase(line[1], "Directory"):
            return ListingEntry(nameBytes: last, kind: .directory)
        case 3 where Bytes.equalsIgnoringCase(line[1], "Tape"), 4 where Bytes.equalsIgnoringCase(line[2], "VSAM"):
            return ListingEntry(nameBytes: last, kind: .file)
        case 7...10:
            // The organisation is the second-last field, the name the last.
            let date = Self.slashDate(line[2])
            guard date != nil || Bytes.equalsIgnoringCase(line[2], "**NONE**") else { return nil }
            let organisation = line[count - 2]
            let isPartitioned = Bytes.equalsIgnoringCase(organisation, "PO") || Bytes.equalsIgnoringCase(organisation, "PO-E")
            guard isPartitioned || ["PS", "VS", "DA"].contains(where: { Bytes.equalsIgnoringCase(organisation, $0) }) else { return nil }
            let modified = date.flatMap { CivilTime.date(year: $0.year, month: $0.month, day: $0.day) }
            // A referred date no calendar has (`2004/16/23`) makes the line unreadable.
            guard modified != nil || date == nil else { return nil }
            return ListingEntry(nameBytes: last, kind: isPartitioned ? .directory : .file, modified: modified)
        default:
            return nil
        }
    }

    /// A PDS member with statistics: `MEMBER  01.01 2002/09/12 2002/09/12 13:46  35  35  0 USER`.
    private func mvsMember(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 6, Self.isVersion(line[1]), let created = Self.slashDate(line[2]), let changed = Self.slashDate(line[3]),
              let (hour, minute, second) = Bytes.time(line[4]),
              CivilTime.date(year: created.year, month: created.month, day: created.day) != nil,
              let modified = CivilTime.date(year: changed.year, month: changed.month, day: changed.day, hour: hour, minute: minute, second: second)
        else { return nil }
        return ListingEntry(nameBytes: line.name(line.fields[0]), kind: .file, modified: modified)
    }

    /// A load-module member: `NAME  00B308  000411  [ALIAS]  00  FO  ...  31  ANY`, its size in hex.
    private func mvsLoadModule(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 5, line[1].count == 6, line[2].count == 6,
              let size = UInt64(String(decoding: line[1], as: UTF8.self), radix: 16), UInt64(String(decoding: line[2], as: UTF8.self), radix: 16) != nil,
              (3..<line.fields.count).contains(where: { Bytes.equalsIgnoringCase(line[$0], "FO") })
        else { return nil }
        return ListingEntry(nameBytes: line.name(line.fields[0]), kind: .file, size: size)
    }

    /// OS/400: `QSYS  77824 02/23/00 15:09:55 *DIR  QOpenSys/` or `QSYS  *MEM  QGPL/QSYS.FILE/QSYS.MBR`.
    func os400Entry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 3 else { return nil }
        var typeIndex = 1
        var size: UInt64?
        var modified: Date?
        if line.fields.count >= 6, let bytes = Bytes.number(line[1]), let date = Self.os400Date(line[2]), let (hour, minute, second) = Bytes.time(line[3]) {
            // A date no calendar has (`13/45/00`) makes the line unreadable.
            guard let date = CivilTime.date(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute, second: second) else {
                return nil
            }
            size = bytes
            modified = date
            typeIndex = 4
        }
        let type = line[typeIndex]
        guard type.first == UInt8(ascii: "*"), type.count > 1, typeIndex + 1 < line.fields.count else { return nil }
        var nameBytes = line.bytes[line.fields[typeIndex + 1].lowerBound...]
        let directoryTypes: [StaticString] = ["*DIR", "*LIB", "*FLR", "*FILE", "*DDIR"]
        var isDirectory = directoryTypes.contains { Bytes.equalsIgnoringCase(type, $0) }
        if nameBytes.last == UInt8(ascii: "/") {
            nameBytes.removeLast()
            isDirectory = true
        } else if Bytes.equalsIgnoringCase(type, "*FILE") {
            isDirectory = false
        }
        return isDirectory
            ? ListingEntry(nameBytes: nameBytes, kind: .directory, modified: modified)
            : ListingEntry(nameBytes: nameBytes, kind: .file, size: size, modified: modified)
    }

    /// Tandem Guardian: `ALTERNAT  101  430  5-Mar-98 13:37:42 222,4  "oooo"` (name, code, EOF
    /// size, date, time, owner, security).
    func tandemEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 6, Bytes.number(line[1]) != nil, let size = Bytes.number(line[2]) else { return nil }
        let parts = line[3].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, let day = Bytes.int(parts[0]), let month = Bytes.month(parts[1]), let year = Bytes.int(parts[2]),
              let (hour, minute, second) = Bytes.time(line[4]), line[5].contains(UInt8(ascii: ",")),
              let modified = CivilTime.date(year: Bytes.fullYear(year, digits: parts[2].count), month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return ListingEntry(nameBytes: line.name(line.fields[0]), kind: .file, size: size, modified: modified)
    }

    /// VxWorks: `    3445   Mar 25 2004 14:42:56   hello.txt`, `512  Jan-01-1980  00:00:00  DIR1  <DIR>`.
    /// The name's padding on the right is not part of it.
    func vxWorksEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 4, let size = Bytes.number(line[0]) else { return nil }
        var timeIndex = 2
        var date: (Int, Int, Int)?
        let parts = line[1].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        if parts.count == 3, let month = Bytes.month(parts[0]), let day = Bytes.int(parts[1]), let year = Bytes.int(parts[2]), parts[2].count == 4 {
            date = (year, month, day)
        } else if line.fields.count >= 6, let month = Bytes.month(line[1]), let day = Bytes.int(line[2]), let year = Bytes.int(line[3]), line[3].count == 4 {
            date = (year, month, day)
            timeIndex = 4
        }
        guard let (year, month, day) = date, timeIndex + 1 < line.fields.count, let (hour, minute, second) = Bytes.time(line[timeIndex]) else {
            return nil
        }
        guard let modified = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else { return nil }
        let nameStart = line.fields[timeIndex + 1].lowerBound
        var last = line.fields.count - 1
        let isDirectory = last > timeIndex + 1 && Bytes.equalsIgnoringCase(line[last], "<DIR>")
        if isDirectory { last -= 1 }
        let name = line.name(nameStart..<line.fields[last].upperBound)
        return isDirectory
            ? ListingEntry(nameBytes: name, kind: .directory, modified: modified)
            : ListingEntry(nameBytes: name, kind: .file, size: size, modified: modified)
    }

    /// `2003/05/21` or `03/05/21`.
    private static func slashDate(_ field: LineBytes) -> (year: Int, month: Int, day: Int)? {
        guard let parts = Bytes.dateParts(field, separator: UInt8(ascii: "/")), parts[0].digits == 4 || parts[0].digits == 2 else { return nil }
        return (Bytes.fullYear(parts[0].value, digits: parts[0].digits), parts[1].value, parts[2].value)
    }

    /// `02/23/00` (month first; day first when the first number cannot be a month: `23/02/00`) or
    /// `23.02.00` (day first).
    private static func os400Date(_ field: LineBytes) -> (year: Int, month: Int, day: Int)? {
        if let parts = Bytes.dateParts(field, separator: UInt8(ascii: "/")) {
            let (month, day) = parts[0].value > 12 ? (parts[1].value, parts[0].value) : (parts[0].value, parts[1].value)
            return (Bytes.fullYear(parts[2].value, digits: parts[2].digits), month, day)
        }
        if let parts = Bytes.dateParts(field, separator: UInt8(ascii: ".")) {
            return (Bytes.fullYear(parts[2].value, digits: parts[2].digits), parts[1].value, parts[0].value)
        }
        return nil
    }

    /// `01.01` (a PDS member's version and modification level).
    private static func isVersion(_ field: LineBytes) -> Bool {
        let parts = field.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { $0.count == 2 && Bytes.number($0) != nil }
    }
}

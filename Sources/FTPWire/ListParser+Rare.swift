import Foundation

extension ListParser {
    /// Old VShell: `206876  Apr 04, 2000 21:06 name`; a name ending in `/` is a directory.
    func vShellEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 6, let size = Bytes.number(line[0]), let month = Bytes.month(line[1]),
              let day = Self.dayNumber(line[2]), let year = Bytes.int(line[3]), line[3].count == 4,
              let (hour, minute, second) = Bytes.time(line[4]),
              let modified = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        var name = line.bytes[line.fields[5].lowerBound...]
        if name.last == UInt8(ascii: "/") {
            name.removeLast()
            return ListingEntry(nameBytes: name, kind: .directory, modified: modified)
        }
        return ListingEntry(nameBytes: name, kind: .file, size: size, modified: modified)
    }

    /// Numeric Unix: `0100644  500  101  12345  123456789  name` (octal mode, uid, gid, size,
    /// seconds since 1970).
    func numericUnixEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 6, line[0].count >= 5, line[0].first == UInt8(ascii: "0"),
              let mode = Int(String(decoding: line[0], as: UTF8.self), radix: 8),
              Bytes.number(line[1]) != nil, Bytes.number(line[2]) != nil, let size = Bytes.number(line[3]),
              let seconds = Bytes.number(line[4])
        else { return nil }
        let kind: ListingEntry.Kind = switch mode & 0o170000 {
        case 0o040000: .directory
        case 0o100000: .file
        case 0o120000: .link
        default: .other
        }
        return ListingEntry(
            nameBytes: line.name(from: line.fields[5].lowerBound), kind: kind, size: kind == .file ? size : nil,
            modified: CivilTime.date(secondsSince1970: seconds), permissions: UnixPermissions.fromMode(mode))
    }

    /// Nortel wfFtp: `name  1014196  06/03/04  Thur.  10:20:03`.
    func nortelEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count == 5, let size = Bytes.number(line[1]),
              let parts = Bytes.dateParts(line[2], separator: UInt8(ascii: "/")), line[3].last == UInt8(ascii: "."),
              let (hour, minute, second) = Bytes.time(line[4]),
              let modified = CivilTime.date(
                  year: Bytes.fullYear(parts[2].value, digits: parts[2].digits), month: parts[0].value, day: parts[1].value,
                  hour: hour, minute: minute, second: second)
        else { return nil }
        return ListingEntry(nameBytes: line.name(line.fields[0]), kind: .file, size: size, modified: modified)
    }

    /// Microware OS-9: `20.20 07/03/29 1026 d-ewrewr 2650 85920 name` (owner, YY/MM/DD, HHMM,
    /// attributes, sector, size, name).
    func os9Entry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 7, line[0].contains(UInt8(ascii: ".")),
              let parts = Bytes.dateParts(line[1], separator: UInt8(ascii: "/")), line[2].count == 4, let clock = Bytes.int(line[2]),
              line[3].count == 8, line[3].allSatisfy({ "dsewr-".utf8.contains($0) }), let size = Bytes.number(line[5]),
              let modified = CivilTime.date(
                  year: Bytes.fullYear(parts[0].value, digits: parts[0].digits), month: parts[1].value, day: parts[2].value,
                  hour: clock / 100, minute: clock % 100)
        else { return nil }
        let name = line.name(from: line.fields[6].lowerBound)
        return line[3].first == UInt8(ascii: "d")
            ? ListingEntry(nameBytes: name, kind: .directory, modified: modified)
            : ListingEntry(nameBytes: name, kind: .file, size: size, modified: modified)
    }

    /// z/VM CMS: `NAME  TYPE  V  65  107  2  2005-10-04 15:28:42 OWNER`, shown as `NAME.TYPE`; also
    /// with FILELIST's file mode (`NAME  TYPE  A1 V  41  21  1  9/16/91  15:10:32`), month-first
    /// dates (`6/26/02`, and `1/03/102` after 1999), and directories
    /// (`WEBSHARE  DIR  -  -  -  5/30/97 18:44:17 -`). Record counts are not bytes: no size.
    func zvmEntry(_ line: Line) -> ListingEntry? {
        let count = line.fields.count
        for format in 1...3 where count == format + 6 || count == format + 7 {
            let isDirectory = line[format].elementsEqual("DIR".utf8)
            guard isDirectory || line[format].elementsEqual("F".utf8) || line[format].elementsEqual("V".utf8),
                  (format + 1...format + 3).allSatisfy({ isDirectory ? line[$0].elementsEqual("-".utf8) : Bytes.number(line[$0]) != nil }),
                  let (year, month, day) = Self.zvmDate(line[format + 4]), let (hour, minute, second) = Bytes.time(line[format + 5])
            else { continue }
            // Between the name and the record format: the file type, the file mode (`A1`), or both.
            let hasMode = Self.isZVMFileMode(line[format - 1]) && format > 1
            guard format - (hasMode ? 1 : 0) <= 2 else { continue }
            guard let modified = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else { return nil }
            let typeIndex = hasMode ? format - 2 : format - 1
            let name = typeIndex >= 1 && !isDirectory ? Array(line[0] + [UInt8(ascii: ".")] + line[typeIndex]) : Array(line[0])
            return ListingEntry(nameBytes: name, kind: isDirectory ? .directory : .file, modified: modified)
        }
        return nil
    }

    /// `2005-10-04`, `6/26/02`, `1/03/102` (years after 1999 as years since 1900) or `05/20/2000`.
    static func zvmDate(_ field: LineBytes) -> (Int, Int, Int)? {
        guard let parts = Bytes.dateParts(field, separator: UInt8(ascii: "/")) else { return numericDate(field) }
        guard parts[0].digits <= 2, parts[1].digits <= 2 else { return nil }
        let year = switch parts[2].digits {
        case 2: Bytes.fullYear(parts[2].value, digits: 2)
        case 3: 1900 + parts[2].value
        case 4: parts[2].value
        default: -1
        }
        return year < 0 ? nil : (year, parts[0].value, parts[1].value)
    }

    /// A CMS file mode: a disk letter and a digit 0 to 6 (`A1`).
    private static func isZVMFileMode(_ field: LineBytes) -> Bool {
        guard field.count == 2, let letter = field.first, let digit = field.last else { return false }
        return letter >= 0x41 && letter <= 0x5A && digit >= 0x30 && digit <= 0x36
    }

    /// z/VM Byte File System: `05/20/2000 13:38:19 F 1 65758 'report.txt'`, `D - - 'SUBDIR'` for
    /// directories; the name is quoted.
    func zvmBFSEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 6, let (year, month, day) = Self.zvmDate(line[0]), let (hour, minute, second) = Bytes.time(line[1]),
              line[2].elementsEqual("F".utf8) || line[2].elementsEqual("D".utf8)
        else { return nil }
        let open = line.fields[5].lowerBound
        guard line.bytes[open] == UInt8(ascii: "'"), line.bytes.last == UInt8(ascii: "'"), open + 1 < line.bytes.count - 1,
              let modified = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let name = line.name((open + 1)..<(line.bytes.count - 1))
        return line[2].elementsEqual("D".utf8)
            ? ListingEntry(nameBytes: name, kind: .directory, modified: modified)
            : ListingEntry(nameBytes: name, kind: .file, size: Bytes.number(line[4]), modified: modified)
    }

    /// Stratus VOS: files `w  158  stm  90-05-19 11:53:44  name`, directories
    /// `m  3  04-09-30 16:56:02  name`, links `04-07-13 21:15:43  name ->  target`.
    func stratusEntry(_ line: Line) -> ListingEntry? {
        func date(_ field: Int) -> Date? {
            guard field + 1 < line.fields.count, let parts = Bytes.dateParts(line[field], separator: UInt8(ascii: "-")),
                  parts.allSatisfy({ $0.digits == 2 }), let (hour, minute, second) = Bytes.time(line[field + 1])
            else { return nil }
            return CivilTime.date(year: Bytes.fullYear(parts[0].value, digits: 2), month: parts[1].value, day: parts[2].value, hour: hour, minute: minute, second: second)
        }
        let count = line.fields.count
        if count >= 4, let modified = date(0) {
            let start = line.fields[2].lowerBound
            guard let arrow = Self.find(Array(" ->".utf8), in: line.bytes, from: start) else { return nil }
            let target = line.skippingSpaces(from: arrow + 3)
            return ListingEntry(nameBytes: line.name(start..<arrow), kind: .link, modified: modified, target: line.text(from: target))
        }
        guard count >= 5, line[0].count == 1, Bytes.number(line[1]) != nil else { return nil }
        if let modified = date(2) {
            return ListingEntry(nameBytes: line.name(from: line.fields[4].lowerBound), kind: .directory, modified: modified)
        }
        if count >= 6, let modified = date(3), let blocks = Bytes.number(line[1]) {
            let (size, overflow) = blocks.multipliedReportingOverflow(by: 4096)
            return ListingEntry(nameBytes: line.name(from: line.fields[5].lowerBound), kind: .file, size: overflow ? nil : size, modified: modified)
        }
        return nil
    }

    /// A line with one word and nothing else: servers (MVS PDS member lists, some that answer
    /// LIST like NLST) send bare names. Headers such as `pub:` or `DISK$FTP:[ANONYMOUS]` are not
    /// names, nor is a VMS name with its version (`LONG_NAME.TXT;1`): its details follow on the
    /// next line.
    func bareNameEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count == 1, line.fields[0].lowerBound == 0 else { return nil }
        let word = line[0]
        // EPLF facts without the TAB and name after them: `+i8388621.29609,m824255902,/,`.
        if word.first == UInt8(ascii: "+"), word.contains(UInt8(ascii: ",")) { return nil }
        guard word.last != UInt8(ascii: ":"), !word.contains(UInt8(ascii: "[")), !word.contains(UInt8(ascii: "<")), !line.isLoneVMSName else {
            return nil
        }
        return ListingEntry(nameBytes: line.name(line.fields[0]), kind: .file)
    }
}

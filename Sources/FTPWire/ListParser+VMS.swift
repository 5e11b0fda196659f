import Foundation

extension ListParser {
    /// VMS: `CII-MANUAL.TEX;1  213/216  29-JAN-1996 03:33:12  [ANONYMOU,ANONYMOUS]  (RWED,RWED,,)`.
    /// Sizes are in 512-byte blocks (used/allocated); `NAME.DIR;1` is a directory called `NAME`.
    func vmsEntry(_ line: Line) -> ListingEntry? {
        guard line.fields.count >= 3, let version = Self.vmsVersion(in: line[0]) else { return nil }
        var index = 1
        var blocks: UInt64?
        if let slash = line[1].firstIndex(of: UInt8(ascii: "/")) {
            blocks = Bytes.number(line.bytes[line.fields[1].lowerBound..<slash])
            guard blocks != nil else { return nil }
            index = 2
        } else if let used = Bytes.number(line[1]) {
            blocks = used
            index = 2
        }
        guard index < line.fields.count, let parts = Self.vmsDate(line[index]) else { return nil }
        var hour = 0, minute = 0, second = 0
        if index + 1 < line.fields.count, let time = Bytes.time(line[index + 1]) { (hour, minute, second) = time }
        let modified = CivilTime.date(year: parts.year, month: parts.month, day: parts.day, hour: hour, minute: minute, second: second)
        let fullName = line[0]
        let base = fullName.dropLast(version)
        if base.count > 4, Bytes.equalsIgnoringCase(base.suffix(4), ".DIR") {
            return ListingEntry(remoteName: RemotePath(bytes: base.dropLast(4)), kind: .directory, modified: modified)
        }
        return ListingEntry(remoteName: RemotePath(bytes: fullName), kind: .file, size: blocks.map { $0 * 512 }, modified: modified)
    }

    /// The length of the `;N` version suffix of a VMS file name, or nil when there is none.
    static func vmsVersion(in field: ArraySlice<UInt8>) -> Int? {
        guard let semicolon = field.lastIndex(of: UInt8(ascii: ";")), semicolon > field.startIndex,
              Bytes.number(field[(semicolon + 1)...]) != nil
        else { return nil }
        return field.endIndex - semicolon
    }

    /// `29-JAN-1996`.
    private static func vmsDate(_ field: ArraySlice<UInt8>) -> (year: Int, month: Int, day: Int)? {
        let parts = field.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, let day = Bytes.int(parts[0]), let month = Bytes.month(parts[1]), let year = Bytes.int(parts[2]) else { return nil }
        return (Bytes.fullYear(year, digits: parts[2].count), month, day)
    }
}

import Foundation

/// Parses the lines of a LIST reply, recognising the format of each line.
///
/// Handles Unix `ls -l` output (with or without a group column, numeric owners, device files,
/// sizes beyond 4 GiB, dates with a year or a time, symlinks `name -> target`, names with
/// spaces) and DOS/IIS lines. Lines it does not recognise yield nil, never a made-up entry.
public struct ListParser: Sendable {
    /// The moment dates without a year are taken to be near: such a date is placed in the
    /// year that puts it no more than a day after `now`.
    public let now: Date

    public init(now: Date = Date()) { self.now = now }

    /// The entry a line describes, or nil for `total N`, blank, `.`/`..` and unrecognised lines.
    public func entry(_ line: Substring) -> ListingEntry? {
        let line = line.hasSuffix("\r") ? line.dropLast() : line
        guard !line.isEmpty else { return nil }
        let entry = unixEntry(line) ?? dosEntry(line)
        guard let entry, !entry.name.isEmpty, entry.name != ".", entry.name != ".." else { return nil }
        return entry
    }

    // MARK: Unix

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private func unixEntry(_ line: Substring) -> ListingEntry? {
        guard let typeCharacter = line.first, "-dlcbpsDn".contains(typeCharacter) else { return nil }
        let fields = Self.fields(line, limit: 12)
        guard fields.count >= 6 else { return nil }
        let modeField = line[fields[0]]
        guard modeField.count >= 10 else { return nil }
        // Find "Mon DD HH:MM|YYYY" followed by the name.
        for monthIndex in 3..<(fields.count - 2) {
            guard let month = Self.month(line[fields[monthIndex]]),
                  let day = Int(line[fields[monthIndex + 1]]), (1...31).contains(day)
            else { continue }
            let timeField = fields[monthIndex + 2]
            guard let modified = date(month: month, day: day, timeOrYear: line[timeField]) else { continue }
            let nameStart = timeField.upperBound
            guard nameStart < line.endIndex else { return nil }
            var name = line[line.index(after: nameStart)...]
            let sizeText = line[fields[monthIndex - 1]]
            let size = UInt64(sizeText)
            guard size != nil || sizeText.hasSuffix(",") || monthIndex >= 4 else { continue }
            var kind: ListingEntry.Kind
            var target: String?
            switch typeCharacter {
            case "d": kind = .directory
            case "-": kind = .file
            case "l":
                kind = .link
                if let arrow = name.range(of: " -> ") {
                    target = String(name[arrow.upperBound...])
                    name = name[..<arrow.lowerBound]
                }
            default: kind = .other
            }
            let permissions = String(modeField.dropFirst().prefix(9))
            return ListingEntry(
                name: String(name), kind: kind, size: size, modified: modified, target: target,
                permissions: permissions.allSatisfy({ "rwxsStTl-".contains($0) }) ? permissions : nil)
        }
        return nil
    }

    private static func month(_ text: Substring) -> Int? {
        guard text.count == 3 else { return nil }
        return months.firstIndex(of: text.lowercased()).map { $0 + 1 }
    }

    private func date(month: Int, day: Int, timeOrYear text: Substring) -> Date? {
        if let colon = text.firstIndex(of: ":") {
            guard let hour = Int(text[..<colon]), let minute = Int(text[text.index(after: colon)...]) else { return nil }
            let year = CivilTime.year(of: now)
            guard let thisYear = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute) else {
                return nil
            }
            if thisYear.timeIntervalSince(now) > 86_400 {
                return CivilTime.date(year: year - 1, month: month, day: day, hour: hour, minute: minute)
            }
            return thisYear
        }
        guard text.count == 4, let year = Int(text) else { return nil }
        return CivilTime.date(year: year, month: month, day: day)
    }

    // MARK: DOS / IIS

    /// `11-25-26  02:35PM       <DIR>          name` or `...    1234 name`.
    private func dosEntry(_ line: Substring) -> ListingEntry? {
        let fields = Self.fields(line, limit: 4)
        guard fields.count == 4 else { return nil }
        let dateParts = line[fields[0]].split(separator: "-", omittingEmptySubsequences: false)
        guard dateParts.count == 3, let month = Int(dateParts[0]), let day = Int(dateParts[1]),
              var year = Int(dateParts[2])
        else { return nil }
        if dateParts[2].count == 2 { year += year < 70 ? 2000 : 1900 }
        var time = line[fields[1]]
        var hourOffset = 0
        if time.uppercased().hasSuffix("AM") || time.uppercased().hasSuffix("PM") {
            hourOffset = time.uppercased().hasSuffix("PM") ? 12 : 0
            time = time.dropLast(2)
        }
        let timeParts = time.split(separator: ":")
        guard timeParts.count == 2, var hour = Int(timeParts[0]), let minute = Int(timeParts[1]) else { return nil }
        if hourOffset != 0 || line[fields[1]].uppercased().hasSuffix("AM") {
            hour = hour % 12 + hourOffset
        }
        let modified = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute)
        guard modified != nil else { return nil }
        let sizeField = line[fields[2]]
        let nameStart = fields[2].upperBound
        guard nameStart < line.endIndex else { return nil }
        let name = String(line[line.index(after: nameStart)...].drop(while: { $0 == " " }))
        if sizeField.uppercased() == "<DIR>" {
            return ListingEntry(name: name, kind: .directory, modified: modified)
        }
        guard let size = UInt64(sizeField) else { return nil }
        return ListingEntry(name: name, kind: .file, size: size, modified: modified)
    }

    // MARK: Fields

    /// The ranges of the first `limit` space-separated fields.
    private static func fields(_ line: Substring, limit: Int) -> [Range<Substring.Index>] {
        var result: [Range<Substring.Index>] = []
        var index = line.startIndex
        while index < line.endIndex, result.count < limit {
            while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
            guard index < line.endIndex else { break }
            let start = index
            while index < line.endIndex, line[index] != " ", line[index] != "\t" { index = line.index(after: index) }
            result.append(start..<index)
        }
        return result
    }
}

import Foundation

/// What the server knows of one file, from lstat(2).
struct FileInfo {
    enum Kind { case file, directory, link, other }

    let name: String
    let kind: Kind
    let size: UInt64
    let modified: Date
    let mode: UInt32
    let linkTarget: String?

    init?(path: String, name: String? = nil) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        self.name = name ?? String(path.split(separator: "/").last ?? "/")
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .link
        default: kind = .other
        }
        size = UInt64(max(0, status.st_size))
        modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
        mode = status.st_mode & 0o7777
        if kind == .link {
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(path, &target, target.count - 1)
            linkTarget = count >= 0 ? String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        } else {
            linkTarget = nil
        }
    }
}

/// Renders listing lines in the formats the server speaks.
enum ListingFormatter {
    enum Format { case unix, names, machine }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// One line, without a line ending.
    static func line(for info: FileInfo, format: Format) -> String {
        switch format {
        case .names: info.name
        case .machine: machineLine(info)
        case .unix: unixLine(info)
        }
    }

    /// `YYYYMMDDHHMMSS` in UTC.
    static func timeValue(_ date: Date) -> String {
        let parts = utcComponents(date)
        return String(format: "%04d%02d%02d%02d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    private static func machineLine(_ info: FileInfo) -> String {
        var facts: String
        switch info.kind {
        case .directory: facts = "type=dir;perm=flcdmpe;"
        case .file: facts = "type=file;size=\(info.size);perm=adfrw;"
        case .link: facts = "type=OS.unix=slink:\(info.linkTarget ?? "");"
        case .other: facts = "type=OS.unix=special;"
        }
        facts += "modify=\(timeValue(info.modified));unix.mode=0\(String(info.mode, radix: 8));"
        return facts + " " + info.name
    }

    private static func unixLine(_ info: FileInfo) -> String {
        let type: Character = switch info.kind {
        case .directory: "d"
        case .file: "-"
        case .link: "l"
        case .other: "p"
        }
        var permissions = String(type)
        let symbols: [Character] = ["r", "w", "x"]
        for bit in (0..<9).reversed() {
            permissions.append(info.mode & (1 << UInt32(bit)) != 0 ? symbols[(8 - bit) % 3] : "-")
        }
        let parts = utcComponents(info.modified)
        let month = months[max(0, min(11, (parts.month ?? 1) - 1))]
        let sixMonths: TimeInterval = 182 * 86_400
        let recent = abs(Date().timeIntervalSince(info.modified)) < sixMonths
        let when = recent
            ? String(format: "%@ %2d %02d:%02d", month, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0)
            : String(format: "%@ %2d  %04d", month, parts.day ?? 1, parts.year ?? 1970)
        let size = String(info.size)
        let paddedSize = String(repeating: " ", count: max(0, 12 - size.count)) + size
        var line = "\(permissions)    1 ftp      ftp      \(paddedSize) \(when) \(info.name)"
        if let target = info.linkTarget { line += " -> \(target)" }
        return line
    }

    private static func utcComponents(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }
}

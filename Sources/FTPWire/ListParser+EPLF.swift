import Foundation

extension ListParser {
    /// EPLF (Easily Parsed LIST Format): `+i8388621.48594,m825718503,r,s280,\tdjb.html`.
    func eplfEntry(_ line: Line) -> ListingEntry? {
        guard line.bytes.first == UInt8(ascii: "+"), let tab = line.bytes.firstIndex(of: 0x09), tab + 1 < line.bytes.count else { return nil }
        var kind = ListingEntry.Kind.file
        var size: UInt64?
        var modified: Date?
        var permissions: String?
        for fact in line.bytes[1..<tab].split(separator: UInt8(ascii: ",")) {
            guard let code = fact.first else { continue }
            let value = fact.dropFirst()
            switch code {
            case UInt8(ascii: "/"): kind = .directory
            case UInt8(ascii: "s"):
                // A size that is no number (or more than a UInt64 holds) makes the line unreadable.
                guard let number = Bytes.number(value) else { return nil }
                size = number
            case UInt8(ascii: "m"): modified = Bytes.number(value).flatMap(CivilTime.date(secondsSince1970:))
            case UInt8(ascii: "u"):
                if value.first == UInt8(ascii: "p") { permissions = UnixPermissions.fromOctal(digits: value.dropFirst()) }
            default: continue
            }
        }
        return ListingEntry(nameBytes: line.name(from: tab + 1), kind: kind, size: kind == .file ? size : nil, modified: modified, permissions: permissions)
    }
}

import Foundation

/// Parses MLSD lines and the entry line of an MLST reply (RFC 3659 §7).
public enum MLSxParser {
    /// The facts of a line, keyed by lower-cased fact name, and the name after them.
    /// Nil when the line has no name. (An MLST reply indents its entry line by one space:
    /// drop that space before calling.)
    public static func facts(of line: Substring) -> (facts: [String: String], name: String)? {
        if line.hasPrefix(" ") {
            let name = line.dropFirst()
            return name.isEmpty ? nil : ([:], String(name))
        }
        guard let separator = line.range(of: "; ") else { return nil }
        let name = line[separator.upperBound...]
        guard !name.isEmpty else { return nil }
        var facts: [String: String] = [:]
        for fact in line[..<separator.lowerBound].split(separator: ";") {
            guard let equals = fact.firstIndex(of: "=") else { continue }
            facts[fact[..<equals].lowercased()] = String(fact[fact.index(after: equals)...])
        }
        return (facts, String(name))
    }

    /// Parses a `YYYYMMDDHHMMSS[.sss]` time value (RFC 3659 §2.3), as MDTM and the `modify`
    /// fact give it, in UTC.
    public static func timeValue(_ text: String) -> Date? {
        CivilTime.parseTimeVal(Substring(text))
    }

    /// The listing entry a line describes. Nil for lines that are not entries, and for the
    /// `cdir`/`pdir` entries that name the listed directory and its parent.
    public static func entry(_ line: Substring) -> ListingEntry? {
        guard let (facts, name) = facts(of: line) else { return nil }
        let type = facts["type"]?.lowercased() ?? ""
        var kind: ListingEntry.Kind
        var target: String?
        switch type {
        case "cdir", "pdir": return nil
        case "dir": kind = .directory
        case "file": kind = .file
        case "os.unix=symlink", "os.unix=slink": kind = .link
        default:
            if type.hasPrefix("os.unix=slink:") {
                kind = .link
                target = String(facts["type"]?.dropFirst("os.unix=slink:".count) ?? "")
            } else {
                kind = type.isEmpty ? .file : .other
            }
        }
        if name == "." || name == ".." { return nil }
        var entry = ListingEntry(name: name, kind: kind, target: target)
        entry.size = (facts["size"] ?? facts["sizd"]).flatMap { UInt64($0) }
        if kind == .directory, facts["size"] == nil { entry.size = nil }
        entry.modified = facts["modify"].flatMap { CivilTime.parseTimeVal(Substring($0)) }
        entry.permissions = facts["unix.mode"].flatMap(UnixPermissions.fromOctal)
        return entry
    }
}

/// Unix permission strings.
enum UnixPermissions {
    /// `rwxr-xr-x` from an octal mode such as `0755` or `755`.
    static func fromOctal(_ text: String) -> String? {
        guard !text.isEmpty, text.count <= 6, let mode = Int(text, radix: 8) else { return nil }
        let symbols: [Character] = ["r", "w", "x"]
        var result = ""
        for bit in (0..<9).reversed() {
            result.append(mode & (1 << bit) != 0 ? symbols[(8 - bit) % 3] : "-")
        }
        return result
    }
}

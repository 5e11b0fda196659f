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
        CivilTime.parseTimeVal(ArraySlice(text.utf8))
    }

    /// What one line of an MLSD listing holds.
    public typealias ParsedLine = ParsedListingLine

    /// The listing entry a line describes. Nil for lines that are not entries, and for the
    /// `cdir`/`pdir` entries that name the listed directory and its parent.
    public static func entry(_ line: Substring) -> ListingEntry? {
        entry(bytes: Array(line.utf8))
    }

    /// The listing entry a line of raw bytes describes; the name is decoded as UTF-8 where
    /// valid, else Latin-1.
    public static func entry(bytes line: [UInt8]) -> ListingEntry? {
        if case .entry(let entry) = parse(bytes: line) { return entry }
        return nil
    }

    /// What a line of raw bytes holds: an entry, nothing, or something unreadable.
    public static func parse(bytes line: [UInt8]) -> ParsedLine {
        var end = line.count
        if end > 0, line[end - 1] == 0x0D { end -= 1 }
        guard end > 0 else { return .noEntry }
        // The facts end with `; ` (or `;` and a TAB, which some servers send); the name is the rest.
        // Lines from before RFC 3659 leave out the last `;`: there the first space ends the facts.
        var factsEnd = 0
        while factsEnd + 1 < end, !(line[factsEnd] == 0x3B && (line[factsEnd + 1] == 0x20 || line[factsEnd + 1] == 0x09)) { factsEnd += 1 }
        var nameStart = factsEnd + 2
        if factsEnd + 1 >= end {
            guard let space = line[0..<end].firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) else { return .unreadable }
            (factsEnd, nameStart) = (space, space + 1)
        }
        guard nameStart < end else { return .unreadable }
        var kind = ListingEntry.Kind.file
        var target: String?
        var size: UInt64?
        var modified: Date?
        var permissions: String?
        for fact in line[0..<factsEnd].split(separator: 0x3B) {
            // A fact without a value (or a name) means the line is not what it claims to be.
            guard let equals = fact.firstIndex(of: 0x3D), equals > fact.startIndex else { return .unreadable }
            let key = fact[..<equals]
            let value = fact[(equals + 1)...]
            if Bytes.equalsIgnoringCase(key, "type") {
                if Bytes.equalsIgnoringCase(value, "cdir") || Bytes.equalsIgnoringCase(value, "pdir") { return .noEntry }
                (kind, target) = Self.kind(value)
            } else if Bytes.equalsIgnoringCase(key, "size") || Bytes.equalsIgnoringCase(key, "sizd") {
                // A size that is no number (or more than a UInt64 holds) is no size to trust.
                guard let number = Bytes.number(value) else { return .unreadable }
                size = number
            } else if Bytes.equalsIgnoringCase(key, "modify") {
                // A time that is no time, as a size that is no number: a malformed fact.
                guard let time = CivilTime.parseTimeVal(value) else { return .unreadable }
                modified = time
            } else if Bytes.equalsIgnoringCase(key, "unix.mode") {
                permissions = UnixPermissions.fromOctal(String(decoding: value, as: UTF8.self))
            }
        }
        let name = line[nameStart..<end]
        if name.elementsEqual(".".utf8) || name.elementsEqual("..".utf8) { return .noEntry }
        return .entry(ListingEntry(nameBytes: name, kind: kind, size: size, modified: modified, target: target, permissions: permissions))
    }

    /// The kind a `type` fact names, and a link's target from `OS.unix=slink:TARGET`.
    private static func kind(_ value: ArraySlice<UInt8>) -> (ListingEntry.Kind, String?) {
        if Bytes.equalsIgnoringCase(value, "file") { return (.file, nil) }
        if Bytes.equalsIgnoringCase(value, "dir") { return (.directory, nil) }
        let slink = Array("os.unix=slink".utf8)
        let lowered = value.map { $0 | 0x20 }
        if lowered.starts(with: slink) {
            let rest = value.dropFirst(slink.count)
            return (.link, rest.first == UInt8(ascii: ":") ? TextDecoding.string(rest.dropFirst()) : nil)
        }
        if Bytes.equalsIgnoringCase(value, "OS.unix=symlink") { return (.link, nil) }
        return (.other, nil)
    }
}

/// Unix permission strings.
public enum UnixPermissions {
    /// `rwxr-xr-x` from an octal mode such as `0755` or `755`.
    public static func fromOctal(_ text: String) -> String? {
        guard !text.isEmpty, text.count <= 6, let mode = Int(text, radix: 8) else { return nil }
        let symbols: [Character] = ["r", "w", "x"]
        var result = ""
        for bit in (0..<9).reversed() {
            result.append(mode & (1 << bit) != 0 ? symbols[(8 - bit) % 3] : "-")
        }
        return result
    }
}

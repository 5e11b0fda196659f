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
        Array(text.utf8).withUnsafeBufferPointer { CivilTime.parseTimeVal($0[...]) }
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
        line.withUnsafeBufferPointer(parse(line:))
    }

    /// What a line of raw bytes, lent for the call, holds.
    static func parse(line: UnsafeBufferPointer<UInt8>) -> ParsedLine {
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
        var unique: LineBytes?
        var position = 0
        while position < factsEnd {
            let factStart = position
            while position < factsEnd, line[position] != 0x3B { position += 1 }
            let factEnd = position
            position += 1
            if factStart == factEnd { continue }
            // A fact without a value (or a name) means the line is not what it claims to be.
            guard let equals = line[factStart..<factEnd].firstIndex(of: 0x3D), equals > factStart else { return .unreadable }
            let value = line[(equals + 1)..<factEnd]
            switch Fact(line[factStart..<equals]) {
            case .type:
                if Bytes.equalsIgnoringCase(value, "cdir") || Bytes.equalsIgnoringCase(value, "pdir") { return .noEntry }
                (kind, target) = Self.kind(value)
            case .size:
                // A size that is no number (or more than a UInt64 holds) is no size to trust.
                guard let number = Bytes.number(value) else { return .unreadable }
                size = number
            case .modify:
                // A time that is no time, as a size that is no number: a malformed fact.
                guard let time = CivilTime.parseTimeVal(value) else { return .unreadable }
                modified = time
            case .unixMode:
                permissions = UnixPermissions.fromOctal(digits: value)
            case .unique:
                unique = value
            case .other:
                break
            }
        }
        let name = line[nameStart..<end]
        if name.elementsEqual(".".utf8) || name.elementsEqual("..".utf8) { return .noEntry }
        var entry = ListingEntry(nameBytes: name, kind: kind, size: size, modified: modified, target: target, permissions: permissions)
        // Kept for folders alone: only a walk into them asks.
        if kind == .directory, let unique, !unique.isEmpty, unique.count <= 256 { entry.unique = TextDecoding.string(unique) }
        return .entry(entry)
    }

    /// The facts an entry is made of; the others are passed over.
    private enum Fact {
        case type, size, modify, unixMode, unique, other

        /// The fact a name (in any case) stands for; `sizd`, a directory's size, counts as `size`.
        init(_ name: LineBytes) {
            switch name.count {
            case 4 where Bytes.equalsIgnoringCase(name, "type"): self = .type
            case 4 where Bytes.equalsIgnoringCase(name, "size") || Bytes.equalsIgnoringCase(name, "sizd"): self = .size
            case 6 where Bytes.equalsIgnoringCase(name, "modify"): self = .modify
            case 6 where Bytes.equalsIgnoringCase(name, "unique"): self = .unique
            case 9 where Bytes.equalsIgnoringCase(name, "unix.mode"): self = .unixMode
            default: self = .other
            }
        }
    }

    /// The kind a `type` fact names, and a link's target from `OS.unix=slink:TARGET`.
    private static func kind(_ value: LineBytes) -> (ListingEntry.Kind, String?) {
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
    /// `rwxr-xr-x` from an octal mode such as `0755` or `755` (its last three digits).
    public static func fromOctal(_ text: String) -> String? {
        Array(text.utf8).withUnsafeBufferPointer { fromOctal(digits: $0[...]) }
    }

    /// The same from the mode's digits as bytes: at most six, each 0 to 7, after the `0o` that
    /// pyftpdlib puts first (Python's way of writing an octal number).
    static func fromOctal(digits: LineBytes) -> String? {
        var digits = digits
        if digits.count > 2, digits.first == 0x30, digits[digits.startIndex + 1] | 0x20 == 0x6F { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 6 else { return nil }
        var mode = 0
        for digit in digits {
            guard digit >= 0x30, digit <= 0x37 else { return nil }
            mode = mode << 3 | Int(digit - 0x30)
        }
        return fromMode(mode)
    }

    /// `rwxr-xr-x` from a mode's permission bits (the others are ignored).
    public static func fromMode(_ mode: Int) -> String { strings[mode & 0o777] }

    /// The string of each of the 512 modes, made once and shared by every entry.
    private static let strings: [String] = (0..<512).map { mode in
        let symbols: [Character] = ["r", "w", "x"]
        return String((0..<9).map { bit in mode & (1 << (8 - bit)) != 0 ? symbols[bit % 3] : "-" })
    }
}

/// Shell-style patterns: `*` any run, `?` one character, `[abc]`, `[a-z]` and `[!a-z]` (or
/// `[^a-z]`) one character of a class, and `\` before any character that character itself
/// (`\*` a star). A `[` without its `]` is a `[`; a `]` first in a class is one of its members.
public enum Glob {
    /// Whether `name` matches `pattern` whole.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        matches(elements(of: pattern), Array(name))
    }

    /// Whether `name` matches `pattern` as a shell matches the names in a folder: a name whose
    /// first byte is a dot only where the pattern begins with a literal dot (`.*` or `\.*`, not
    /// `*` or `[.]*`), and never `.` or `..` themselves.
    public static func matchesFileName(_ pattern: String, _ name: String) -> Bool {
        guard name != ".", name != ".." else { return false }
        let elements = elements(of: pattern)
        // By the byte: a dot with a combining mark after it is one Character that is no ".".
        if name.utf8.first == UInt8(ascii: ".") {
            guard case .literal(".")? = elements.first else { return false }
        }
        return matches(elements, Array(name))
    }

    /// Whether `text` holds any of `*`, `?` or `[`, escaped or not: such a text is read as a
    /// pattern, so that `\*` there names a literal star.
    public static func isPattern(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// One element of a pattern.
    private enum Element {
        case anyRun
        case anyOne
        case literal(Character)
        case set(ranges: [ClosedRange<Character>], negated: Bool)

        func accepts(_ character: Character) -> Bool {
            switch self {
            case .anyRun, .anyOne: true
            case .literal(let literal): literal == character
            case .set(let ranges, let negated): ranges.contains { $0.contains(character) } != negated
            }
        }
    }

    private static func elements(of pattern: String) -> [Element] {
        let characters = Array(pattern)
        var elements: [Element] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "*": elements.append(.anyRun)
            case "?": elements.append(.anyOne)
            case "\\" where index < characters.count:
                elements.append(.literal(characters[index]))
                index += 1
            case "[":
                if let (set, next) = set(in: characters, from: index) {
                    elements.append(set)
                    index = next
                } else {
                    elements.append(.literal("["))
                }
            default: elements.append(.literal(character))
            }
        }
        return elements
    }

    /// The class that starts after a `[` at `start`, and the index after its `]`; nil when the
    /// class is not closed.
    private static func set(in characters: [Character], from start: Int) -> (Element, Int)? {
        var index = start
        var negated = false
        if index < characters.count, characters[index] == "!" || characters[index] == "^" {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<Character>] = []
        var first = true
        while index < characters.count {
            var low = characters[index]
            if low == "]", !first { return (.set(ranges: ranges, negated: negated), index + 1) }
            first = false
            if low == "\\", index + 1 < characters.count {
                index += 1
                low = characters[index]
            }
            index += 1
            if index + 1 < characters.count, characters[index] == "-", characters[index + 1] != "]" {
                var high = characters[index + 1]
                index += 2
                if high == "\\", index < characters.count {
                    high = characters[index]
                    index += 1
                }
                // A backwards range (`[z-a]`) matches nothing, as in the shell.
                if low <= high { ranges.append(low...high) }
            } else {
                ranges.append(low...low)
            }
        }
        return nil
    }

    private static func matches(_ pattern: [Element], _ name: [Character]) -> Bool {
        var (p, n) = (0, 0)
        var star: (Int, Int)?
        while n < name.count {
            if p < pattern.count, case .anyRun = pattern[p] {
                star = (p, n)
                p += 1
            } else if p < pattern.count, pattern[p].accepts(name[n]) {
                p += 1
                n += 1
            } else if let (starP, starN) = star {
                p = starP + 1
                n = starN + 1
                star = (starP, starN + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, case .anyRun = pattern[p] { p += 1 }
        return p == pattern.count
    }
}

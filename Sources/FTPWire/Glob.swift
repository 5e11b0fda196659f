/// Shell-style patterns: `*` any run, `?` one character.
public enum Glob {
    /// Whether `name` matches `pattern` whole.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        matches(Array(pattern), 0, Array(name), 0)
    }

    private static func matches(_ pattern: [Character], _ p: Int, _ name: [Character], _ n: Int) -> Bool {
        var (p, n) = (p, n)
        var star: (Int, Int)?
        while n < name.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = (p, n)
                p += 1
            } else if let (starP, starN) = star {
                p = starP + 1
                n = starN + 1
                star = (starP, starN + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

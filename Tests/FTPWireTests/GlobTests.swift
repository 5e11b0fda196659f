import FTPWire
import Testing

@Suite("Glob patterns")
struct GlobTests {
    @Test(arguments: [
        ("*.gz", "a.gz", true), ("*.gz", "a.gz.part", false), ("*", "", true), ("a*b*c", "aXbYc", true), ("a*b*c", "acb", false),
        ("?", "é", true), ("??", "a", false), ("*.tar.*", "x.tar.gz", true),
    ])
    func starsAndQuestionMarks(pattern: String, name: String, expected: Bool) {
        #expect(Glob.matches(pattern, name) == expected)
    }

    @Test(arguments: [
        ("[abc].txt", "b.txt", true), ("[abc].txt", "d.txt", false), ("file[0-9]", "file7", true), ("file[0-9]", "filex", false),
        ("[!0-9]*", "x1", true), ("[!0-9]*", "1x", false), ("[^a]", "b", true), ("[]]", "]", true), ("[!]]", "a", true),
        ("[a-]", "-", true), ("[z-a]", "m", false), ("[a", "[a", true), ("[a", "a", false), ("[\\]]", "]", true),
    ])
    func classes(pattern: String, name: String, expected: Bool) {
        #expect(Glob.matches(pattern, name) == expected)
    }

    @Test(arguments: [
        ("\\*", "*", true), ("\\*", "a", false), ("a\\?b", "a?b", true), ("a\\?b", "axb", false), ("\\[x]", "[x]", true),
        ("\\[x]", "x", false), ("a\\\\", "a\\", true), ("trailing\\", "trailing\\", true),
    ])
    func backslashEscapes(pattern: String, name: String, expected: Bool) {
        #expect(Glob.matches(pattern, name) == expected)
    }

    /// As a shell expands file names: a leading dot is matched only by a literal one, escaped
    /// or not; `.` and `..` never.
    @Test(arguments: [
        ("*", ".htaccess", false), ("*", "a", true), (".*", ".htaccess", true), ("\\.*", ".htaccess", true),
        ("[.]*", ".htaccess", false), ("?*", ".h", false), ("*", ".", false), (".*", "..", false), (".*", "a.b", false),
        ("*", ".\u{301}x", false),
    ])
    func fileNamesBeginningWithADot(pattern: String, name: String, expected: Bool) {
        #expect(Glob.matchesFileName(pattern, name) == expected)
    }

    @Test func patternsAreTextsWithWildcards() {
        #expect(Glob.isPattern("*.gz"))
        #expect(Glob.isPattern("a\\*"))
        #expect(Glob.isPattern("[ab]"))
        #expect(!Glob.isPattern("plain.txt"))
    }
}

import Testing
import Transfers

@Suite("Names from servers written to disk")
struct SafeNameTests {
    @Test(arguments: ["", ".", "..", "a/b", "../x", "/etc/passwd", "a\u{0}b", "../\u{338}x", "/\u{301}"])
    func namesThatCouldLeaveTheFolderAreRefused(_ name: String) {
        #expect(!SafeName.isSafe(name))
    }

    @Test(arguments: ["a", "...", ".hidden", "naïve ファイル.txt", "a\\b", "e\u{301}"])
    func plainNamesPass(_ name: String) {
        #expect(SafeName.isSafe(name))
    }
}

import FTPWire
import Testing

@Suite("Names from servers used in paths")
struct SafeNameTests {
    @Test(arguments: ["", ".", "..", "a/b", "../x", "../", "x/../..", "/etc/passwd", "a\u{0}b", "../\u{338}x", "/\u{301}", "/", "./", "\u{0}",
                       "..\\..", "..\\..\\x", "a\\..\\..\\b", "..\\", "\\x", "\\\\server\\share", "C:x", "a:b", "c:\\Windows\\win.ini", "Z:"])
    func namesThatCouldLeaveTheFolderAreRefused(_ name: String) {
        #expect(!SafeName.isSafe(name))
        #expect(!SafeName.isSafe(RemotePath(name)))
        #expect(!ListingEntry(name: name, kind: .directory).hasSafeName)
    }

    @Test(arguments: ["a", "...", ".hidden", "..a", "a..", "naïve ファイル.txt", "a\\b", "e\u{301}", " ..", "a\\.\\b", "...\\x", "x\\..y", "1:2", "ab:c", "C", "é:"])
    func plainNamesPass(_ name: String) {
        #expect(SafeName.isSafe(name))
        #expect(SafeName.isSafe(RemotePath(name)))
    }

    @Test func namesThatAreNotUTF8AreJudgedByTheirBytes() {
        #expect(SafeName.isSafe(RemotePath(bytes: [0xE9, 0x74, 0xE9])))
        #expect(!SafeName.isSafe(RemotePath(bytes: [0xE9, 0x2F, 0x2E, 0x2E])))
        #expect(!ListingEntry(remoteName: RemotePath(bytes: [0xFF, 0x00]), kind: .file).hasSafeName)
    }

    @Test func refusalsNameTheEntryMadeVisible() {
        let message = SafeName.refusal("delete", "../\u{1B}[2J", in: "/tree")
        #expect(message.contains("\"../\\x1b[2J\""))
        #expect(message.contains("/tree"))
        #expect(!message.contains("\u{1B}"))
    }
}

import FTPWire
import Testing

/// Paths of one server compared as the server would take them.
@Suite("Remote paths resolved")
struct RemotePathTests {
    @Test func aRelativePathIsTakenFromTheLoginFolder() {
        let home = RemotePath("/home/u")
        #expect(RemotePath("docs/a.txt").resolved(from: home) == ["home", "u", "docs", "a.txt"])
        #expect(RemotePath("/srv/x").resolved(from: home) == ["srv", "x"])
        #expect(RemotePath("./docs//a.txt/").resolved(from: home) == ["home", "u", "docs", "a.txt"])
    }

    /// Every spelling of the login folder, or of a folder above it, resolves to one of its
    /// beginnings: what `rm` refuses.
    @Test(arguments: ["", ".", "../u", "../../home/u", "/home/u", "/home", "/", "..", "docs/../.."])
    func theLoginFolderAndThoseAboveItHoweverSpelled(_ path: String) {
        let home = RemotePath("/home/u")
        #expect(home.resolved(from: "/").starts(with: RemotePath(path).resolved(from: home)))
    }

    @Test(arguments: ["docs", "../u/docs", "/home/u/docs", "/home/other"])
    func otherFoldersAreNot(_ path: String) {
        let home = RemotePath("/home/u")
        #expect(!home.resolved(from: "/").starts(with: RemotePath(path).resolved(from: home)))
    }

    /// `..` above the root stays at the root, as servers take it.
    @Test func climbingAboveTheRootStaysThere() {
        #expect(RemotePath("../../x").resolved(from: "/") == ["x"])
    }

    /// The folder whose LIST shows the last component: nil for a name in the current directory.
    @Test func theParentHoldsTheLastComponent() {
        #expect(RemotePath("a/b").parent == "a")
        #expect(RemotePath("a/b/").parent == "a")
        #expect(RemotePath("a//b").parent == "a")
        #expect(RemotePath("/x").parent == "/")
        #expect(RemotePath("//x").parent == "/")
        #expect(RemotePath("x").parent == nil)
        #expect(RemotePath("x/").parent == nil)
        #expect(RemotePath("/").parent == nil)
        #expect(RemotePath("").parent == nil)
    }
}

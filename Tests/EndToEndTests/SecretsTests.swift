import Foundation
import Testing
import TestSupport

/// Local names on the terminal, and passwords kept out of core files, editors and config files
/// others can read.
@Suite("Secrets and local names")
struct SecretsTests {
    @Test func localNamesWithControlCharactersAreMadeVisible() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let missing = "a\u{1B}[31mred\u{1B}]0;title\u{7}.txt"
        let put = try FerryProcess.run(["put", missing, fixture.url("uploads/")], in: local.path)
        #expect(put.status == 2)
        #expect(put.standardError.contains(#"no such file: a\x1b[31mred\x1b]0;title\x07.txt"#), "\(put.standardError)")
        #expect(!put.standardError.contains("\u{1B}") && !put.standardError.contains("\u{7}"))

        try fixture.root.write("file.txt", Data("x".utf8))
        let get = try FerryProcess.run(["get", fixture.url("file.txt"), fixture.url("file.txt"), "no\u{1B}[2Jsuch/"], in: local.path)
        #expect(get.status == 2)
        #expect(get.standardError.contains(#"no\x1b[2Jsuch"#), "\(get.standardError)")
        #expect(!get.standardError.contains("\u{1B}"))
    }

    @Test func aPasswordInAURLIsWarnedOfInAScriptToo() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("file.txt", Data("x".utf8))
        let warned = try FerryProcess.run(["ls", fixture.url()], in: local.path)
        #expect(warned.status == 0, "\(warned.standardError)")
        let warnings = warned.standardError.split(separator: "\n").filter { $0.contains("password in a URL") }
        #expect(warnings.count == 1, "\(warned.standardError)")
        #expect(warned.standardError.contains("FERRY_PASSWORD") && warned.standardError.contains("~/.netrc"))
        #expect(!warned.standardError.contains(ServerFixture.password))
        #expect(warned.standardOutput.contains("file.txt"))

        let url = "ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/"
        let quiet = try FerryProcess.run(["ls", url], in: local.path, environment: ["FERRY_PASSWORD": ServerFixture.password])
        #expect(quiet.status == 0, "\(quiet.standardError)")
        #expect(quiet.standardError.isEmpty, "\(quiet.standardError)")
        #expect(quiet.standardOutput.contains("file.txt"))
    }

    @Test func coreDumpsAreOff() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let served = try TemporaryDirectory()
        defer { served.remove() }
        // Core files allowed as far as the hard limit lets (the soft limit is often 0 already), so
        // that only ferry itself can have turned them off.
        let server = try Program.start(
            "/bin/sh", ["-c", #"ulimit -S -c "$(ulimit -H -c)" && exec "$0" "$@""#, FerryProcess.executable, "demo", "--serve", "--root", served.path],
            in: folder.path,
            standardOutput: folder.file("stdout"), standardError: folder.file("stderr"))
        defer {
            server.send(SIGTERM)
            _ = server.wait(timeout: 10)
        }
        let deadline = Date().addingTimeInterval(20)
        while String(decoding: folder.read("stdout") ?? Data(), as: UTF8.self).contains("ftp://") == false, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let limits = try String(contentsOfFile: "/proc/\(server.id)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") })
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"], "\(line)")
    }
}

/// What the terminal shows and what an editor is handed.
@Suite("Secrets in a terminal", .serialized, .enabled(if: TmuxSession.shouldTest, TmuxSession.skipReason))
struct SecretsTerminalTests {
    @Test func aPasswordOnTheCommandLineIsWarnedOf() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try fixture.root.write("file.txt", Data("x".utf8))
        let warned = try TmuxSession("\(FerryProcess.executable) ls '\(fixture.url())'", in: local.path, environment: ["HOME": local.path])
        let screen = try warned.waitFor("FERRY-EXITED-0")
        #expect(screen.contains("FERRY_PASSWORD") && screen.contains("~/.netrc"), "\(screen)")
        #expect(screen.contains("file.txt"))

        let url = "ftp://\(ServerFixture.user)@127.0.0.1:\(fixture.port)/"
        let quiet = try TmuxSession(
            "\(FerryProcess.executable) ls '\(url)'", in: local.path,
            environment: ["HOME": local.path, "FERRY_PASSWORD": ServerFixture.password])
        let clean = try quiet.waitFor("FERRY-EXITED-0")
        #expect(!clean.contains("FERRY_PASSWORD"), "\(clean)")
        #expect(clean.contains("file.txt"))
    }

    @Test func thePasswordPromptShowsAUserNameMadeVisible() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let session = try TmuxSession(
            "\(FerryProcess.executable) ls 'ftp://a%1B%5B31mb@127.0.0.1:\(fixture.port)/'", in: local.path, environment: ["HOME": local.path])
        let prompt = try session.waitFor("Password for")
        #expect(prompt.contains(#"Password for a\x1b[31mb@127.0.0.1:"#), "\(prompt)")
        try session.send("-l", "wrong")
        try session.send("Enter")
        try session.waitFor("FERRY-EXITED-4")
    }

    @Test func theEditorIsNotGivenThePassword() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        try local.write("notes.txt", Data("draft\n".utf8))
        let script = try local.write("editor.sh", Data("env > '\(local.file("editor-environment"))'\n".utf8))
        let session = try TmuxSession(
            FerryProcess.executable, in: local.path,
            environment: ["HOME": local.path, "FERRY_PASSWORD": "hunter2", "EDITOR": "sh \(script)"])
        try session.waitFor("notes.txt")
        // The cursor starts on "..": move to notes.txt (after editor.sh) and edit it.
        try session.send("End")
        try session.send("F4")
        try session.waitFor("editor-environment") { _ in FileManager.default.fileExists(atPath: local.file("editor-environment")) }
        try session.send("F10")
        try session.waitFor("FERRY-EXITED-0")
        let environment = String(decoding: local.read("editor-environment") ?? Data(), as: UTF8.self)
        #expect(environment.contains("HOME=\(local.path)"), "\(environment)")
        #expect(!environment.contains("FERRY_PASSWORD"))
        #expect(!environment.contains("hunter2"))
    }

    @Test func bookmarksOthersCanReadAreRefused() throws {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let file = try local.write(".config/ferry/bookmarks.toml", Data("[[bookmark]]\nname = \"work\"\nurl = \"ftp://u:pw@example.com/\"\n".utf8))
        chmod(file, 0o644)
        try local.write("marker.txt", Data("x".utf8))
        let session = try TmuxSession(FerryProcess.executable, in: local.path, environment: ["HOME": local.path])
        try session.waitFor("marker.txt")
        try session.send("F10")
        let screen = try session.waitFor("FERRY-EXITED-0")
        #expect(screen.contains("ignoring") && screen.contains("bookmarks.toml") && screen.contains("chmod 600"), "\(screen)")
    }
}

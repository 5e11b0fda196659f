import ArgumentParser
import Commander
import FTP
import FTPServer
import FTPWire
import Foundation
import Transfers

/// `ferry demo [--serve]`: the embedded loopback server over a sample tree.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The commander on a loopback FTP server over a sample tree.",
        discussion: "With --serve, only the server runs: try ferry ls -l on the URL it prints."
    )

    @Flag(name: .long, help: "Only run the server: print its URL and serve until Ctrl-C.")
    var serve = false

    @Option(name: .long, help: "Serve this folder instead of a generated sample tree.")
    var root: String?

    @Option(name: .long, help: "Listen on this port of 127.0.0.1 (0: any free port).")
    var port: UInt16 = 0

    @Option(name: .long, help: "The commander's colour theme.")
    var theme: String?

    @Option(
        name: .customLong("reply-delay"),
        help: ArgumentHelp(
            "Send every reply MS milliseconds after it was made, while the server goes on with the next commands, as across an ocean.",
            valueName: "MS"))
    var replyDelayMilliseconds: Int = 0

    func validate() throws {
        guard (0...60_000).contains(replyDelayMilliseconds) else {
            throw ValidationError("--reply-delay takes 0 to 60000 milliseconds.")
        }
    }

    func run() throws {
        if serve { try serveOnly() } else { try openCommander() }
    }

    /// The server over the sample tree, with downloads slowed to a pace where progress bars show,
    /// and the commander on it: the server right, and left a scratch folder made for this run, so
    /// that trying copies and deletes never touches the folder the demo was started in. Its
    /// transfers are journalled in a scratch folder too: the demo neither offers nor discards the
    /// unfinished transfers of real work.
    private func openCommander() throws {
        let sampleTree: SampleTree? = root == nil ? try SampleTree.create() : nil
        defer { sampleTree?.remove() }
        let scratch = try ScratchFolder.create(named: "local")
        defer { scratch.remove() }
        let journal = try ScratchFolder.create(named: "journal")
        defer { journal.remove() }
        let server = try startServer(root: root ?? sampleTree?.path ?? ".")
        defer { server.stop() }
        server.faults.throttle(bytesPerSecond: 16 * 1024 * 1024)
        let mailbox = try Mailbox<LoopMessage>()
        let workers = CommanderWorkers(mailbox: mailbox, connection: try ConnectionOptions.parse([]), journalFolder: Journal(directory: journal.path))
        let url = try FTPURL("ftp://anonymous@\(server.address.host):\(server.address.port)/")
        let right = workers.register(url, endpoint: try ConnectionOptions.parse([]).endpoint(for: url, interactive: false))
        try CommanderLauncher(themeName: theme, keyPreset: nil).run(
            left: .local(scratch.path), right: right, activeRight: true, workers: workers, mailbox: mailbox,
            greeting: "Local pane: scratch folder \(scratch.path) (removed when the demo ends)")
    }

    private func startServer(root: String) throws -> FTPServer {
        do {
            let server = try FTPServer(configuration: .init(root: root, port: port, allowsAnonymous: true, timeout: 300, keepsCommandLog: false))
            if replyDelayMilliseconds > 0 {
                server.faults.delayReplies(by: Double(replyDelayMilliseconds) / 1000, inTransit: true)
            }
            server.start()
            return server
        } catch {
            throw Failure(.connection, "cannot start the demo server: \(error)")
        }
    }

    private func serveOnly() throws {
        // Stop on Ctrl-C or TERM by waiting for the signal here, so the sample tree is removed.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let sampleTree: SampleTree? = root == nil ? try SampleTree.create() : nil
        defer { sampleTree?.remove() }
        let server = try startServer(root: root ?? sampleTree?.path ?? ".")
        let url = "ftp://\(server.address.host):\(server.address.port)/"
        print("""
            Ferry demo server at \(url)  (anonymous login; Ctrl-C stops it)
            Serving \(Sanitizer.visible(root ?? sampleTree?.path ?? "."))

            Try, in another terminal:
              ferry ls -l \(url)
              ferry get \(url)docs/welcome.txt
              ferry put README.md \(url)uploads/
            """)
        fflush(nil)
        var received: Int32 = 0
        sigwait(&signals, &received)
        server.stop()
    }
}

/// A sample tree in a temporary folder: nested folders, text and binary files, a large file and
/// names that need care.
struct SampleTree {
    let path: String

    static func create() throws -> SampleTree {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-demo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let files: [(String, Data)] = [
            ("README.txt", Data("This is Ferry's demo server. Everything here is generated and removed when the demo stops.\n".utf8)),
            ("docs/welcome.txt", Data("Welcome aboard.\n".utf8)),
            ("docs/guide/keys.txt", Data("F5 copy, F6 move, F7 mkdir, F8 delete, F10 quit.\n".utf8)),
            ("docs/Übersicht – naïve ファイル.txt", Data("A UTF-8 name.\n".utf8)),
            ("images/pixel.bin", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })),
            ("big/large-file.bin", Data(count: 64 * 1024 * 1024)),
            ("uploads/.keep", Data()),
            ("a/b/c/deep.txt", Data("Deep inside.\n".utf8)),
        ]
        do {
            for (relative, contents) in files {
                let url = base.appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try contents.write(to: url)
            }
        } catch {
            throw Failure(.someTransfersFailed, "cannot create the sample tree in \(base.path): \(error.localizedDescription)")
        }
        return SampleTree(path: base.path)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// An empty private folder (mode 0700) under the temporary folder, made for one run of the demo.
struct ScratchFolder {
    let path: String

    /// `ferry-demo-NAME-` and six random characters.
    static func create(named name: String) throws -> ScratchFolder {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/ferry-demo-\(name)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(.someTransfersFailed, "cannot make a scratch folder in \(base): \(String(cString: strerror(errno)))")
        }
        return ScratchFolder(path: String(cString: made))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

import ArgumentParser
import Commander
import Foundation
import FTP
import Transfers

/// `ferry [URL]`: the two-pane commander, local on the left and the URL on the right.
struct CommanderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "The two-pane commander (also plain `ferry [URL]`).",
        discussion: "Without a URL both panes are local. Press F1 or ? inside for the keys."
    )

    @Option(name: .long, help: "The colour theme: default, classic, mono, or one in $XDG_CONFIG_HOME/ferry/themes.")
    var theme: String?

    @Option(name: .long, help: "The key preset: mc (the default) or vi.")
    var keys: String?

    @Option(name: [.customShort("P"), .long], help: "Connections for transfers, apart from the browsing ones.")
    var parallel = 2

    @Option(name: .customLong("limit-rate"), help: ArgumentHelp(
        "Move at most RATE bytes a second, all transfers together (500K, 2M, 1.5M; K, M and G are 1024-based).", valueName: "RATE"))
    var limitRate: String?

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "A server to open in the right pane: ftp://, ftpes:// or ftps://.")
    var url: String?

    func validate() throws {
        guard (1...32).contains(parallel) else { throw ValidationError("--parallel must be from 1 to 32") }
        if let limitRate, RateLimiter.parseRate(limitRate) == nil {
            throw ValidationError("--limit-rate takes a number of bytes a second, with K, M or G after it if you like (500K, 1.5M)")
        }
    }

    func run() throws {
        let mailbox = try Mailbox<LoopMessage>()
        let limiter = limitRate.flatMap(RateLimiter.parseRate).map { RateLimiter(bytesPerSecond: $0) }
        let workers = CommanderWorkers(mailbox: mailbox, connection: connection, parallel: parallel, rateLimiter: limiter)
        let local = Location.local(FileManager.default.currentDirectoryPath)
        var right = local
        if let url {
            let parsed = try ConnectionOptions.parseURL(url)
            right = workers.register(parsed, endpoint: try connection.endpoint(for: parsed))
        }
        try CommanderLauncher(themeName: theme, keyPreset: keys).run(left: local, right: right, activeRight: url != nil, workers: workers, mailbox: mailbox)
    }
}

/// Chooses the theme and keys, then runs the commander: shared by `ferry [URL]` and `ferry demo`.
struct CommanderLauncher {
    let themeName: String?
    let keyPreset: String?

    /// Runs the commander; `greeting`, if any, is its first status message.
    func run(left: Location, right: Location, activeRight: Bool, workers: CommanderWorkers, mailbox: Mailbox<LoopMessage>, greeting: String? = nil) throws {
        let environment = ProcessInfo.processInfo.environment
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let theme = noColor ? Theme.mono : ThemeLoader(environment: environment).load(themeName ?? "default")
        var preset: Keymap?
        switch keyPreset {
        case nil: preset = nil
        case "mc": preset = .standard
        case "vi": preset = .vi
        default: throw Failure(.usage, "--keys must be mc or vi")
        }
        let keymap = Self.keymap(preset: preset, environment: environment)
        try CommanderApp(
            left: left, right: right, theme: theme, monochrome: noColor || theme.name == "mono", keymap: keymap,
            bookmarks: Self.bookmarks(environment: environment), workers: workers, mailbox: mailbox, startsOnRight: activeRight,
            greeting: greeting
        ).run()
    }
}

extension CommanderLauncher {
    /// The saved servers of `$XDG_CONFIG_HOME/ferry/bookmarks.toml`; a bad file is reported on
    /// standard error and ignored, and so (as `~/.netrc` is) is a file others can read, since its
    /// URLs may hold passwords.
    static func bookmarks(environment: [String: String]) -> [Bookmark] {
        let path = configurationFolder(environment) + "/bookmarks.toml"
        var status = stat()
        guard stat(path, &status) == 0 else { return [] }
        if status.st_mode & 0o077 != 0 {
            printError("ferry: warning: ignoring \(path): other users can read it (chmod 600 \(path))")
            return []
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        do {
            return try Bookmark.parse(text, file: path)
        } catch {
            printError("ferry: bookmarks \(error); no bookmarks this time")
            return []
        }
    }

    /// `$XDG_CONFIG_HOME/ferry`, or `~/.config/ferry`.
    static func configurationFolder(_ environment: [String: String]) -> String {
        (environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config") + "/ferry"
    }

    /// The keys: `$XDG_CONFIG_HOME/ferry/keys.toml` over the preset. A bad file is reported on
    /// standard error and the preset used alone.
    static func keymap(preset: Keymap?, environment: [String: String]) -> Keymap {
        let path = configurationFolder(environment) + "/keys.toml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return preset ?? .standard }
        do {
            return try Keymap.parse(text, file: path, preset: preset)
        } catch {
            printError("ferry: keys \(error); using the \(preset == .vi ? "vi" : "standard") keys")
            return preset ?? .standard
        }
    }
}

/// Finds themes: the user's (`$XDG_CONFIG_HOME/ferry/themes`), then the shipped ones (next to the
/// binary in `../share/ferry/themes`, or the package's `Themes/` under `swift run`), then the
/// default compiled in. A bad file is reported on standard error and the default used instead.
struct ThemeLoader {
    let environment: [String: String]

    func load(_ name: String) -> Theme {
        let file = name + ".toml"
        var theme = Theme.standard
        if let shipped = shippedFolders.map({ $0 + "/" + file }).first(where: FileManager.default.fileExists) {
            guard let loaded = read(shipped) else { return .standard }
            theme = name == "mono" ? loaded : Theme.standard.overridden(by: loaded)
        } else if name == "mono" {
            theme = .mono
        }
        let user = userFolder + "/" + file
        if FileManager.default.fileExists(atPath: user) {
            guard let loaded = read(user) else { return .standard }
            theme = theme.overridden(by: loaded)
        } else if theme == .standard, name != "default" {
            printError("ferry: no theme called \(name); using the default theme")
        }
        return theme
    }

    private func read(_ path: String) -> Theme? {
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try Theme.parse(text, file: path)
        } catch let error as ConfigurationError {
            printError("ferry: theme \(error); using the default theme")
        } catch {
            printError("ferry: cannot read the theme \(path): \(error.localizedDescription); using the default theme")
        }
        return nil
    }

    private var userFolder: String {
        CommanderLauncher.configurationFolder(environment) + "/themes"
    }

    private var shippedFolders: [String] {
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var folders = [executable.deletingLastPathComponent().appendingPathComponent("../share/ferry/themes").standardized.path]
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<5 {
            folders.append(folder.appendingPathComponent("Themes").path)
            folder = folder.deletingLastPathComponent()
        }
        return folders
    }
}

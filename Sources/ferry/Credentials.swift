import FTP
import FTPWire
import Foundation

/// The user and password to log in with: from the URL, `FERRY_PASSWORD`, `~/.netrc`, or a prompt.
///
/// The user comes from the URL, else from `~/.netrc`, else `anonymous`. The password comes from
/// the URL, else `FERRY_PASSWORD`, else `~/.netrc`, else (on a terminal) a prompt without echo;
/// for an anonymous user (`anonymous` or `ftp`) from the URL, else its own netrc entry, else
/// `anonymous@`.
struct Credentials {
    let user: String
    let password: String

    /// The credentials for `url`; `interactive` allows asking on the terminal.
    static func resolve(for url: FTPURL, interactive: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credentials {
        let netrc = Netrc.load(environment: environment)
        let entry = netrc?.entry(for: url.host, user: url.user)
        guard let user = url.user ?? entry?.login else {
            return Credentials(user: "anonymous", password: url.password ?? "anonymous@")
        }
        if FTPClient.isAnonymous(user, password: "") {
            // An anonymous user (`anonymous`, or `ftp` as servers take it too) is given no secret
            // meant for another account: the URL's password, a netrc entry's for this very user,
            // else an address; never asked for.
            let own = entry?.login == user ? entry?.password : nil
            return Credentials(user: user, password: url.password ?? own ?? "anonymous@")
        }
        if let password = url.password ?? environment["FERRY_PASSWORD"] ?? entry?.password {
            return Credentials(user: user, password: password)
        }
        if interactive, isatty(STDIN_FILENO) == 1, let typed = PasswordPrompt.ask(Sanitizer.visible("Password for \(user)@\(url.host): ")) {
            return Credentials(user: user, password: typed)
        }
        return Credentials(user: user, password: "")
    }
}

/// The entries of `~/.netrc` (`machine`, `default`, `login`, `password`; `macdef` skipped).
struct Netrc {
    struct Entry {
        let machine: String?
        var login: String?
        var password: String?
    }

    let entries: [Entry]

    /// Reads `$HOME/.netrc`; nil when absent, or (with a warning) readable by others.
    static func load(environment: [String: String]) -> Netrc? {
        guard let home = environment["HOME"] else { return nil }
        let path = home + "/.netrc"
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        if status.st_mode & 0o077 != 0 {
            printError("ferry: warning: ignoring \(path): other users can read it (chmod 600 \(path))")
            return nil
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Netrc(text: text)
    }

    init(text: String) {
        var entries: [Entry] = []
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).makeIterator()
        var skippingMacro = false
        while let token = tokens.next() {
            if skippingMacro {
                // A macro body runs to a blank line, which the split above cannot see; keep to
                // the keywords instead.
                guard token == "machine" || token == "default" else { continue }
                skippingMacro = false
            }
            switch token {
            case "machine": entries.append(Entry(machine: tokens.next().map(String.init)))
            case "default": entries.append(Entry(machine: nil))
            case "login": if !entries.isEmpty { entries[entries.count - 1].login = tokens.next().map(String.init) }
            case "password": if !entries.isEmpty { entries[entries.count - 1].password = tokens.next().map(String.init) }
            case "account": _ = tokens.next()
            case "macdef":
                _ = tokens.next()
                skippingMacro = true
            default: continue
            }
        }
        self.entries = entries
    }

    /// The first entry for `host` (and `user`, when given), else the `default` entry.
    func entry(for host: String, user: String?) -> Entry? {
        let fits = { (entry: Entry) in user == nil || entry.login == nil || entry.login == user }
        return entries.first { $0.machine == host && fits($0) } ?? entries.first { $0.machine == nil && fits($0) }
    }
}

/// Reads a password from the terminal without echo.
enum PasswordPrompt {
    static func ask(_ prompt: String) -> String? {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { return nil }
        defer { close(terminal) }
        var original = termios()
        guard tcgetattr(terminal, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { write(terminal, $0, strlen($0)) }
        tcsetattr(terminal, TCSAFLUSH, &silent)
        defer {
            tcsetattr(terminal, TCSAFLUSH, &original)
            _ = write(terminal, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(terminal, &byte, 1) == 1, byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") {
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

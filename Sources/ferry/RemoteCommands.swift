import ArgumentParser
import FTP
import FTPWire
import Transfers

/// `ferry rm [-r] URL`: delete a remote file, or a directory with -r.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete a remote file (or, with -r, a directory and all it holds).")

    @Flag(name: .short, help: "Delete directories and their contents.")
    var recursive = false

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The file or directory, as a URL; a last part with *, ? or [...] names the matching entries.")
    var url: String

    func run() throws {
        let url = try ConnectionOptions.parseURL(url)
        let session = RemoteSession(endpoint: try connection.endpoint(for: url))
        defer { session.close() }
        let home = try loginFolder(on: session, for: url)
        try refuseLoginFolder(url.path, of: url, home: home)
        // What LIST says of each folder, asked once for all the paths deleted.
        let kinds = ListedKinds()
        guard RemoteMatches.isPattern(url) else { return try delete(url, on: session, kinds: kinds) }
        // A pattern deletes every match it can; a lone match fails as a lone URL would.
        let matches = try RemoteMatches(url, session: session, action: "delete")
        let count = matches.matches.count + matches.refused.count
        if count == 1, let only = matches.matches.first {
            try refuseLoginFolder(only.path, of: url.with(path: only.path), home: home)
            return try delete(url.with(path: only.path), on: session, kinds: kinds)
        }
        var failures = matches.refused.count
        matches.refused.forEach { printError("ferry: " + $0) }
        for match in matches.matches {
            do {
                try refuseLoginFolder(match.path, of: url.with(path: match.path), home: home)
                try delete(url.with(path: match.path), on: session, kinds: kinds)
            } catch let failure as Failure where failure.status != .connection && failure.status != .loginRefused {
                printError(failure.message)
                failures += 1
            }
        }
        if failures > 0 { throw Failure(.someTransfersFailed, "\(failures) of \(count) deletions failed") }
    }

    /// The login folder, as PWD names it; the root where its reply names none (then only the
    /// spellings of the root and those ending in `.` or `..` are known to be refused).
    private func loginFolder(on session: RemoteSession, for url: FTPURL) throws -> RemotePath {
        do {
            return try session.connection().pwd()
        } catch let error as FTPError where error.kind == .protocolViolation {
            return "/"
        } catch {
            throw Failure(error, while: "cannot delete \(url)")
        }
    }

    /// Refuses, as rm refuses `rm -r .`, a path that names the login folder `home` however
    /// spelled (`.`, `../u`, `%2Fhome/u`), a folder above it, or the root; or one that ends in
    /// `.` or `..`.
    private func refuseLoginFolder(_ path: RemotePath, of url: FTPURL, home: RemotePath) throws {
        let last = path.lastComponent.bytes
        guard path.isEmpty || last == [UInt8(ascii: ".")] || last == [UInt8(ascii: "."), UInt8(ascii: ".")]
            || home.resolved(from: "/").starts(with: path.resolved(from: home))
        else { return }
        throw Failure(.usage, "refusing to delete \(url): it names the login directory, a folder above it, or the root")
    }

    /// Deletes the file or (with -r) the folder of `url`.
    private func delete(_ url: FTPURL, on session: RemoteSession, kinds: ListedKinds) throws {
        do {
            let client = try session.connection()
            if recursive {
                // A file or a link goes with DELE; a folder is walked once LIST shows it is one.
                try client.removeTree(url.path, kinds: kinds)
                return
            }
            do {
                try client.delete(url.path)
            } catch let error as FTPError where error.kind == .permanent && RemoteFileSystem.isFolder(url.path, client: client) {
                throw Failure(.usage, "\(url) is a directory; use rm -r to delete it and all it holds")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(error, while: "cannot delete \(url)")
        }
    }

}

/// `ferry mkdir [-p] URL`: make a remote directory.
struct MakeDirectoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mkdir", abstract: "Make a remote directory.")

    @Flag(name: .short, help: "Make missing parent directories too, and do not fail if the directory exists.")
    var parents = false

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The directory to make, as a URL.")
    var url: String

    func run() throws {
        let url = try ConnectionOptions.parseURL(url)
        let session = RemoteSession(endpoint: try connection.endpoint(for: url))
        defer { session.close() }
        do {
            let client = try session.connection()
            guard parents else {
                try client.mkd(url.path)
                return
            }
            var prefix: [UInt8] = url.path.bytes.first == UInt8(ascii: "/") ? [UInt8(ascii: "/")] : []
            for component in url.path.bytes.split(separator: UInt8(ascii: "/")) {
                prefix += component
                let path = RemotePath(bytes: prefix)
                if !RemoteFileSystem.isFolder(path, client: client) { try client.mkd(path) }
                prefix.append(UInt8(ascii: "/"))
            }
        } catch {
            throw Failure(error, while: "cannot make \(url)")
        }
    }
}

/// `ferry mv URL NEWPATH`: rename or move on the server.
struct MoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mv", abstract: "Rename or move a remote file or directory.",
        discussion: "NEWPATH is a path on the same server (relative to the login directory, or absolute), or a URL of it.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "What to move, as a URL.")
    var url: String

    @Argument(help: "Where to: a path or a URL on the same server.")
    var newPath: String

    func run() throws {
        let url = try ConnectionOptions.parseURL(url)
        let destination: RemotePath
        if newPath.contains("://") {
            let target = try ConnectionOptions.parseURL(newPath)
            guard target.host == url.host, target.port == url.port else { throw Failure(.usage, "mv works within one server") }
            destination = target.path
        } else {
            destination = RemotePath(newPath)
        }
        let session = RemoteSession(endpoint: try connection.endpoint(for: url))
        defer { session.close() }
        do {
            try session.connection().rename(url.path, to: destination)
        } catch {
            throw Failure(error, while: "cannot move \(url) to \(destination)")
        }
    }
}

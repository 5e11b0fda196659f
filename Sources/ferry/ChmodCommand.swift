import ArgumentParser
import FTP
import Transfers

/// `ferry chmod MODE URL...`: change permissions on the server with SITE CHMOD.
struct ChmodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chmod",
        abstract: "Change the permissions of remote files or directories (SITE CHMOD).",
        discussion: """
            MODE is octal, 3 or 4 digits, as for chmod(1). Every URL is tried; the exit status is \
            that of the first that failed. A server without SITE CHMOD ends the command with exit 1. \
            Example: ferry chmod 644 ftp://host/www/index.html ftp://host/www/about.html
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The permissions in octal, such as 644 or 0755.")
    var mode: String

    @Argument(help: ArgumentHelp("The files or directories, as URLs.", valueName: "url"))
    var urls: [String]

    func validate() throws {
        guard Self.fileMode(mode) != nil else { throw ValidationError("MODE must be 3 or 4 octal digits, such as 644 or 0755, not '\(mode)'") }
    }

    func run() throws {
        guard let mode = Self.fileMode(mode) else { throw Failure(.usage, "MODE must be 3 or 4 octal digits") }
        let urls = try urls.map(ConnectionOptions.parseURL)
        var sessions: [String: RemoteSession] = [:]
        defer { sessions.values.forEach { $0.close() } }
        var firstFailure: Failure?
        for url in urls {
            let endpoint = try connection.endpoint(for: url)
            let session = sessions[endpoint.site] ?? RemoteSession(endpoint: endpoint)
            sessions[endpoint.site] = session
            do {
                try session.connection().chmod(url.path, mode: mode)
            } catch let error as FTPError where error.isUnsupportedCommand {
                throw Failure(.someTransfersFailed, "the server does not support SITE CHMOD (\(url.host) answered \(error))")
            } catch let error as FTPError where error.kind == .permanent || error.kind == .temporary {
                // This file failed; the others may still be changed.
                let failure = Failure(error, while: "cannot change the mode of \(url)")
                printError(failure.message)
                firstFailure = firstFailure ?? failure
            } catch {
                throw Failure(error, while: "cannot change the mode of \(url)")
            }
        }
        if let firstFailure { throw ExitCode(firstFailure.status.rawValue) }
    }

    /// The mode 3 or 4 octal digits write, such as 0o644 for `644`; nil for anything else.
    static func fileMode(_ digits: String) -> Int? {
        guard (3...4).contains(digits.count), digits.allSatisfy({ ("0"..."7").contains($0) }) else { return nil }
        return Int(digits, radix: 8)
    }
}

import ArgumentParser
import CProcess
import FTP
import FTPWire
import Foundation

/// The `ferry` command: subcommands for scripts, and (later) the commander.
struct Ferry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "An FTP and FTPS file commander and command-line client.",
        discussion: """
            Exit codes: 0 success; 1 some transfers failed; 2 usage error; 3 connection or TLS \
            failure; 4 login refused; 5 remote path not found or permission denied.
            """,
        version: "0.1.0",
        subcommands: [
            CommanderCommand.self, DemoCommand.self, ListCommand.self, GetCommand.self, PutCommand.self,
            MirrorCommand.self, CopyCommand.self, ResumeCommand.self, RemoveCommand.self, MakeDirectoryCommand.self, MoveCommand.self,
            ChmodCommand.self, DoctorCommand.self,
        ],
        defaultSubcommand: CommanderCommand.self
    )
}

@main
enum Main {
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        ContentDigest.keepOpenSSLUntilExit()
        // Passwords are in memory from here on: keep them out of core files.
        if ferry_disable_core_dumps() != 0 {
            printError("ferry: warning: cannot turn core dumps off: \(String(cString: strerror(errno)))")
        }
        warnOfPasswords(in: CommandLine.arguments.dropFirst())
        do {
            var command = try Ferry.parseAsRoot()
            // Beside the login, rather than on the way of the first transfer.
            if (command as? VerifyingCommand)?.batch.verifies == true { ContentDigest.prepareInBackground() }
            try command.run()
        } catch let failure as Failure {
            printError(failure.message)
            exit(failure.status.rawValue)
        } catch {
            if Ferry.exitCode(for: error) == .validationFailure {
                printError(Ferry.fullMessage(for: error))
                exit(ExitStatus.usage.rawValue)
            }
            Ferry.exit(withError: error)
        }
    }
}

/// Warns, once, when a URL among `arguments` holds a password: anyone on the machine can read
/// command lines in the process list. (URLs typed into the commander are not meant.) Scripts are
/// warned too, in their logs: a password in a crontab line is the case this is for.
func warnOfPasswords(in arguments: some Sequence<String>) {
    guard arguments.contains(where: { (try? FTPURL($0))?.password != nil }) else { return }
    printError("ferry: warning: a password in a URL on the command line can be read by other users in the process list; use FERRY_PASSWORD or ~/.netrc instead")
}

/// Writes a line to standard error, each of its lines made visible as server text is: local
/// paths, user names and the system's errors may hold control characters too.
func printError(_ message: String) {
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { Sanitizer.visible(String($0)) }
    let text = lines.joined(separator: "\n")
    StandardStream.error.write(text.hasSuffix("\n") ? text : text + "\n")
}

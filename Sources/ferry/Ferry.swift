import ArgumentParser
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
        do {
            var command = try Ferry.parseAsRoot()
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

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

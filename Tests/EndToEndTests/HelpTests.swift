import Foundation
import Testing
import TestSupport

/// What `ferry SUBCOMMAND --help` tells a user.
@Suite("ferry help")
struct HelpTests {
    @Test(arguments: [
        ("get", "USAGE: ferry get [<options>] URL... [LOCAL]"),
        ("put", "USAGE: ferry put [<options>] LOCAL... URL"),
        ("mirror", "USAGE: ferry mirror [<options>] SOURCE TARGET"),
        ("chmod", "<mode> <url> ..."),
    ])
    func usageLinesNameTheirArguments(_ command: String, _ usage: String) throws {
        let result = try FerryProcess.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains(usage), "\(result.standardOutput)")
        #expect(!result.standardOutput.contains("USAGE: ferry \(command) [<options>] <arguments>"))
    }

    @Test func demoSaysPortZeroIsAnyFreePort() throws {
        let result = try FerryProcess.run(["demo", "--help"])
        #expect(result.standardOutput.contains("any free port"))
    }
}

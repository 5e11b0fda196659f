import Foundation
import Testing
import TestSupport

/// Without -P, a batch of many files begins on 4 connections and opens more, up to 8, while
/// enough files wait and the server takes them; a server that turns one away keeps the count at
/// what worked, and no file fails for it. With -P, never more.
@Suite("Adaptive number of connections")
struct AdaptiveConnectionsTests {
    private static let count = 60

    /// A server with `count` files of 4 KiB in `many/`, its replies a little late so that the
    /// batch lasts long enough for connections to be added.
    private func serverWithManyFiles() throws -> ServerFixture {
        let fixture = try ServerFixture()
        for index in 0..<Self.count { try fixture.root.write("many/f\(index).bin", sampleBytes(4096, seed: UInt64(index))) }
        fixture.server.faults.delayReplies(by: 0.005, inTransit: true)
        return fixture
    }

    /// Fetches `many/` with `options`; checks that every file arrived whole and verified.
    private func fetchAll(from fixture: ServerFixture, options: [String] = []) throws -> ProgramResult {
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let result = try FerryProcess.run(["get", "-r", "--json", "--no-progress"] + options + [fixture.url("many/"), "."], in: local.path)
        #expect(result.status == 0, "\(result.standardError)")
        for index in 0..<Self.count { #expect(local.read("many/f\(index).bin") == sampleBytes(4096, seed: UInt64(index)), "f\(index).bin") }
        let verified = result.standardOutput.split(separator: "\n").filter { $0.contains("\"verified\": \"SHA-256\"") }
        #expect(verified.count == Self.count, "\(result.standardOutput)")
        return result
    }

    @Test func manyFilesOpenMoreConnectionsThanFour() throws {
        let fixture = try serverWithManyFiles()
        defer { fixture.stop() }
        let result = try fetchAll(from: fixture)
        #expect(result.standardErrorBesidesPasswordWarning.isEmpty, "\(result.standardError)")
        #expect((5...8).contains(fixture.server.mostSessionsAtOnce), "\(fixture.server.mostSessionsAtOnce) sessions at once")
    }

    @Test func aServerThatTurnsAwayAConnectionKeepsTheCountThatWorked() throws {
        let fixture = try serverWithManyFiles()
        defer { fixture.stop() }
        fixture.server.faults.limitSessions(to: 5)
        let result = try fetchAll(from: fixture)
        // The 421 of the connection turned away is no error of the batch: nothing is printed.
        #expect(result.standardErrorBesidesPasswordWarning.isEmpty, "\(result.standardError)")
        #expect(fixture.server.mostSessionsAtOnce <= 5)

        // With -v, a note says why no more were opened.
        let verbose = try fetchAll(from: fixture, options: ["-v"])
        #expect(verbose.standardError.contains("the server took no further connection"))
    }

    @Test func aServerThatRefusesTheLoginOfOneMoreKeepsTheCountThatWorked() throws {
        let fixture = try serverWithManyFiles()
        defer { fixture.stop() }
        fixture.server.faults.limitSessions(to: 5, atLogin: true)
        let result = try fetchAll(from: fixture)
        #expect(result.standardErrorBesidesPasswordWarning.isEmpty, "\(result.standardError)")
        // Five logged in; one more was asked once, refused with 530, and not asked again.
        let logins = fixture.server.receivedCommands.filter { $0 == "PASS ****" }.count
        #expect((5...6).contains(logins), "\(logins) logins")
    }

    /// The transfer connections of get -r and mirror connect while the first logs in, but log
    /// in only once it has: a wrong password is tried once, not once per connection.
    @Test func connectionsOpenedAheadLogInOnlyAfterTheFirst() throws {
        let fixture = try serverWithManyFiles()
        defer { fixture.stop() }
        let local = try TemporaryDirectory()
        defer { local.remove() }
        for command in [["get", "-r"], ["mirror"]] {
            fixture.server.clearReceivedCommands()
            let result = try FerryProcess.run(command + [fixture.url("many/", password: "wrong"), "out"], in: local.path)
            #expect(result.status == 4, "\(command): \(result.standardError)")
            #expect(fixture.server.receivedCommands.filter { $0 == "PASS ****" }.count == 1, "\(command)")
        }
    }

    @Test func parallelIsTheMostEverOpen() throws {
        let fixture = try serverWithManyFiles()
        defer { fixture.stop() }
        _ = try fetchAll(from: fixture, options: ["-P", "2"])
        #expect(fixture.server.mostSessionsAtOnce <= 2)
        fixture.server.clearReceivedCommands()
        _ = try fetchAll(from: fixture, options: ["-P", "4"])
        #expect(fixture.server.receivedCommands.filter { $0 == "PASS ****" }.count == 4)
    }
}

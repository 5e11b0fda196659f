import Foundation
import FTP
import FTPServer
import FTPWire
import TestSupport
import Testing
import Transfers

@Suite("Hostile numbers from servers")
struct HostileNumberTests {
    @Test(arguments: [1e300, -1e300, Double.infinity, -Double.infinity, Double.nan, 9.3e18, -9.3e18, 1e19])
    func timeComparisonsTakeAnyTime(_ seconds: Double) {
        let hostile = Date(timeIntervalSince1970: seconds)
        let normal = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(OverwritePolicy.precision(of: hostile) > 0)
        _ = OverwritePolicy.isNewer(hostile, than: normal)
        _ = OverwritePolicy.isNewer(normal, than: hostile)
        _ = OverwritePolicy.differ(FileFacts(size: 1, modified: hostile), FileFacts(size: 1, modified: normal))
        for policy in OverwritePolicy.allCases {
            _ = policy.decision(source: FileFacts(size: .max, modified: hostile), destination: FileFacts(size: 0, modified: hostile))
        }
    }

    @Test(arguments: ["20260101000000.5e300", "20260101000000.inf", "99999999999999", "1e300", "-1", "20260101000000.999999999999999999999"])
    func mdtmRepliesThatAreNotTimesFailCleanly(_ text: String) throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("f.txt", Data("x".utf8))
        fixture.server.faults.script("MDTM", reply: .init(code: 213, text: text))
        let client = try fixture.client()
        defer { client.close() }
        try client.login(user: ServerFixture.user, password: ServerFixture.password)
        do {
            let date = try client.mdtm("f.txt")
            #expect(ListingEntry.isInTimeRange(date))
        } catch let error as FTPError {
            #expect(error.kind == .protocolViolation)
        }
    }
}

@Suite("Replies that trickle in")
struct TrickleTests {
    @Test func aWholeReplyMustArriveWithinTheDeadline() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.trickleGreeting(everySeconds: 0.2)
        let started = Date()
        #expect {
            _ = try FTPClient(host: "127.0.0.1", port: fixture.port, options: .init(timeout: 1, replyDeadline: 1.5))
        } throws: { error in
            (error as? FTPError)?.kind == .timeout
        }
        #expect(Date().timeIntervalSince(started) < 4)
        #expect(FTPClient.Options(timeout: 7).effectiveReplyDeadline == 28)
    }

    @Test func aSlowButSteadyReplyWithinTheDeadlineIsRead() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.trickleGreeting(everySeconds: 0.01)
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port, options: .init(timeout: 1, replyDeadline: 5))
        defer { client.close() }
        #expect(client.welcome.code.rawValue == 220)
    }
}

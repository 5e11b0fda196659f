import Foundation
import FTP
import FTPServer
import FTPWire
import Testing
import TestSupport

@Suite("FTPClient against the loopback server")
struct ClientSessionTests {
    @Test func loginSendsTheExpectedDialogue() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        #expect(client.welcome.code == .serviceReady)
        #expect(client.features.supports("MLST"))
        try client.quit()
        // FEAT went out with USER; the password, in clear here, only once USER asked for it;
        // OPTS UTF8 with the next command.
        #expect(fixture.server.receivedCommands == ["FEAT", "USER alice", "PASS ****", "OPTS UTF8 ON", "QUIT"])
        #expect(fixture.server.commandsReadTogether.first == ["FEAT", "USER alice"])
    }

    /// `canEnter` goes back to where the connection was, however it got there: CWD, a raw
    /// command, or an earlier `canEnter`; PWD is asked once while nothing moved it.
    @Test func canEnterComesBackToTheCurrentFolder() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        for name in ["a/in/x.txt", "b/y.txt"] { try fixture.root.write(name, Data("x".utf8)) }
        let client = try fixture.client()
        defer { client.close() }
        #expect(try client.canEnter("a"))
        #expect(try !client.canEnter("nowhere"))
        #expect(try client.pwd() == "/")
        try client.cwd("a")
        #expect(try client.canEnter("in"))
        #expect(try client.pwd() == "/a")
        try client.sendCommand("CWD /b")
        #expect(try client.canEnter("/a/in"))
        #expect(try client.pwd() == "/b")
        #expect(try client.canEnter("/a"))
        // Three asked here, and one for each canEnter after the connection moved (or first).
        #expect(fixture.server.receivedCommands.filter { $0 == "PWD" }.count == 6)
    }

    /// A server behind a proxy greets twice, the second 220 arriving after FEAT and USER went
    /// out: it is passed over, and every later reply still answers its own command.
    @Test func aSecondGreetingIsNotTakenForAReply() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.greetTwice(secondAfter: 0.1)
        try fixture.root.write("a.txt", Data("abc".utf8))
        let client = try fixture.client()
        defer { client.close() }
        #expect(client.welcome.message == "Proxy ready, connecting to the server.")
        #expect(client.features.supports("MLST"))
        #expect(try client.pwd() == RemotePath("/"))
        #expect(try client.size("a.txt") == 3)
        var received = Data()
        try client.retrieve("a.txt") { received.append(contentsOf: $0) }
        #expect(received == Data("abc".utf8))
        #expect(try client.sendCommand("NOOP").text == "NOOP ok.")
        // Once logged in, a 220 is no greeting: it fails as the reply to its command, at once.
        fixture.server.faults.script("PWD", reply: .init(code: 220, text: "Hello again.", times: 1))
        let started = Date()
        #expect(throws: FTPError.self) { try client.pwd() }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// An anonymous login's password is an address by convention, not a secret: it goes in
    /// the same write as USER, the placeholder's or one given.
    @Test(arguments: ["anonymous", "ftp"], ["", "me@example.org"])
    func anAnonymousLoginSendsItsPasswordWithUser(user: String, password: String) throws {
        let fixture = try ServerFixture(allowsAnonymous: true)
        defer { fixture.stop() }
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        try client.login(user: user, password: password)
        #expect(try client.pwd() == RemotePath("/"))
        #expect(fixture.server.commandsReadTogether.first == ["FEAT", "USER \(user)", "PASS ****"])
    }

    /// `ftp` with a password that is no address is a real account: the password waits for
    /// USER's 331 (on a plain connection) and is masked in what the server says.
    @Test func aRealPasswordForTheUserFtpStaysASecret() throws {
        let fixture = try ServerFixture(allowsAnonymous: true)
        defer { fixture.stop() }
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        try client.login(user: "ftp", password: "Real-ftp-pw-7")
        #expect(fixture.server.commandsReadTogether.first == ["FEAT", "USER ftp"])
        #expect(Sanitizer.visibleReply("230 Welcome, Real-ftp-pw-7.") == "230 Welcome, ****.")
    }

    /// An anonymous user who needs no password (230 to USER) is logged in; the PASS that went
    /// with USER is answered too, and that answer is not taken for the next command's; a 421 to
    /// it ends the session.
    @Test func aPasswordSentWithAUserThatNeedsNoneIsAnsweredAndDropped() throws {
        let fixture = try ServerFixture(allowsAnonymous: true)
        defer { fixture.stop() }
        fixture.server.faults.script("USER", reply: .init(code: 230, text: "Logged in, no password needed.", times: 2))
        fixture.server.faults.script("PASS", reply: .init(code: 503, text: "Already logged in.", times: 1))
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        try client.login()
        #expect(try client.sendCommand("NOOP").text == "NOOP ok.")

        fixture.server.faults.script("PASS", reply: .init(code: 421, text: "Too many connections.", times: 1))
        let second = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { second.close() }
        #expect(throws: FTPError.self) { try second.login() }
    }

    /// A USER refused outright ends the login with USER's own reply, and a password that would
    /// go in clear never goes out.
    @Test func aRefusedUserIsReportedWithItsOwnReply() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.script("USER", reply: .init(code: 530, text: "This server is for anonymous users only.", times: 1))
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        let error = try #require(try Self.refusedLogin(client, password: "secret"))
        #expect(error.reply?.text == "This server is for anonymous users only.")
        #expect(!fixture.server.receivedCommands.contains("PASS ****"))
        #expect(fixture.server.receivedCommands == ["FEAT", "USER alice"])
    }

    /// A refused anonymous USER is reported with its own reply, not the one its placeholder
    /// password got.
    @Test func aRefusedAnonymousUserIsReportedWithItsOwnReply() throws {
        let fixture = try ServerFixture(allowsAnonymous: true)
        defer { fixture.stop() }
        fixture.server.faults.script("USER", reply: .init(code: 530, text: "No anonymous logins here.", times: 1))
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        let error = try #require(try Self.refusedLogin(client, user: "anonymous", password: ""))
        #expect(error.reply?.text == "No anonymous logins here.")
        #expect(try client.sendCommand("NOOP").text == "NOOP ok.")
    }

    /// A server that refuses the PASS that came in one write with USER (503) is sent it again
    /// alone, and one command at a time from then on.
    @Test func aPasswordRefusedForComingWithUserIsSentAgainAlone() throws {
        let fixture = try ServerFixture(allowsAnonymous: true)
        defer { fixture.stop() }
        fixture.server.faults.script("PASS", reply: .init(code: 503, text: "One command at a time, please.", times: 1))
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        try client.login()
        #expect(!client.pipelinesCommands)
        #expect(fixture.server.receivedCommands.prefix(4) == ["FEAT", "USER anonymous", "PASS ****", "PASS ****"])
        #expect(try client.pwd() == RemotePath("/"))
    }

    /// A USER that wants an account (332) is sent ACCT, not PASS.
    @Test func aUserThatWantsAnAccountIsSentOne() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.script("USER", reply: .init(code: 332, text: "Need account for login.", times: 1))
        fixture.server.faults.script("ACCT", reply: .init(code: 230, text: "Logged in.", times: 1))
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        try client.login(user: ServerFixture.user, password: ServerFixture.password, account: "ledger")
        #expect(fixture.server.receivedCommands.prefix(3) == ["FEAT", "USER alice", "ACCT ledger"])
    }

    /// A server that wants a login before FEAT (530 to the FEAT sent with USER) is asked again
    /// after login, and its features are known all the same.
    @Test func featRefusedBeforeLoginIsAskedAfterIt() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        fixture.server.faults.script("FEAT", reply: .init(code: 530, text: "Please login with USER and PASS.", times: 1))
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        try client.login(user: ServerFixture.user, password: ServerFixture.password)
        #expect(client.features.supports("MLST"))
        #expect(fixture.server.receivedCommands.prefix(4) == ["FEAT", "USER alice", "PASS ****", "FEAT"])
    }

    @Test func wrongPasswordIsRefusedWithTheReply() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try FTPClient(host: "127.0.0.1", port: fixture.port)
        defer { client.close() }
        let error = try #require(try Self.refusedLogin(client, password: "wrong"))
        #expect(error.reply?.code == .notLoggedIn)
    }

    /// The error a login as `user` with `password` is refused with, which must not show the
    /// password; nil, with an issue recorded, when the login succeeds.
    private static func refusedLogin(_ client: FTPClient, user: String = ServerFixture.user, password: String) throws -> FTPError? {
        do {
            try client.login(user: user, password: password)
            Issue.record("login should fail")
            return nil
        } catch let error as FTPError {
            #expect(error.kind == .loginRefused)
            #expect(!error.description.contains(password))
            return error
        }
    }

    @Test func directoryCommands() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        #expect(try client.pwd() == RemotePath("/"))
        #expect(try client.mkd("new \"dir\"") == "/new \"dir\"")
        try client.cwd("new \"dir\"")
        #expect(try client.pwd() == RemotePath("/new \"dir\""))
        try client.cdup()
        try client.rename("new \"dir\"", to: "renamed")
        #expect(fixture.root.exists("renamed"))
        try client.rmd("renamed")
        #expect(!fixture.root.exists("renamed"))
        try fixture.root.write("f.txt", Data("hello".utf8))
        #expect(try client.size("f.txt") == 5)
        #expect(abs(try client.mdtm("f.txt").timeIntervalSinceNow) < 600)
        try client.delete("f.txt")
        #expect(!fixture.root.exists("f.txt"))
        #expect(throws: FTPError.self) { try client.cwd("missing") }
        try client.noop()
        #expect(try client.sendCommand("SYST").code == .systemType)
    }

    @Test func errorsKeepTheReplyAndTheirKind() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        fixture.server.faults.script("DELE", reply: .init(code: 522, text: "Unusual refusal"))
        fixture.server.faults.script("RMD", reply: .init(code: 450, text: "Busy"))
        do {
            try client.delete("x")
            Issue.record("DELE should fail")
        } catch let error as FTPError {
            #expect(error.kind == .permanent)
            #expect(error.reply?.code.rawValue == 522)
            #expect(error.description == "DELE x: 522 Unusual refusal")
        }
        #expect { try client.rmd("x") } throws: { ($0 as? FTPError)?.kind == .temporary }
        fixture.server.faults.script("NOOP", reply: .init(code: 150, text: "unexpected"))
        #expect { try client.noop() } throws: { ($0 as? FTPError)?.kind == .protocolViolation }
    }

    @Test func commandInjectionIsRefusedBeforeSending() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        defer { client.close() }
        fixture.server.clearReceivedCommands()
        #expect { try client.delete("a\r\nRMD b") } throws: { ($0 as? FTPError)?.kind == .unsendable }
        try client.noop()
        // OPTS UTF8 ON waits after login to go out with the next command.
        #expect(fixture.server.receivedCommands == ["OPTS UTF8 ON", "NOOP"])
    }

    @Test func serverKeepsClientsInsideItsRoot() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let outside = try TemporaryDirectory("ferry-outside")
        defer { outside.remove() }
        try outside.write("secret.txt", Data("secret".utf8))
        try FileManager.default.createSymbolicLink(atPath: fixture.root.file("escape"), withDestinationPath: outside.path)
        let client = try fixture.client()
        defer { client.close() }
        try client.cwd("../../..")
        #expect(try client.pwd() == RemotePath("/"))
        #expect(throws: FTPError.self) { try client.cwd("escape") }
        #expect(throws: FTPError.self) { try client.size("escape/secret.txt") }
        #expect(throws: FTPError.self) { try client.retrieve("/escape/secret.txt") { _ in } }
    }

    @Test func timeoutWhenRepliesStall() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        // A second for each reply of the login, however loaded the machine.
        let client = try fixture.client(options: .init(timeout: 1))
        defer { client.close() }
        fixture.server.faults.delayReplies(by: 3)
        #expect { try client.noop() } throws: { ($0 as? FTPError)?.kind == .timeout }
    }

    @Test func refusedConnectionIsAConnectionError() throws {
        let listener = try TCPListener(host: "127.0.0.1")
        let port = listener.address.port
        listener.close()
        #expect { try FTPClient(host: "127.0.0.1", port: port) } throws: { ($0 as? FTPError)?.kind == .connection }
    }

    @Test func ipv6WorksWithExtendedCommands() throws {
        let fixture = try ServerFixture(host: "::1")
        defer { fixture.stop() }
        try fixture.root.write("six.bin", sampleBytes(70_000))
        for mode in [FTPClient.DataConnectionMode.passive, .active] {
            let client = try fixture.client(options: .init(timeout: 10, dataConnectionMode: mode))
            var received = Data()
            try client.retrieve("six.bin") { received.append(contentsOf: $0) }
            #expect(received == sampleBytes(70_000))
            try client.quit()
        }
        let commands = fixture.server.receivedCommands
        #expect(commands.contains("EPSV"))
        #expect(commands.contains { $0.hasPrefix("EPRT |2|::1|") })
        #expect(!commands.contains("PASV"))
    }

    @Test func cancellationFromAnotherThreadStopsATransfer() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        try fixture.root.write("slow.bin", sampleBytes(1_000_000))
        fixture.server.faults.throttle(bytesPerSecond: 50_000)
        let client = try fixture.client()
        let cancellation = client.cancellation
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.3)
            cancellation.cancel()
        }
        let started = Date()
        #expect { try client.retrieve("slow.bin") { _ in } } throws: { ($0 as? FTPError)?.kind == .cancelled }
        #expect(Date().timeIntervalSince(started) < 10)
        client.close()
    }
}

/// The demo's server runs for as long as the user likes: it keeps no log of the commands it
/// answers, which the tests' servers keep.
@Suite("A server that keeps no command log")
struct CommandLogTests {
    @Test func aServerWithoutACommandLogAnswersAndKeepsNothing() throws {
        let root = try TemporaryDirectory("ferry-server")
        defer { root.remove() }
        try root.write("a.txt", Data("a".utf8))
        let server = try FTPServer(configuration: .init(root: root.path, allowsAnonymous: true, timeout: 20, keepsCommandLog: false))
        server.start()
        defer { server.stop() }
        let client = try FTPClient(host: server.address.host, port: server.address.port, options: .init(timeout: 10))
        defer { client.close() }
        try client.login()
        #expect(try client.nlst().contains("a.txt"))
        #expect(server.receivedCommands.isEmpty)
        #expect(server.commandsReadTogether.isEmpty)

        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let logged = try fixture.client()
        defer { logged.close() }
        #expect(fixture.server.receivedCommands.contains("USER \(ServerFixture.user)"))
    }
}

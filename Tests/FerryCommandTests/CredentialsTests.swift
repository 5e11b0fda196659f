@testable import ferry
import FTP
import Testing

/// Where the user and password come from when a URL does not give both.
@Suite("Credentials")
struct CredentialsTests {
    private static let noHome = ["HOME": "/nonexistent-ferry-home"]

    /// `ftp` is another name for anonymous: its password is an address, never asked for, and
    /// never the secret `FERRY_PASSWORD` holds for another account; one the URL gives is taken.
    @Test(arguments: ["ftp", "FTP", "anonymous"])
    func anAnonymousUserIsNotAskedForAPassword(user: String) throws {
        let environment = Self.noHome.merging(["FERRY_PASSWORD": "someone-elses-secret"]) { $1 }
        let credentials = try Credentials.resolve(for: FTPURL("ftp://\(user)@example.org/"), environment: environment)
        #expect(credentials.user == user)
        #expect(credentials.password == "anonymous@")
        let given = try Credentials.resolve(for: FTPURL("ftp://\(user):me%40example.org@example.org/"), environment: environment)
        #expect(given.password == "me@example.org")
    }

    @Test func anotherUserTakesThePasswordFromTheEnvironment() throws {
        let credentials = try Credentials.resolve(
            for: FTPURL("ftp://alice@example.org/"), interactive: false, environment: Self.noHome.merging(["FERRY_PASSWORD": "pw"]) { $1 })
        #expect(credentials.password == "pw")
        let none = try Credentials.resolve(for: FTPURL("ftp://alice@example.org/"), interactive: false, environment: Self.noHome)
        #expect(none.password == "")
    }
}

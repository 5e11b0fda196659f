import Foundation
import Testing
import TestSupport

// Without the interop servers these tests are skipped (shown as such, not as passed); under CI they
// always run, and a missing server fails them (InteropServer.require throws).
/// `ferry chmod` against servers that support SITE CHMOD: pyftpdlib (permission `M`) and vsftpd
/// (`chmod_enable`, on by default). The file is uploaded first, so that vsftpd's user owns it.
@Suite("Interop: chmod", .enabled(if: InteropServer.shouldTest("PYFTPDLIB", "VSFTPD"), InteropServer.skipReason))
struct ChmodInteropTests {
    @Test(arguments: ["PYFTPDLIB", "VSFTPD"])
    func theModeChangesOnDisk(_ name: String) throws {
        let server = try InteropServer.require(name)
        let local = try TemporaryDirectory()
        defer { local.remove() }
        let remoteName = "\(UUID().uuidString.prefix(8))-mode.txt"
        try local.write(remoteName, Data("mode".utf8))
        defer { try? FileManager.default.removeItem(atPath: server.file(remoteName)) }
        let put = try FerryProcess.run(["put", local.file(remoteName), server.url("")])
        #expect(put.status == 0, "\(put.standardError)")
        for mode in [0o600, 0o754] {
            let result = try FerryProcess.run(["chmod", String(mode, radix: 8), server.url(remoteName)])
            #expect(result.status == 0, "\(result.standardError)")
            let attributes = try FileManager.default.attributesOfItem(atPath: server.file(remoteName))
            #expect(attributes[.posixPermissions] as? Int == mode)
        }
        let missing = try FerryProcess.run(["chmod", "644", server.url("no-such-\(remoteName)")])
        #expect(missing.status == 5, "\(missing.standardError)")
    }
}

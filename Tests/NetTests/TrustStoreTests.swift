import Foundation
@testable import Net
import Testing

/// The trusted certificates every TLS context of the process shares: read once, read again when
/// the CA file changes, and a CA file that cannot be read still refused by name.
@Suite("Trusted certificates")
struct TrustStoreTests {
    /// A self-signed certificate made by the `openssl` command, as PEM.
    private func certificate(_ name: String, in folder: String) throws -> Data {
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=\(name)", "-keyout", folder + "/\(name).key", "-out", folder + "/\(name).pem",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0, "openssl req failed")
        return try Data(contentsOf: URL(fileURLWithPath: folder + "/\(name).pem"))
    }

    @Test func aCAFileIsReadOnceForAllContextsAndAgainOnceChanged() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let caFile = folder + "/ca.pem"
        let first = try certificate("first", in: folder)
        try first.write(to: URL(fileURLWithPath: caFile))

        let store = try TrustStore.shared(caFile: caFile)
        #expect(try TrustStore.shared(caFile: caFile) === store)
        _ = try TLSContext(configuration: TLSConfiguration(caFile: caFile))
        _ = try TLSContext(configuration: TLSConfiguration(caFile: caFile))
        #expect(try TrustStore.shared(caFile: caFile) === store)

        try (first + certificate("second", in: folder)).write(to: URL(fileURLWithPath: caFile))
        #expect(try TrustStore.shared(caFile: caFile) !== store)

        #expect {
            try TLSContext(configuration: TLSConfiguration(caFile: folder + "/missing.pem"))
        } throws: { error in
            (error as? NetError)?.kind == .tls && (error as? NetError)?.detail.contains("cannot read the CA file") == true
        }
    }
}

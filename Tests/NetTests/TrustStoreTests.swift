import Foundation
@testable import Net
import Testing

/// The trusted certificates every TLS context of the process shares: read once, read again when
/// the CA file changes, and a CA file that cannot be read still refused by name.
@Suite("Trusted certificates")
struct TrustStoreTests {
    /// The PEM text of a new self-signed certificate for `name`.
    private func certificate(_ name: String, in folder: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: selfSignedCertificate(commonName: name, named: name, in: folder).certificate))
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

import Foundation
import Net
import Testing

@Suite("Known certificates and fingerprints")
struct CertificateTrustTests {
    @Test func theStoreKeepsOneFingerprintPerHostAndPort() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-net-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = KnownCertificates(path: folder.path + "/nested/known_certificates")
        #expect(store.fingerprint(host: "127.0.0.1", port: 990) == nil)

        try store.trust(host: "127.0.0.1", port: 990, fingerprint: "AA:BB")
        try store.trust(host: "::1", port: 990, fingerprint: "CC:DD")
        try store.trust(host: "127.0.0.1", port: 990, fingerprint: "EE:FF")

        #expect(store.fingerprint(host: "127.0.0.1", port: 990) == "EE:FF")
        #expect(store.fingerprint(host: "127.0.0.1", port: 21) == nil)
        #expect(store.fingerprint(host: "::1", port: 990) == "CC:DD")
        let text = try String(contentsOfFile: store.path, encoding: .utf8)
        #expect(text == "127.0.0.1:990 EE:FF\n[::1]:990 CC:DD\n")
    }

    @Test func theStoreIsWrittenForItsOwnerAlone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-net-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = KnownCertificates(path: folder.path + "/known_certificates")
        // A file others could read, written by hand, is replaced by one they cannot.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("host:21 AA:BB\n".utf8).write(to: URL(fileURLWithPath: store.path))
        chmod(store.path, 0o644)

        try store.trust(host: "127.0.0.1", port: 990, fingerprint: "CC:DD")
        let mode = try #require(FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(store.fingerprint(host: "host", port: 21) == "AA:BB")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["known_certificates"])
    }

    @Test func fingerprintsAreNormalizedOrRefused() {
        let hex = String(repeating: "ab", count: 32)
        let expected = Array(repeating: "AB", count: 32).joined(separator: ":")
        #expect(CertificateInfo.normalizedFingerprint(hex) == expected)
        #expect(CertificateInfo.normalizedFingerprint(expected.lowercased()) == expected)
        #expect(CertificateInfo.normalizedFingerprint(String(hex.dropLast(2))) == nil)
        #expect(CertificateInfo.normalizedFingerprint(String(hex.dropLast()) + "g") == nil)
    }
}

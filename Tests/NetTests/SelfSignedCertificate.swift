import Foundation
import Testing

/// Makes a self-signed certificate for `commonName` with the `openssl` command: the PEM files
/// `<name>.pem` (the certificate) and `<name>.key` (its key) in `folder`.
func selfSignedCertificate(commonName: String, named name: String, in folder: String) throws -> (certificate: String, key: String) {
    let paths = (certificate: folder + "/\(name).pem", key: folder + "/\(name).key")
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    openssl.arguments = [
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-subj", "/CN=\(commonName)", "-keyout", paths.key, "-out", paths.certificate,
    ]
    openssl.standardOutput = FileHandle.nullDevice
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    try #require(openssl.terminationStatus == 0, "openssl req failed")
    return paths
}

import Foundation

/// Certificates a user chose to trust, by host and port: trust on first use.
///
/// Kept as a text file at a path the application chooses, one `host:port SHA-256-fingerprint`
/// per line. A host listed here whose certificate changed is refused, whatever the chain check
/// says.
public struct KnownCertificates: Sendable {
    /// The file.
    public let path: String

    /// The store in the file at `path`, which need not exist yet.
    public init(path: String) { self.path = path }

    /// The fingerprint trusted for `host` and `port`, if any.
    public func fingerprint(host: String, port: UInt16) -> String? {
        entries()[Self.key(host, port)]
    }

    /// Records `fingerprint` as trusted for `host` and `port`, replacing any earlier one.
    public func trust(host: String, port: UInt16, fingerprint: String) throws {
        var all = entries()
        all[Self.key(host, port)] = fingerprint
        let text = all.keys.sorted().map { "\($0) \(all[$0] ?? "")\n" }.joined()
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Self.writePrivately(Data(text.utf8), to: path)
    }

    /// Writes `data` to `path` through a new file only its owner can read (0600), renamed into
    /// place, so the file is never readable by others, not even for a moment.
    private static func writePrivately(_ data: Data, to path: String) throws {
        let temporary = path + ".\(getpid()).new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private func entries() -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, !line.hasPrefix("#") else { continue }
            result[String(fields[0])] = String(fields[1])
        }
        return result
    }

    private static func key(_ host: String, _ port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

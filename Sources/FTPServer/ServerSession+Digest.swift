import FTPWire
import Glibc
import Net

extension ServerSession {
    /// The FEAT lines for the digest commands, each on a line of its own with a leading space.
    var digestFeatures: String {
        let offered = server.faults.offeredDigestCommands
        var lines = ""
        if offered.contains("HASH") {
            let algorithms = DigestAlgorithm.allCases.map { $0 == hashAlgorithm ? $0.rawValue + "*" : $0.rawValue }
            lines += " HASH \(algorithms.joined(separator: ";"))\n"
        }
        for verb in ["XCRC", "XMD5", "XSHA1", "XSHA256"] where offered.contains(verb) { lines += " \(verb)\n" }
        return lines
    }

    /// OPTS: `UTF8 ON`, and `HASH ALGORITHM` to pick the algorithm HASH uses.
    func options(_ argument: String) {
        let words = argument.uppercased().split(separator: " ")
        if words == ["UTF8", "ON"] {
            reply(200, "Always in UTF8 mode.")
        } else if words.first == "HASH", words.count == 2, server.faults.offeredDigestCommands.contains("HASH") {
            guard let algorithm = DigestAlgorithm(rawValue: String(words[1])) else {
                reply(501, "Unknown algorithm.")
                return
            }
            hashAlgorithm = algorithm
            reply(200, algorithm.rawValue)
        } else {
            reply(501, "Option not understood.")
        }
    }

    /// HASH (`213 SHA-256 0-SIZE HEX NAME`) and the older XSHA256, XSHA1, XMD5 and XCRC
    /// (`250 HEX`): the digest of a whole file, or a wrong one when the fault asks for it,
    /// after a line of its own announcing the computation when that fault asks for it.
    func digest(_ verb: String, of path: String) {
        guard server.faults.offeredDigestCommands.contains(verb) else {
            reply(500, "Unknown command.")
            return
        }
        let algorithm: DigestAlgorithm = switch verb {
        case "XSHA256": .sha256
        case "XSHA1": .sha1
        case "XMD5": .md5
        case "XCRC": .crc32
        default: hashAlgorithm
        }
        guard let location = locate(path) else { return }
        guard let info = FileInfo(path: location.localPath), info.kind == .file, let digest = Self.digest(of: location.localPath, algorithm) else {
            reply(550, "Could not compute the digest.")
            return
        }
        var hex = ContentDigest.hex(digest)
        if server.faults.answersWrongDigests { hex = (hex.first == "0" ? "1" : "0") + hex.dropFirst() }
        let announcement = server.faults.announcesDigestComputation ? "Computing \(algorithm.rawValue) digest\n" : ""
        if verb == "HASH" {
            reply(213, announcement + "\(algorithm.rawValue) 0-\(info.size) \(hex) \(location.name)")
        } else {
            reply(250, announcement + hex)
        }
    }

    /// The digest of a file's bytes; nil when it cannot be read.
    private static func digest(of path: String, _ algorithm: DigestAlgorithm) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let digest = ContentDigest(algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return digest.finish() }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}

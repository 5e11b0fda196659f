import FTPWire

/// A command that makes a server compute a digest of one of its files: `HASH` (with the
/// algorithm picked by `OPTS HASH`) or one of the older `XSHA256`, `XSHA1`, `XMD5`, `XCRC`.
public struct DigestCommand: Sendable, Equatable, CustomStringConvertible {
    /// `HASH`, `XSHA256`, `XSHA1`, `XMD5` or `XCRC`.
    public let verb: String
    /// The digest it gives.
    public let algorithm: DigestAlgorithm

    public init(verb: String, algorithm: DigestAlgorithm) {
        self.verb = verb
        self.algorithm = algorithm
    }

    public var description: String { verb == "HASH" ? "HASH \(algorithm.rawValue)" : verb }

    /// The older commands, strongest first.
    static let extensions: [DigestCommand] = [
        DigestCommand(verb: "XSHA256", algorithm: .sha256), DigestCommand(verb: "XSHA1", algorithm: .sha1),
        DigestCommand(verb: "XMD5", algorithm: .md5), DigestCommand(verb: "XCRC", algorithm: .crc32),
    ]

    /// The strongest command a server announced in FEAT: HASH with the strongest algorithm
    /// it lists (`HASH SHA-1*;SHA-256;MD5`), else the strongest X command; nil when none.
    public static func best(offeredBy features: FeatureSet) -> DigestCommand? {
        if let list = features.features["HASH"] {
            let offered = Set(list.split(separator: ";").map { $0.trimmingSpaces.replacingStar.uppercased() })
            if let algorithm = DigestAlgorithm.allCases.first(where: { offered.contains($0.rawValue) }) {
                return DigestCommand(verb: "HASH", algorithm: algorithm)
            }
        }
        return extensions.first { features.supports($0.verb) }
    }

    /// The algorithm a FEAT HASH line marks as in use (with `*`), if any.
    static func selected(in features: FeatureSet) -> DigestAlgorithm? {
        guard let list = features.features["HASH"] else { return nil }
        let marked = list.split(separator: ";").first { $0.trimmingSpaces.hasSuffix("*") }
        return marked.flatMap { DigestAlgorithm(rawValue: $0.trimmingSpaces.replacingStar.uppercased()) }
    }

    /// The digest in a reply: for HASH, `213 SHA-256 0-49 <hex> name` whose algorithm and
    /// range (when `size` is known) must match; for the X commands, the first word of the
    /// right length that is hexadecimal. A reply of several lines is read from its last line
    /// up: proftpd's mod_digest begins with `213-Computing SHA-256 digest`. Nil when the reply
    /// holds no such digest.
    func digest(in reply: Reply, size: UInt64?) -> [UInt8]? {
        for line in reply.lines.reversed() {
            if let digest = digest(inLine: line, size: size) { return digest }
        }
        return nil
    }

    /// The digest in one line of a reply, as `digest(in:size:)` describes.
    private func digest(inLine line: String, size: UInt64?) -> [UInt8]? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        if verb == "HASH" {
            guard words.count >= 3, words[0].uppercased() == algorithm.rawValue else { return nil }
            if let size, words[1] != "0-\(size)" { return nil }
            return ContentDigest.bytes(fromHex: words[2], byteCount: algorithm.byteCount)
        }
        for word in words {
            if let bytes = ContentDigest.bytes(fromHex: word, byteCount: algorithm.byteCount) { return bytes }
        }
        return nil
    }
}

extension FTPClient {
    /// The strongest way this server offers to compute a file's digest; nil when it offers none.
    /// Once the server refused to change HASH's algorithm, HASH counts with the one it has in
    /// use (beside the older commands), not the strongest it lists.
    public var digestCommand: DigestCommand? {
        guard keepsItsHashAlgorithm else { return DigestCommand.best(offeredBy: features) }
        let hash = hashAlgorithmOnServer.map { DigestCommand(verb: "HASH", algorithm: $0) }
        let offered = (hash.map { [$0] } ?? []) + DigestCommand.extensions.filter { features.supports($0.verb) }
        return DigestAlgorithm.allCases.lazy.compactMap { algorithm in offered.first { $0.algorithm == algorithm } }.first
    }

    /// The algorithm HASH uses on the server: the one set with OPTS HASH, else the one FEAT marks.
    var hashAlgorithmOnServer: DigestAlgorithm? { hashAlgorithmInUse ?? DigestCommand.selected(in: features) }

    /// Tells the server which digest will be asked of the files it sends or takes: OPTS HASH
    /// with the algorithm it already uses, in the same write as the next command sent in its
    /// turn (requests sent ahead of theirs leave it for the one after). A server that
    /// makes a file's digest as the bytes pass once it knows (the project's own does) then need
    /// not read the file again when asked. Once a session, and only where it changes nothing
    /// else: when pipelining (the news is not worth a round trip), for HASH, and when the
    /// algorithm is the one the server has in use.
    public func announceDigest(_ command: DigestCommand) {
        guard pipelinesCommands, !announcedDigest, command.verb == "HASH",
              hashAlgorithmOnServer == command.algorithm,
              let options = try? FTPCommand("OPTS", "HASH \(command.algorithm.rawValue)")
        else { return }
        announcedDigest = true
        unsentSettings.append(options)
    }

    /// The server's digest of a whole file, computed with `command` (for HASH, after picking
    /// its algorithm with OPTS HASH when the server is not already using it). `size`, when
    /// known, is checked against the range a HASH reply covers, and gives the server time to
    /// compute it (`Options.digestPatience(size:)`). A request `retrieve` sent ahead for this
    /// digest is taken up; refused, it is asked again on its own.
    public func digest(of path: RemotePath, using command: DigestCommand, size: UInt64? = nil) throws -> [UInt8] {
        try guarded {
            let ftpCommand = try FTPCommand(command.verb, path: path)
            let patience = options.digestPatience(size: size)
            func ask() throws -> Reply {
                if command.verb == "HASH", hashAlgorithmOnServer != command.algorithm {
                    do {
                        _ = try execute(FTPCommand("OPTS", "HASH \(command.algorithm.rawValue)"))
                    } catch let error as FTPError where error.kind == .permanent {
                        // Its HASH stays as it is: the next digest is asked in that algorithm.
                        keepsItsHashAlgorithm = true
                        throw error
                    }
                    hashAlgorithmInUse = command.algorithm
                }
                try setServerTransferType(.binary)
                return try execute(ftpCommand, patience: patience)
            }
            let reply: Reply
            if let sent = try takeAheadQuestion(ftpCommand, patience: patience) {
                reply = sent.code.kind == .positiveCompletion ? sent : try retryingUnpipelined(after: FTPError.unexpected(sent, to: ftpCommand), ask)
            } else {
                reply = try ask()
            }
            guard let digest = command.digest(in: reply, size: size) else {
                throw FTPError(kind: .protocolViolation, command: command.verb, reply: reply, detail: "the reply holds no \(command.algorithm.rawValue) digest of the whole file")
            }
            return digest
        }
    }
}

private extension Substring {
    /// Without the `*` that marks the algorithm in use.
    var replacingStar: Substring { hasSuffix("*") ? dropLast() : self }
}

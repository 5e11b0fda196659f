import FTPWire

extension FTPClient {
    /// Changes a file's or directory's permissions with `SITE CHMOD MODE PATH`, the mode sent in
    /// octal (`0o644` as `644`). Servers without it answer 500, 502 or 504 (see
    /// `FTPError.isUnsupportedCommand`); a mode beyond `0o7777` is a `.usage` error.
    public func chmod(_ path: RemotePath, mode: Int) throws {
        guard (0...0o7777).contains(mode) else {
            throw FTPError(kind: .usage, command: "SITE CHMOD", detail: "\(String(mode, radix: 8)) is not a file mode")
        }
        let digits = String(mode, radix: 8)
        let octal = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
        try guarded { _ = try execute(FTPCommand("SITE", bytes: Array("CHMOD \(octal) ".utf8) + path.bytes)) }
    }
}

extension FTPError {
    /// Whether the server refused the command as one it does not know or implement (500, 502,
    /// 504), rather than for its argument or the file.
    public var isUnsupportedCommand: Bool {
        guard kind == .permanent, let code = reply?.code else { return false }
        return [.syntaxError, .notImplemented, .parameterNotImplemented].contains(code)
    }
}

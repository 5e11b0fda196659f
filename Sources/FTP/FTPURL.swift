import FTPWire
import Net

/// Why a text is not an FTP URL.
public struct FTPURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text that was given, with any password masked.
    public let url: String
    /// What is wrong with it.
    public let reason: String
    public var description: String { "bad URL \(url): \(reason)" }
}

/// An `ftp://`, `ftpes://` or `ftps://` URL (the README's "URLs").
///
/// `ftp://[user[:password]@]host[:port]/path`: user, password and path are percent-decoded;
/// an IPv6 host stands in brackets. As in curl and lftp the path is relative to the login
/// directory; `%2F` at its start makes it absolute. A path ending in `/` names a directory.
public struct FTPURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is secured.
    public enum Security: Sendable, Equatable {
        /// `ftp://`: plain FTP (TLS only if asked for separately).
        case none
        /// `ftpes://`: AUTH TLS required before login.
        case explicitTLS
        /// `ftps://`: TLS from the first byte.
        case implicitTLS
    }

    /// How the connection is secured.
    public var security: Security
    /// The user name, if the URL has one.
    public var user: String?
    /// The password, if the URL has one.
    public var password: String?
    /// The host: a name, an IPv4 address, or an IPv6 address without brackets.
    public var host: String
    /// The port, explicit or the scheme's default.
    public var port: UInt16
    /// The decoded path after the host's slash, as bytes: relative to the login directory
    /// unless it starts with `/`. Empty for the login directory itself.
    public var path: RemotePath
    /// Whether the URL names a directory: its path is empty or ends with `/`.
    public var isDirectory: Bool { path.isEmpty || path.bytes.last == UInt8(ascii: "/") }

    public init(security: Security, user: String? = nil, password: String? = nil, host: String, port: UInt16? = nil, path: RemotePath = "") {
        self.security = security
        self.user = user
        self.password = password
        self.host = host
        self.port = port ?? (security == .implicitTLS ? 990 : 21)
        self.path = path
    }

    /// Parses a URL.
    public init(_ text: String) throws(FTPURLError) {
        let masked = Self.maskingPassword(text)
        func failure(_ reason: String) -> FTPURLError { FTPURLError(url: masked, reason: reason) }
        guard let schemeEnd = text.range(of: "://") else { throw failure("it does not start with ftp://, ftpes:// or ftps://") }
        let security: Security
        switch text[..<schemeEnd.lowerBound].lowercased() {
        case "ftp": security = .none
        case "ftpes": security = .explicitTLS
        case "ftps": security = .implicitTLS
        default: throw failure("unknown scheme \(Sanitizer.visible(String(text[..<schemeEnd.lowerBound]))); use ftp://, ftpes:// or ftps://")
        }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let rawPath = authorityEnd < rest.endIndex ? rest[rest.index(after: authorityEnd)...] : ""

        var user: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = TextDecoding.string(try Self.decode(userInfo[..<colon], orThrow: failure("bad percent-encoding in the user name")))
                password = TextDecoding.string(try Self.decode(userInfo[userInfo.index(after: colon)...], orThrow: failure("bad percent-encoding in the password")))
            } else {
                user = TextDecoding.string(try Self.decode(userInfo, orThrow: failure("bad percent-encoding in the user name")))
            }
            if user?.isEmpty == true { user = nil }
        }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw failure("an IPv6 address is missing its closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw failure("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw failure("it names no host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:%".contains($0) }) else {
            throw failure("the host \(Sanitizer.visible(String(host))) contains characters a host name cannot have")
        }
        var port: UInt16?
        if let portText {
            guard let number = UInt16(portText), number > 0 else { throw failure("the port must be a number from 1 to 65535") }
            port = number
        }
        var path = try Self.decode(rawPath, orThrow: failure("bad percent-encoding in the path"))
        if path.contains(where: { $0 == 0 || $0 == 10 || $0 == 13 }) { throw failure("the path contains CR, LF or NUL") }
        if path.starts(with: [UInt8(ascii: "/"), UInt8(ascii: "/")]) { path.removeFirst() }
        self.init(security: security, user: user, password: password, host: String(host), port: port, path: RemotePath(bytes: path))
    }

    /// The URL without its password, safe to show and log.
    public var description: String {
        let scheme = switch security {
        case .none: "ftp"
        case .explicitTLS: "ftpes"
        case .implicitTLS: "ftps"
        }
        let userPart = user.map { Self.encode(Array($0.utf8)) + "@" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let defaultPort: UInt16 = security == .implicitTLS ? 990 : 21
        let portPart = port == defaultPort ? "" : ":\(port)"
        return "\(scheme)://\(userPart)\(hostPart)\(portPart)/\(Self.encode(path.bytes, keepingSlashes: true))"
    }

    /// The same location with `component` appended to the path.
    public func appending(_ component: RemotePath) -> FTPURL {
        var copy = self
        copy.path = path.appending(component)
        return copy
    }

    /// A URL text with the password replaced by `****`.
    public static func maskingPassword(_ text: String) -> String { URLText.maskingPassword(text) }

    private static func decode(_ text: Substring, orThrow error: FTPURLError) throws(FTPURLError) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Hexadecimal.value), let low = iterator.next().flatMap(Hexadecimal.value) else { throw error }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func encode(_ bytes: [UInt8], keepingSlashes: Bool = false) -> String {
        var result = ""
        for byte in bytes {
            let scalar = Unicode.Scalar(byte)
            if scalar.properties.isAlphabetic && byte < 0x80 || (0x30...0x39).contains(byte) || "-._~".unicodeScalars.contains(scalar)
                || (keepingSlashes && byte == UInt8(ascii: "/")) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + Hexadecimal.string(CollectionOfOne(byte), uppercase: true)
            }
        }
        return result
    }
}

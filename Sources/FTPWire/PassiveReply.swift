/// The address and port a `227` reply to PASV names.
public struct PassiveAddress: Sendable, Equatable {
    /// The four octets of the IPv4 address, as dotted text.
    public let host: String
    /// The port, 0...65535.
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses the text of a `227` reply: the first run of six comma-separated numbers, each
    /// 0...255, with or without the customary parentheses. Nil when there is none.
    public init?(pasvReply text: String) {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let startsNumber = start == 0 || !(0x30...0x39).contains(bytes[start - 1])
            if startsNumber, let (numbers, _) = Self.sixNumbers(bytes, from: start) {
                host = numbers[0..<4].map(String.init).joined(separator: ".")
                port = UInt16(numbers[4]) << 8 | UInt16(numbers[5])
                return
            }
            start += 1
        }
        return nil
    }

    /// The argument of a PORT command for this address: `h1,h2,h3,h4,p1,p2`.
    /// Nil when `host` is not a dotted IPv4 address.
    public var portArgument: String? {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return (octets.map(String.init) + [String(port >> 8), String(port & 0xFF)]).joined(separator: ",")
    }

    /// Parses the argument of a PORT command, `h1,h2,h3,h4,p1,p2`.
    public init?(portArgument text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        let numbers = parts.compactMap { UInt8($0.trimmingSpaces) }
        guard numbers.count == 6 else { return nil }
        host = numbers[0..<4].map(String.init).joined(separator: ".")
        port = UInt16(numbers[4]) << 8 | UInt16(numbers[5])
    }

    private static func sixNumbers(_ bytes: [UInt8], from start: Int) -> ([Int], Int)? {
        var numbers: [Int] = []
        var index = start
        while numbers.count < 6 {
            var value = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, digits < 3 {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
            }
            guard digits > 0, value <= 255 else { return nil }
            if index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { return nil }
            numbers.append(value)
            if numbers.count < 6 {
                guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
        return (numbers, index)
    }
}

/// The port a `229` reply to EPSV names (RFC 2428): `(|||port|)`.
public enum ExtendedPassiveReply {
    /// Parses the text of a `229` reply. Nil when it holds no well-formed `(<d><d><d>port<d>)`.
    public static func port(from text: String) -> UInt16? {
        guard let open = text.firstIndex(of: "(") else { return nil }
        let inner = text[text.index(after: open)...]
        guard let close = inner.firstIndex(of: ")") else { return nil }
        let body = Array(inner[..<close])
        guard body.count >= 5, let delimiter = body.first, delimiter.isASCII, delimiter != " " else { return nil }
        let fields = body.split(separator: delimiter, omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1].isEmpty, fields[2].isEmpty, fields[4].isEmpty,
              let port = UInt16(String(fields[3])), port > 0
        else { return nil }
        return port
    }
}

/// The argument of an EPRT command (RFC 2428): `|1|192.0.2.1|6446|` or `|2|::1|6446|`.
public struct ExtendedPortArgument: Sendable, Equatable {
    /// 1 for IPv4, 2 for IPv6.
    public let family: Int
    /// The address as text.
    public let host: String
    /// The port.
    public let port: UInt16

    public init(family: Int, host: String, port: UInt16) {
        self.family = family
        self.host = host
        self.port = port
    }

    /// Parses an EPRT argument; nil when malformed.
    public init?(_ text: String) {
        guard let delimiter = text.first, delimiter.isASCII, delimiter != " " else { return nil }
        let fields = text.split(separator: delimiter, omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[4].isEmpty,
              let family = Int(fields[1]), family == 1 || family == 2,
              !fields[2].isEmpty, let port = UInt16(fields[3]), port > 0
        else { return nil }
        self.init(family: family, host: String(fields[2]), port: port)
    }

    /// The argument text.
    public var argument: String { "|\(family)|\(host)|\(port)|" }
}

/// The path in a `257` reply (RFC 959 Appendix II): `"/a ""b"" c" created`.
public enum PathnameReply {
    /// The quoted path with doubled quotes undone; nil when the text has no quoted path.
    public static func path(from text: String) -> String? {
        path(from: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The quoted path's bytes with doubled quotes undone, exactly as the server named it;
    /// nil when there is no quoted path.
    public static func path(from bytes: [UInt8]) -> [UInt8]? {
        let quote = UInt8(ascii: "\"")
        guard var index = bytes.firstIndex(of: quote) else { return nil }
        index += 1
        var path: [UInt8] = []
        while index < bytes.count {
            if bytes[index] == quote {
                guard index + 1 < bytes.count, bytes[index + 1] == quote else { return path }
                index += 1
            }
            path.append(bytes[index])
            index += 1
        }
        return nil
    }

    /// The text of a 257 reply naming `path`, with quotes doubled.
    public static func quoting(_ path: String) -> String {
        "\"" + path.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension StringProtocol {
    /// Without spaces at either end.
    package var trimmingSpaces: Substring {
        let string = Substring(self)
        guard let first = string.firstIndex(where: { $0 != " " }),
              let last = string.lastIndex(where: { $0 != " " })
        else { return "" }
        return string[first...last]
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}

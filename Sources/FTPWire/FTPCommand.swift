/// Why a command could not be rendered.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The command verb.
    public let verb: String
    public var description: String {
        "refusing to send \(verb): its argument contains CR, LF or NUL, which would let it smuggle another command"
    }
}

/// One command on the control connection: a verb and an optional argument.
///
/// Arguments are bytes, so that names in any encoding round-trip. CR, LF and NUL are refused
/// when the command is made, which closes the command-injection hole of a name like
/// `"a\r\nDELE b"`.
public struct FTPCommand: Sendable, Equatable, CustomStringConvertible {
    /// The verb, such as `RETR`.
    public let verb: String
    /// The argument bytes, if any.
    public let argument: [UInt8]?

    /// A command with a byte argument.
    public init(_ verb: String, bytes argument: [UInt8]?) throws(CommandError) {
        let forbidden: Set<UInt8> = [0x00, 0x0A, 0x0D]
        if let argument, argument.contains(where: forbidden.contains) { throw CommandError(verb: verb) }
        if verb.utf8.contains(where: forbidden.contains) { throw CommandError(verb: verb) }
        self.verb = verb
        self.argument = argument
    }

    /// A command with a text argument, sent as UTF-8.
    public init(_ verb: String, _ argument: String? = nil) throws(CommandError) {
        try self.init(verb, bytes: argument.map { Array($0.utf8) })
    }

    /// The bytes to write: `VERB[ ARGUMENT]\r\n`.
    public var wireBytes: [UInt8] {
        var bytes = Array(verb.utf8)
        if let argument {
            bytes.append(UInt8(ascii: " "))
            bytes += argument
        }
        bytes += [0x0D, 0x0A]
        return bytes
    }

    /// The command as it may be logged or shown: the password of `PASS` (and the account of
    /// `ACCT`) masked, control characters made visible.
    public var description: String {
        guard let argument else { return verb }
        switch verb.uppercased() {
        case "PASS", "ACCT": return "\(verb) ****"
        default: return "\(verb) \(Sanitizer.visible(TextDecoding.string(argument)))"
        }
    }
}

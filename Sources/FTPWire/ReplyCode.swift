/// A three-digit FTP reply code (RFC 959 §4.2).
///
/// Modelled like `Errno` in swift-system: a raw value with named constants, so a code this
/// library has never heard of survives intact instead of collapsing to a default.
public struct ReplyCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code, 0...999.
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// What the first digit says about the outcome of a command.
    public enum Kind: Sendable, Equatable {
        /// 1yz: the action is starting; expect another reply.
        case positivePreliminary
        /// 2yz: the action completed.
        case positiveCompletion
        /// 3yz: the command was accepted and more information is needed.
        case positiveIntermediate
        /// 4yz: the action failed; trying again later may work.
        case transientNegative
        /// 5yz: the action failed and repeating it will not help.
        case permanentNegative
        /// A first digit outside 1...5: not a valid reply.
        case invalid
    }

    /// The class of this reply, from its first digit.
    public var kind: Kind {
        switch rawValue / 100 {
        case 1: .positivePreliminary
        case 2: .positiveCompletion
        case 3: .positiveIntermediate
        case 4: .transientNegative
        case 5: .permanentNegative
        default: .invalid
        }
    }

    public var description: String {
        let digits = String(rawValue)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// 110 Restart marker reply.
    public static let restartMarker = ReplyCode(rawValue: 110)
    /// 120 Service ready in a few minutes.
    public static let serviceReadySoon = ReplyCode(rawValue: 120)
    /// 125 Data connection already open; transfer starting.
    public static let dataConnectionAlreadyOpen = ReplyCode(rawValue: 125)
    /// 150 File status okay; about to open data connection.
    public static let fileStatusOK = ReplyCode(rawValue: 150)
    /// 200 Command okay.
    public static let commandOK = ReplyCode(rawValue: 200)
    /// 202 Command not implemented, superfluous at this site.
    public static let superfluous = ReplyCode(rawValue: 202)
    /// 211 System status, or the FEAT reply.
    public static let systemStatus = ReplyCode(rawValue: 211)
    /// 213 File status (SIZE, MDTM).
    public static let fileStatus = ReplyCode(rawValue: 213)
    /// 215 NAME system type (SYST).
    public static let systemType = ReplyCode(rawValue: 215)
    /// 220 Service ready for new user.
    public static let serviceReady = ReplyCode(rawValue: 220)
    /// 221 Service closing control connection.
    public static let closing = ReplyCode(rawValue: 221)
    /// 225 Data connection open; no transfer in progress.
    public static let dataConnectionOpen = ReplyCode(rawValue: 225)
    /// 226 Closing data connection; requested file action successful.
    public static let closingDataConnection = ReplyCode(rawValue: 226)
    /// 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).
    public static let enteringPassiveMode = ReplyCode(rawValue: 227)
    /// 229 Entering Extended Passive Mode (|||port|).
    public static let enteringExtendedPassiveMode = ReplyCode(rawValue: 229)
    /// 230 User logged in, proceed.
    public static let loggedIn = ReplyCode(rawValue: 230)
    /// 234 Security data exchange complete (AUTH TLS accepted).
    public static let authAccepted = ReplyCode(rawValue: 234)
    /// 250 Requested file action okay, completed.
    public static let fileActionOK = ReplyCode(rawValue: 250)
    /// 257 "PATHNAME" created, or the current directory.
    public static let pathnameCreated = ReplyCode(rawValue: 257)
    /// 331 User name okay, need password.
    public static let needPassword = ReplyCode(rawValue: 331)
    /// 332 Need account for login.
    public static let needAccount = ReplyCode(rawValue: 332)
    /// 350 Requested file action pending further information (REST, RNFR).
    public static let pendingFurtherInformation = ReplyCode(rawValue: 350)
    /// 421 Service not available, closing control connection.
    public static let serviceNotAvailable = ReplyCode(rawValue: 421)
    /// 425 Can't open data connection.
    public static let cannotOpenDataConnection = ReplyCode(rawValue: 425)
    /// 426 Connection closed; transfer aborted.
    public static let transferAborted = ReplyCode(rawValue: 426)
    /// 450 Requested file action not taken; file unavailable (busy).
    public static let fileBusy = ReplyCode(rawValue: 450)
    /// 451 Requested action aborted: local error in processing.
    public static let localError = ReplyCode(rawValue: 451)
    /// 452 Requested action not taken; insufficient storage space.
    public static let insufficientStorage = ReplyCode(rawValue: 452)
    /// 500 Syntax error, command unrecognized.
    public static let syntaxError = ReplyCode(rawValue: 500)
    /// 501 Syntax error in parameters or arguments.
    public static let parameterSyntaxError = ReplyCode(rawValue: 501)
    /// 502 Command not implemented.
    public static let notImplemented = ReplyCode(rawValue: 502)
    /// 503 Bad sequence of commands.
    public static let badSequence = ReplyCode(rawValue: 503)
    /// 504 Command not implemented for that parameter.
    public static let parameterNotImplemented = ReplyCode(rawValue: 504)
    /// 522 Network protocol not supported (EPRT/EPSV family).
    public static let protocolNotSupported = ReplyCode(rawValue: 522)
    /// 530 Not logged in.
    public static let notLoggedIn = ReplyCode(rawValue: 530)
    /// 550 Requested action not taken; file unavailable (not found, no access).
    public static let fileUnavailable = ReplyCode(rawValue: 550)
    /// 552 Requested file action aborted; exceeded storage allocation.
    public static let exceededStorage = ReplyCode(rawValue: 552)
    /// 553 Requested action not taken; file name not allowed.
    public static let fileNameNotAllowed = ReplyCode(rawValue: 553)
}

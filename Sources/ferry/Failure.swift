import FTP
import FTPWire
import Transfers

/// The process exit codes, as the README and `ferry --help` give them.
enum ExitStatus: Int32 {
    case success = 0
    case someTransfersFailed = 1
    case usage = 2
    case connection = 3
    case loginRefused = 4
    case notFound = 5
}

/// A failure that ends the command: the message for the user and the exit status.
struct Failure: Error {
    let status: ExitStatus
    let message: String

    /// `message` is made visible as server text is: it may name local paths or carry the
    /// system's errors, and either may hold control characters.
    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = Self.prefix + Sanitizer.visible(message)
    }

    private static let prefix = "ferry: "

    /// The message without the program's name before it.
    var reason: String { message.hasPrefix(Self.prefix) ? String(message.dropFirst(Self.prefix.count)) : message }

    /// The failure for an error from the library, with what was being done.
    init(_ error: any Error, while action: String) {
        switch error {
        case let error as FTPError where error.reply?.code == .fileUnavailable:
            // 550 is what servers say of a missing file (and of one they will not show): say so first.
            self.init(Self.status(of: error), "\(action): no such file, or no access to it (\(error))")
        case let error as FTPError:
            self.init(Self.status(of: error), "\(action): \(error)")
        case let error as FTPURLError:
            self.init(.usage, error.description)
        case let error as LocalFileError:
            self.init(.someTransfersFailed, "\(action): \(error)")
        default:
            self.init(.someTransfersFailed, "\(action): \(error)")
        }
    }

    /// The exit status an FTP error calls for.
    static func status(of error: FTPError) -> ExitStatus {
        switch error.kind {
        case .connection, .timeout, .tls: return .connection
        case .loginRefused: return .loginRefused
        case .usage: return .usage
        case .permanent, .temporary:
            let pathErrors: Set<ReplyCode> = [.fileUnavailable, .fileNameNotAllowed, .fileBusy, .notLoggedIn]
            if let code = error.reply?.code, pathErrors.contains(code) { return .notFound }
            return error.reply?.code == .serviceNotAvailable ? .connection : .someTransfersFailed
        case .protocolViolation, .cancelled, .unsendable: return .someTransfersFailed
        }
    }
}

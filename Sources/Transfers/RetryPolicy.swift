import FTP
import Foundation

/// When and how often a failed transfer is tried again.
public struct RetryPolicy: Sendable {
    /// How many times to try again after the first failure.
    public var retries: Int
    /// The wait before the first retry; each later wait doubles, up to `maximumDelay`.
    public var initialDelay: Double
    /// The longest wait between tries.
    public var maximumDelay: Double

    public init(retries: Int = 5, initialDelay: Double = 1, maximumDelay: Double = 30) {
        self.retries = retries
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// No retries at all.
    public static let never = RetryPolicy(retries: 0)

    /// The wait before retry number `attempt` (1 for the first retry).
    public func delay(before attempt: Int) -> Double {
        min(maximumDelay, initialDelay * pow(2, Double(max(0, attempt - 1))))
    }

    /// Whether an error may go away by itself: a 4xx reply, a broken or stalled connection.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? FTPError else { return error is IncompleteTransfer || error is UnconfirmedEnd }
        switch error.kind {
        case .temporary, .connection, .timeout: return true
        default: return false
        }
    }

    /// Runs `body` until it succeeds, it fails for good, or the retries are used up. `body` is
    /// told the attempt number (0 first) and `onRetry` each error that will be retried. A
    /// cancellation ends the wait between tries at once.
    public func run<Result>(
        cancellation: Cancellation? = nil, _ body: (Int) throws -> Result, onRetry: (any Error, Double) -> Void = { _, _ in }
    ) throws -> Result {
        var attempt = 0
        while true {
            do {
                return try body(attempt)
            } catch where attempt < retries && Self.isTransient(error) && cancellation?.isCancelled != true {
                attempt += 1
                let wait = delay(before: attempt)
                onRetry(error, wait)
                let end = Date().addingTimeInterval(wait)
                while Date() < end {
                    if cancellation?.isCancelled == true { throw FTPError(kind: .cancelled, detail: "cancelled") }
                    Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow)))
                }
            }
        }
    }
}

extension RetryPolicy {
    /// Runs the attempts of one transfer over `sessions`: a transient failure drops their
    /// connections, which it may have left out of step, before the next try. The first
    /// session's cancellation ends the wait between tries.
    func runTransfer<Result>(
        on sessions: [RemoteSession], _ body: (Int) throws -> Result, onRetry: (any Error, Double) -> Void
    ) throws -> Result {
        try run(cancellation: sessions.first?.cancellation, { attempt in
            do {
                return try body(attempt)
            } catch {
                if Self.isTransient(error) { sessions.forEach { $0.drop() } }
                throw error
            }
        }, onRetry: onRetry)
    }
}

/// A transfer ended with fewer bytes than the file has: worth resuming.
public struct IncompleteTransfer: Error, CustomStringConvertible, Sendable {
    /// The bytes that arrived.
    public let received: UInt64
    /// The bytes expected.
    public let expected: UInt64
    public var description: String { "transfer ended early: \(received) of \(expected) bytes" }
}

/// A TLS data connection that ended without close_notify, for a file whose size and digest are
/// unknown: the bytes may have been cut short, and nothing can say they were not. Tried again.
public struct UnconfirmedEnd: Error, CustomStringConvertible, Sendable {
    /// The bytes that arrived.
    public let received: UInt64
    /// Whether the copy was in ASCII mode, where sizes and digests check nothing.
    public var ascii = false
    public var description: String {
        let unchecked = ascii ? "in ASCII mode nothing checks them" : "the server gives no size or digest to check them against"
        return "the TLS data connection ended without close_notify after \(received) bytes, and \(unchecked): the file may be cut short"
    }
}

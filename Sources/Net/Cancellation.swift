/// Lets another thread stop what a client (an `FTPClient`, say) is doing on the network.
///
/// `cancel()` shuts down the transports it watches, so a call blocked on the network returns at
/// once, and the client reports an error of kind `.cancelled`. The client is then unusable and
/// must be closed.
public final class Cancellation: Sendable {
    private struct State {
        var cancelled = false
        var transports: [ObjectIdentifier: any Transport] = [:]
    }

    private let state = Locked(State())

    public init() {}

    /// Whether `cancel()` has been called.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Stops the client's blocked and future calls.
    public func cancel() {
        let transports = state.withLock { state in
            state.cancelled = true
            return Array(state.transports.values)
        }
        for transport in transports { transport.shutdown() }
    }

    /// Registers a transport to shut down on cancellation; shuts it down at once if cancelled.
    package func watch(_ transport: any Transport) {
        let cancelled = state.withLock { state in
            state.transports[ObjectIdentifier(transport)] = transport
            return state.cancelled
        }
        if cancelled { transport.shutdown() }
    }

    /// Forgets a transport that is closed.
    package func forget(_ transport: any Transport) {
        _ = state.withLock { $0.transports.removeValue(forKey: ObjectIdentifier(transport)) }
    }
}

import Dispatch

/// Shuts a transport down once a deadline passes, so that a call blocked on it returns: a bound
/// on a whole exchange (a TLS handshake) that the timeout of each read cannot give, since a
/// server may send a byte just often enough to keep every read within it.
///
/// `end()` must be called once the exchange is over, before the transport is used for anything
/// else; after it, the deadline does nothing.
package final class TransportDeadline: Sendable {
    private struct State {
        /// The transport to shut down, until the exchange ends: only so long is it kept (a
        /// closed socket's number is free once the socket goes).
        var transport: (any Transport)?
        var expired = false
    }

    private let state: Locked<State>
    /// The seconds the exchange may take.
    package let seconds: Double

    /// Starts the clock: `transport` is shut down `seconds` from now unless `end()` comes first.
    package init(seconds: Double, transport: any Transport) {
        // NaN, negative or endless: the longest a DispatchTime here holds sensibly.
        self.seconds = seconds.isNaN ? 1_000_000_000 : min(max(seconds, 0.001), 1_000_000_000)
        let state = Locked(State(transport: transport))
        self.state = state
        WatchdogQueue.shared.asyncAfter(deadline: .now() + self.seconds) {
            state.withLock { state in
                guard let transport = state.transport else { return }
                state.transport = nil
                state.expired = true
                transport.shutdown()
            }
        }
    }

    /// Stops the clock; returns whether the deadline had passed (and the transport was shut down).
    @discardableResult
    package func end() -> Bool {
        state.withLock { state in
            state.transport = nil
            return state.expired
        }
    }
}

import Dispatch

/// Shuts a socket down once a single call on it — a read or a write — has waited longer than
/// `seconds`, so that the call returns: a bound the timeout of each socket read cannot give
/// where one call waits for many of them, as OpenSSL does for a whole TLS record while a server
/// sends a byte of it every few seconds. One repeating timer serves the connection's life; each
/// call only notes when it began and ended.
///
/// `stop()` must be called when the connection closes.
package final class CallWatchdog: @unchecked Sendable {
    // @unchecked: `timer` is only armed in init and cancelled in stop(), which dispatch allows
    // from any thread; the state is behind its lock.
    private struct State {
        var callBegan: ContinuousClock.Instant?
        var expired = false
    }

    private let state = Locked(State())
    private let timer = DispatchSource.makeTimerSource(queue: WatchdogQueue.shared)
    /// The seconds one call may wait.
    package let seconds: Double

    /// Watches calls on `socket`, each allowed `seconds` (checked a few times within that span).
    package init(seconds: Double, socket: TCPSocket) {
        self.seconds = seconds.isNaN ? 1_000_000_000 : min(max(seconds, 0.001), 1_000_000_000)
        let (state, limit) = (state, Duration.milliseconds(Int64(self.seconds * 1000)))
        let interval = DispatchTimeInterval.milliseconds(Int(max(self.seconds / 4, 0.01) * 1000))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler {
            state.withLock { state in
                guard !state.expired, let began = state.callBegan, ContinuousClock.now - began > limit else { return }
                state.expired = true
                socket.shutdown()
            }
        }
        timer.resume()
    }

    /// Notes that a call begins.
    package func begin() {
        state.withLock { $0.callBegan = .now }
    }

    /// Notes that the call ended; returns whether it had overrun (and the socket was shut down).
    package func end() -> Bool {
        state.withLock { state in
            state.callBegan = nil
            return state.expired
        }
    }

    /// Stops watching, for good.
    package func stop() {
        timer.cancel()
    }
}

import Dispatch
import Foundation
import Net

/// A session's replies on their way to the client: each is written a set time after it was
/// made, in the order they were made, while the session goes on with the next commands.
final class RepliesInTransit: Sendable {
    private let control: TCPSocket
    /// Runs one write at a time, in order; each waits for its own time to come.
    private let queue = DispatchQueue(label: "ferry-server-replies")

    init(control: TCPSocket) {
        self.control = control
    }

    /// Writes `bytes` to the client `seconds` from now.
    func send(_ bytes: [UInt8], after seconds: Double) {
        let due = DispatchTime.now() + max(0, seconds)
        queue.async { [control] in
            let now = DispatchTime.now()
            if due > now { Thread.sleep(forTimeInterval: Double(due.uptimeNanoseconds - now.uptimeNanoseconds) / 1e9) }
            try? control.write(bytes)
        }
    }

    /// Returns when every reply sent so far has been written (or failed to be).
    func waitUntilSent() {
        queue.sync {}
    }
}

import Foundation
import Net
import Testing
import Transfers

/// The gate a paused transfer waits at, with real threads.
@Suite("PauseGate")
struct PauseGateTests {
    /// Set once a thread has passed the gate.
    final class Passed: Sendable {
        private let value = Locked(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }

        /// Whether it is set within five seconds.
        var eventually: Bool {
            let deadline = Date().addingTimeInterval(5)
            while !isSet, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            return isSet
        }
    }

    /// Starts a thread that passes the gate once.
    func passOnAnotherThread(_ gate: PauseGate) -> Passed {
        let passed = Passed()
        Thread.detachNewThread {
            gate.waitWhilePaused()
            passed.set()
        }
        return passed
    }

    @Test func anOpenGateLetsThrough() {
        let gate = PauseGate()
        #expect(!gate.isPaused)
        #expect(passOnAnotherThread(gate).eventually)
    }

    @Test func aPausedGateHoldsUntilResumed() {
        let gate = PauseGate()
        gate.pause()
        #expect(gate.isPaused)
        let passed = passOnAnotherThread(gate)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!passed.isSet)
        gate.resume()
        #expect(passed.eventually)
    }

    @Test func openingLetsAHeldTransferGoForGood() {
        let gate = PauseGate()
        gate.pause()
        let passed = passOnAnotherThread(gate)
        Thread.sleep(forTimeInterval: 0.1)
        gate.open()
        #expect(passed.eventually)
        gate.pause()
        #expect(!gate.isPaused)
        #expect(passOnAnotherThread(gate).eventually)
    }
}

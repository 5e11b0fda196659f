import Foundation
import Net

/// The steps a transfer of the queue leaves to be done after it returns: making a downloaded
/// file durable and putting it in place (`FileCopy.finishing`), then setting its time. The
/// queue runs them on a thread apart, in order, while the worker's connection goes on with the
/// next file, and reports the transfer done — and ends its job in the journal — only once they
/// all worked; a step that fails fails the transfer. A transfer that leaves none is done when
/// it returns.
public final class FinishingSteps: Sendable {
    private let steps = Locked<[@Sendable () throws -> Void]>([])

    public init() {}

    /// Adds a step, to run after those added before it.
    public func add(_ step: @escaping @Sendable () throws -> Void) {
        steps.withLock { $0.append(step) }
    }

    /// Whether no step is waiting.
    public var isEmpty: Bool { steps.withLock { $0.isEmpty } }

    /// Runs the steps added so far in order, leaving none; the first that fails stops the rest
    /// and is thrown.
    public func run() throws {
        let taken = steps.withLock { steps in
            defer { steps = [] }
            return steps
        }
        for step in taken { try step() }
    }
}

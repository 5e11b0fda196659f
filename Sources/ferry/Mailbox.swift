import Foundation
import Net

/// Messages for the event loop from other threads, with a pipe that wakes the loop's poll(2).
final class Mailbox<Message: Sendable>: Sendable {
    private let messages = Locked<[Message]>([])
    /// The read end of the wake-up pipe: poll it for input.
    let wakeDescriptor: Int32
    private let writeDescriptor: Int32

    /// Throws when the system has no descriptors left for the pipe.
    init() throws {
        (wakeDescriptor, writeDescriptor) = try makeLoopPipe("the event loop's wake-up pipe")
    }

    deinit {
        close(wakeDescriptor)
        close(writeDescriptor)
    }

    /// Posts a message and wakes the loop; never blocks.
    func post(_ message: Message) {
        messages.withLock { $0.append(message) }
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Everything posted so far, oldest first, emptying the box and the pipe.
    func drain() -> [Message] {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(wakeDescriptor, &scratch, scratch.count) > 0 {}
        return messages.withLock { messages in
            defer { messages.removeAll(keepingCapacity: true) }
            return messages
        }
    }
}

/// A pipe for waking an event loop: both ends non-blocking and closed on exec. `what` names it
/// in the error when the system has no descriptors left.
func makeLoopPipe(_ what: String) throws -> (read: Int32, write: Int32) {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else {
        throw Failure(.someTransfersFailed, "cannot create \(what): \(String(cString: strerror(errno)))")
    }
    for descriptor in descriptors {
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }
    return (descriptors[0], descriptors[1])
}

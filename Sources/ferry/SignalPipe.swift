import Foundation

/// The write end of the pipe the signal handler writes to: a C handler can capture nothing.
nonisolated(unsafe) private var signalPipeWriteDescriptor: Int32 = -1

/// Catches signals with a handler that writes each signal's number to a pipe, for an event loop
/// to poll. Whichever thread the kernel picks runs the handler, so no signal is lost (a
/// DispatchSource on Linux reads a signalfd, which misses a signal that another thread with it
/// unblocked took first). One at a time per process.
final class SignalPipe {
    /// The read end: poll it for input, then `drain()`.
    let readDescriptor: Int32
    private let writeDescriptor: Int32
    private let numbers: [Int32]

    /// Starts catching `numbers`; throws when no pipe can be made.
    init(catching numbers: [Int32]) throws {
        (readDescriptor, writeDescriptor) = try makeLoopPipe("the signal pipe")
        self.numbers = numbers
        signalPipeWriteDescriptor = writeDescriptor
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            // Only async-signal-safe calls here: one write, errno kept.
            let saved = errno
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(signalPipeWriteDescriptor, &byte, 1)
            errno = saved
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        for number in numbers { sigaction(number, &action, nil) }
    }

    deinit {
        for number in numbers { signal(number, SIG_DFL) }
        signalPipeWriteDescriptor = -1
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// The signals caught since the last call, oldest first.
    func drain() -> [Int32] {
        var buffer = [UInt8](repeating: 0, count: 64)
        var caught: [Int32] = []
        while case let count = read(readDescriptor, &buffer, buffer.count), count > 0 {
            caught += buffer.prefix(count).map { Int32($0) }
        }
        return caught
    }
}

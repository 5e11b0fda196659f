#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// What the handler needs, set before it is installed: a C handler can capture nothing, and may
// touch no Swift global that is not yet initialised.
nonisolated(unsafe) private var savedModes = termios()
nonisolated(unsafe) private var hasSavedModes = false
nonisolated(unsafe) private var resetBytes: UnsafeMutableBufferPointer<UInt8>?
nonisolated(unsafe) private var previousActions: [Int32: sigaction] = [:]

/// Gives the terminal back when the program dies of a fatal signal (SIGSEGV, SIGBUS, SIGILL,
/// SIGFPE, SIGABRT, SIGTRAP; a Swift runtime trap is one of these): the handler writes the
/// sequences that reset the attributes, show the cursor and leave the alternate screen, puts
/// back the terminal modes saved before ncurses started, and raises the signal again with its
/// default action, so the program still dies of it.
public enum FatalSignals {
    /// The signals that end a program with no chance to clean up otherwise.
    public static let numbers: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    /// Reset attributes, show the cursor, leave keypad mode and the alternate screen.
    static let resetSequence = "\u{1B}[0m\u{1B}[?25h\u{1B}[?1l\u{1B}>\u{1B}[?1049l\r\n"

    /// Saves the terminal's modes (call before ncurses changes them) and installs the handler.
    static func install() {
        hasSavedModes = tcgetattr(STDIN_FILENO, &savedModes) == 0
        if resetBytes == nil {
            let bytes = Array(resetSequence.utf8)
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
            _ = buffer.initialize(from: bytes)
            resetBytes = buffer
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            // Only async-signal-safe calls: write, tcsetattr, signal, raise.
            if let bytes = resetBytes, let base = bytes.baseAddress { _ = write(STDOUT_FILENO, base, bytes.count) }
            if hasSavedModes { _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedModes) }
            signal(number, SIG_DFL)
            raise(number)
        }
        // SA_NODEFER: the signal raised again inside the handler is delivered at once.
        action.sa_flags = Int32(SA_NODEFER)
        sigemptyset(&action.sa_mask)
        for number in numbers {
            var previous = sigaction()
            sigaction(number, &action, &previous)
            if previousActions[number] == nil { previousActions[number] = previous }
        }
    }

    /// Puts back the handlers there were before (the Swift runtime's, say), once the terminal
    /// is restored the ordinary way.
    static func uninstall() {
        for (number, var previous) in previousActions { sigaction(number, &previous, nil) }
        previousActions = [:]
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pipe through which the kernel moves bytes from one descriptor to another (Linux's
/// `splice`): a socket's bytes into the pipe, and from the pipe into a file, without passing
/// through this process's memory. Only where the C library has `splice` and `pipe2`.
package final class KernelPipe: @unchecked Sendable {
    // @unchecked: the two descriptors never change and `inputClosed` is Locked; the kernel
    // serialises calls on them.
    /// The end bytes are moved into.
    package let input: Int32
    /// The end bytes are moved out of.
    package let output: Int32
    private let inputClosed = Locked(false)

    /// The bytes the pipe holds at most.
    package let capacity: Int

    /// Whether the system has `splice` (and `pipe2`): Linux.
    package static var isAvailable: Bool { splice != nil && pipe2 != nil }

    /// A new pipe, both ends closed on exec, made to hold up to `capacity` bytes: the system
    /// rounds it up to a power of two pages, and lets a process grow a pipe only so far
    /// (`/proc/sys/fs/pipe-max-size`, 1 MiB unless set), so half as much is asked each time it
    /// refuses, down to the 64 KiB a pipe starts with. Nil where the system has no `splice` or
    /// gave no pipe: the caller then moves bytes through memory.
    package init?(capacity: Int) {
        guard Self.isAvailable, let pipe2 = Self.pipe2 else { return nil }
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { return nil }
        output = ends[0]
        input = ends[1]
        // F_SETPIPE_SZ (1031) and F_GETPIPE_SZ (1032), which Swift's Glibc module leaves out
        // with _GNU_SOURCE.
        var asked = Int32(clamping: max(1, capacity))
        while asked > 64 * 1024, fcntl(input, 1031, asked) < 0 { asked /= 2 }
        self.capacity = max(1, Int(fcntl(input, 1032)))
    }

    deinit {
        closeInput()
        Glibc.close(output)
    }

    /// Closes the input end: once the bytes in the pipe are moved out, the output end is at its
    /// end. Once only; nothing the second time.
    package func closeInput() {
        inputClosed.withLock { closed in
            if !closed {
                closed = true
                Glibc.close(input)
            }
        }
    }

    /// Waits at most `seconds` for room in the pipe: whether there is some (or the pipe broke,
    /// which the move that follows reports).
    package func waitForRoom(seconds: Double) -> Bool {
        var poller = pollfd(fd: input, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, milliseconds(seconds))
        return ready > 0 || (ready < 0 && errno != EINTR)
    }

    /// Waits until the pipe holds bytes to move out, or has ended (its input closed and every
    /// byte moved out): whether it holds bytes.
    package func waitForBytes() -> Bool {
        var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, -1) < 0, errno == EINTR {}
        return poller.revents & Int16(POLLIN) != 0
    }

    /// Moves at most `count` bytes from `source` into `destination`, one of them a pipe's end,
    /// at the other's position where it is a file (advancing it): the bytes moved, 0 at the end
    /// of `source`, or -1 with `errno` set. Waits for bytes and for room as a read and a write
    /// would (a socket's receive timeout applies), retrying when interrupted.
    package static func move(from source: Int32, to destination: Int32, count: Int) -> Int {
        guard let splice else {
            errno = ENOSYS
            return -1
        }
        while true {
            // SPLICE_F_MOVE (1): pages are moved rather than copied where the kernel can.
            let moved = splice(source, nil, destination, nil, count, 1)
            if moved >= 0 || errno != EINTR { return moved }
        }
    }

    /// `splice` and `pipe2`, looked up by name: glibc declares them only for _GNU_SOURCE, which
    /// Swift's Glibc module leaves out. Nil where the C library has no such function.
    private static let splice: (@convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int)? =
        symbol("splice")
    private static let pipe2: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32)? = symbol("pipe2")

    private static func symbol<Function>(_ name: String) -> Function? {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
        #else
        return nil
        #endif
    }
}

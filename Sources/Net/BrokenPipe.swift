#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` with SIGPIPE held back on this thread, and takes the SIGPIPE it raised (if any)
/// before letting the signal through again. A write to a peer that closed then fails with EPIPE
/// instead of ending the process: calls that write without `MSG_NOSIGNAL` (`sendfile`, and
/// OpenSSL's socket writes, in its reads as in its writes: an alert, a key update) would
/// otherwise end any program using this library that does not ignore the signal, as a test
/// process does not.
func withBrokenPipeHeld<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
    var brokenPipe = sigset_t()
    sigemptyset(&brokenPipe)
    sigaddset(&brokenPipe, SIGPIPE)
    var previousMask = sigset_t()
    pthread_sigmask(SIG_BLOCK, &brokenPipe, &previousMask)
    var pendingBefore = sigset_t()
    sigpending(&pendingBefore)
    defer {
        var pendingAfter = sigset_t()
        sigpending(&pendingAfter)
        if sigismember(&pendingAfter, SIGPIPE) == 1, sigismember(&pendingBefore, SIGPIPE) == 0 {
            var now = timespec()
            _ = sigtimedwait(&brokenPipe, nil, &now)
        }
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
    }
    return try body()
}

import Dispatch

/// Where the clocks of `TransportDeadline` and `CallWatchdog` run: a serial queue of their own.
/// Dispatch gives such a queue a thread even while every thread of its global pool is busy, as
/// the threads of an app's tasks (or a test runner's) may be, each in a blocking call of this
/// library; on the global queue a deadline waited for one of them, and fired only after it.
enum WatchdogQueue {
    static let shared = DispatchQueue(label: "ferry-watchdogs")
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program started with `posix_spawn` and reaped with `waitpid` for its own process id.
///
/// Foundation's `Process` on Linux can miss the exit of a child that ends at once (`tmux
/// new-session -d` does) and then waits in `waitUntilExit` for ever with the child a zombie.
/// Reaping by process id cannot miss it. The child starts with default signal dispositions and
/// an empty signal mask whatever the parent had, so an editor run from the commander gets its
/// own Ctrl-C and window-size signals.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// The parent's own stream.
        case inherit
        /// `/dev/null`.
        case null
        /// A file, created or truncated.
        case file(String)
    }

    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or 128 plus the signal number as a shell reports it.
        public var status: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            }
        }
    }

    /// A child could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public let executable: String
        public let code: Int32
        public var description: String { "cannot run \(executable): \(String(cString: strerror(code)))" }
    }

    /// The child's process id.
    public let id: pid_t

    /// Starts `executable` (a path) with `arguments`; `environment` replaces the parent's when given.
    public init(
        _ executable: String, arguments: [String] = [], environment: [String: String]? = nil,
        standardInput: Stream = .inherit, standardOutput: Stream = .inherit, standardError: Stream = .inherit
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        Self.redirect(0, to: standardInput, readOnly: true, in: &actions)
        Self.redirect(1, to: standardOutput, readOnly: false, in: &actions)
        Self.redirect(2, to: standardError, readOnly: false, in: &actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = CStrings([executable] + arguments)
        let envp = environment.map { CStrings($0.map { "\($0.key)=\($0.value)" }) }
        var child: pid_t = 0
        let code = withExtendedLifetime((argv, envp)) {
            posix_spawn(&child, executable, &actions, &attributes, argv.pointers, envp?.pointers ?? environ)
        }
        guard code == 0 else { throw SpawnError(executable: executable, code: code) }
        id = child
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) {
        kill(id, signal)
    }

    /// Waits for the child to end and reaps it.
    public func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(id, &status, 0) < 0 {
            guard errno == EINTR else { return .exited(-1) }
        }
        return Self.termination(status)
    }

    /// Waits at most `seconds` for the child to end; after that kills it (SIGKILL) and reaps it.
    public func wait(timeout seconds: Double) -> Termination {
        let step = 10_000 as useconds_t
        var remaining = Int(min(max(seconds, 0), 86_400) * 1_000_000) / Int(step)
        var status: Int32 = 0
        while remaining > 0 {
            let reaped = waitpid(id, &status, WNOHANG)
            if reaped == id { return Self.termination(status) }
            if reaped < 0, errno != EINTR { return .exited(-1) }
            usleep(step)
            remaining -= 1
        }
        send(SIGKILL)
        return wait()
    }

    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    private static func redirect(_ descriptor: Int32, to stream: Stream, readOnly: Bool, in actions: inout posix_spawn_file_actions_t) {
        switch stream {
        case .inherit:
            break
        case .null:
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", readOnly ? O_RDONLY : O_WRONLY, 0)
        case .file(let path):
            let flags = readOnly ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC
            posix_spawn_file_actions_addopen(&actions, descriptor, path, flags, 0o644)
        }
    }
}

/// A NULL-terminated array of C strings that lives as long as the value.
private final class CStrings {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String]) {
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    deinit {
        var index = 0
        while let pointer = pointers[index] {
            free(pointer)
            index += 1
        }
        pointers.deallocate()
    }
}

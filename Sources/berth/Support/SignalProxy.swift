import BerthOS
import BerthRuntime
import CBerthSys
import Glibc
import Synchronization

/// The pidfd of the container's init the handler signals; -1 while no proxy runs. A C function
/// pointer captures nothing: an atomic load and a system call are all the handler does.
private let proxyTarget = Atomic<Int32>(-1)

/// docker's `--sig-proxy` (`run` attached, `start -a`, `attach`; on by default, never with a
/// terminal, where the terminal itself carries ^C to the container): while `berth` follows a
/// container, the signals it receives go to the container's main process instead of ending
/// `berth`, which stays until the container ends and exits with its code (a script's `trap` runs).
///
/// The init is signalled through a pidfd opened once and checked against the container's status,
/// so a signal never reaches a later process that reused its pid; after a restart by the
/// container's policy (a new init) signals are no longer passed on. SIGKILL and SIGSTOP cannot be
/// caught; SIGCHLD, SIGPIPE, SIGWINCH and the fault signals are not proxied (docker skips SIGCHLD,
/// SIGPIPE and SIGURG; the faults are this process's own).
enum SignalProxy {
    static let signals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM]

    /// docker's `--sig-proxy=BOOL` value.
    static func parse(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw BerthError.invalidArgument("invalid --sig-proxy \(text.quoted): expected true or false")
        }
    }

    /// Runs `body` with the signals passed on to the init of running container `id`; `enabled`
    /// false, or a container no longer running, runs it as it is.
    static func around<T>(_ enabled: Bool, engine: Engine, id: String, _ body: () throws -> T) throws -> T {
        guard enabled, let pidfd = initPidfd(engine, id) else { return try body() }
        proxyTarget.store(pidfd, ordering: .releasing)
        let previous = installHandler(for: signals) { sig in
            let saved = errno
            let fd = proxyTarget.load(ordering: .acquiring)
            if fd >= 0 { _ = berth_pidfd_send_signal(fd, sig) }
            errno = saved
        }
        defer {
            restoreHandlers(signals, previous)
            proxyTarget.store(-1, ordering: .releasing)
            close(pidfd)
        }
        return try body()
    }

    /// A pidfd of the container's init, kept only if the status still names that pid as running
    /// once it is open: the pidfd then names the init, whatever later happens to the number.
    private static func initPidfd(_ engine: Engine, _ id: String) -> Int32? {
        guard let state = try? engine.inspect(id).state, state.isRunning, let pid = state.pid, pid > 0 else { return nil }
        let fd = berth_pidfd_open(pid)
        guard fd >= 0 else { return nil }
        guard let after = try? engine.inspect(id).state, after.isRunning, after.pid == pid else {
            close(fd)
            return nil
        }
        return fd
    }
}

import BerthOS
import BerthRuntime
import Foundation
import Glibc
import Synchronization

/// The child `spawnAndWait` is waiting for, read by the signal handler: a C function pointer can
/// capture nothing, and an atomic load and `kill` are all it may do (async-signal-safe).
private let forwardTarget = Atomic<Int32>(0)
private let forwardedSignal = Atomic<Int32>(0)

/// The signals a terminal client (`berth-shim --attach`, `--exec`) must get instead of us: each
/// restores the terminal it put in raw mode before it exits, which it cannot do if only its parent
/// dies (the terminal would stay raw and the orphaned client would go on reading it).
private let forwardedSignals: [Int32] = [SIGTERM, SIGHUP, SIGINT]

/// How a child spawned by `spawnAndWait` ended.
struct ChildExit {
    /// The exit status, or 128 + the signal that killed it (as a shell reports it).
    var code: Int32
    /// The signal this process received and passed on while it waited, if any.
    var forwardedSignal: Int32?
}

/// posix_spawn + waitpid: the child shares our terminal; no Foundation polling. SIGTERM, SIGHUP and
/// SIGINT that reach us meanwhile go on to the child. They are blocked from before the spawn until the
/// child's pid is known, so one that arrives in between is passed on, not lost.
///
/// `forwardSignals: false` (a `SignalProxy` passes them to the container instead): they are left
/// to the caller's handlers and the child starts with them blocked, so one a terminal sends to the
/// whole process group cannot end it before it sets them aside (`berth-shim --attach --sig-proxy`).
func spawnAndWait(_ argv: [String], environment: [String: String] = [:], forwardSignals: Bool = true) throws -> ChildExit {
    var block = sigset_t(), previousMask = sigset_t(), childDefaults = sigset_t()
    sigemptyset(&block)
    sigemptyset(&childDefaults)
    let handled = forwardSignals ? forwardedSignals : []
    for sig in handled {
        sigaddset(&block, sig)
        sigaddset(&childDefaults, sig)
    }
    // The globals are initialised lazily (swift_once, not async-signal-safe): touch them here,
    // before any handler can run.
    forwardTarget.store(0, ordering: .releasing)
    forwardedSignal.store(0, ordering: .releasing)
    sigprocmask(SIG_BLOCK, &block, &previousMask)
    let previousActions = installHandler(for: handled) { sig in
        let saved = errno
        let pid = forwardTarget.load(ordering: .acquiring)
        if pid > 0 {
            forwardedSignal.store(sig, ordering: .releasing)
            _ = kill(pid, sig)
        }
        errno = saved
    }
    defer {
        forwardTarget.store(0, ordering: .releasing)
        restoreHandlers(handled, previousActions)
        sigprocmask(SIG_SETMASK, &previousMask, nil)
    }

    // The child starts with our mask as it was and these signals at their defaults.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var childMask = previousMask
    if !forwardSignals { for sig in forwardedSignals { sigaddset(&childMask, sig) } }
    posix_spawnattr_setsigmask(&attributes, &childMask)
    posix_spawnattr_setsigdefault(&attributes, &childDefaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc: Int32
    if environment.isEmpty {
        rc = withCStringArray(argv) { cargv in
            posix_spawn(&pid, argv[0], nil, &attributes, UnsafeMutablePointer(mutating: cargv), environ)
        }
    } else {
        // Ours, with `environment` set over it (built before the spawn: nothing allocates after fork).
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let envp = merged.map { "\($0)=\($1)" }
        rc = withCStringArray(argv) { cargv in
            withCStringArray(envp) { cenv in
                posix_spawn(&pid, argv[0], nil, &attributes, UnsafeMutablePointer(mutating: cargv), UnsafeMutablePointer(mutating: cenv))
            }
        }
    }
    guard rc == 0 else { throw BerthError.system(operation: "spawn", path: argv[0], errno: rc) }
    forwardTarget.store(pid, ordering: .releasing)
    sigprocmask(SIG_UNBLOCK, &block, nil)

    // Wait without reaping, stop forwarding, then reap: until it is reaped the pid cannot be
    // reused, so a late signal never reaches another process.
    var info = siginfo_t()
    while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
    forwardTarget.store(0, ordering: .releasing)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let signal = forwardedSignal.load(ordering: .acquiring)
    return ChildExit(code: code, forwardedSignal: signal == 0 ? nil : signal)
}

/// Passes `signal` on to the child `spawnAndWait` is waiting for, if any, as its handler would.
/// For a caller that learns of the signal another way: the dashboard's own signal watch, which
/// can receive a SIGTERM meant for the child before this process's handler does.
func forwardToWaitedChild(_ signal: Int32) {
    let pid = forwardTarget.load(ordering: .acquiring)
    guard pid > 0 else { return }
    forwardedSignal.store(signal, ordering: .releasing)
    _ = kill(pid, signal)
}

/// Sets `handler` (async-signal-safe code only) for each of `signals`, with SA_RESTART; returns
/// the actions it replaced, for `restoreHandlers`.
func installHandler(for signals: [Int32], _ handler: @escaping @convention(c) (Int32) -> Void) -> [sigaction] {
    signals.map { sig in
        var action = sigaction(), old = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(sig, &action, &old)
        return old
    }
}

func restoreHandlers(_ signals: [Int32], _ previous: [sigaction]) {
    for (sig, old) in zip(signals, previous) {
        var old = old
        sigaction(sig, &old, nil)
    }
}
